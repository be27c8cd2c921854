/** Unit tests of the report's pure parts: escaping, slugs, highlighting, times, sizes, thumbnails. */
import { readFileSync } from 'node:fs';
import vm from 'node:vm';
import { PNG } from 'pngjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { editorHref, escapeHtml } from '../src/report/escape.js';
import { extensionOf, publishable } from '../src/report/figures.js';
import { cleanDocstring, docSummary, moduleDocstring } from '../src/report/docstring.js';
import { countLines, formatBytes, formatDuration, formatTimestamp, lastLines, stateLabel } from '../src/report/format.js';
import { highlightPythonLines, renderSourceHtml, tokenizePython } from '../src/report/highlight.js';
import { pageName, paths, shortHash, slugify } from '../src/report/slug.js';
import { boxDownscale, makeThumbnail, pngSize, thumbnailSize } from '../src/report/thumbnail.js';

const XSS_PATH = '<img src=x onerror=alert(1)>.py';

// ---- escaping ----
test('escapeHtml escapes the five HTML-special characters', () => {
  assert.is(escapeHtml(`<a href="x" title='y'>&</a>`), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  assert.is(escapeHtml('plain text'), 'plain text');
  assert.not.match(escapeHtml(XSS_PATH), /[<>"']/);
});

test('editorHref fills the template, percent-encodes paths and refuses scripting URLs', () => {
  assert.is(editorHref('vscode://file/{path}:{line}', '/p/a b.py', 'a b.py', 3), 'vscode://file/p/a%20b.py:3');
  assert.is(editorHref('idea://open?file={relpath}&line={line}', '/p/x.py', 'sub/x.py', 0), 'idea://open?file=sub/x.py&line=1');
  assert.is(editorHref(null, '/p/x.py', 'x.py', 1), null);
  assert.is(editorHref('javascript:alert({line})', '/p/x.py', 'x.py', 1), null);
  assert.is(editorHref(' DATA:text/html,{path}', '/p/x.py', 'x.py', 1), null);
  const href = editorHref('vscode://file/{path}:{line}', `/p/${XSS_PATH}`, XSS_PATH, 1)!;
  assert.not.match(href, /[<>"' ]/);
});

// ---- docstrings ----
test('docstrings lose reST and Markdown underlines, directives and inline markup; the summary is the title and first paragraph', () => {
  const gallery = '"""\nSpike raster\n============\n\nPlots the **spike raster** of `network` with :func:`numpy.histogram`.\nSee `the docs <https://x.org>`_ and [here](http://y).\n\n.. note::\n   Slow.\n"""\n';
  const doc = cleanDocstring(moduleDocstring(gallery));
  assert.is(doc, 'Spike raster\n\nPlots the spike raster of network with numpy.histogram.\nSee the docs and here.\n\n   Slow.');
  assert.is(docSummary(doc), 'Spike raster — Plots the spike raster of network with numpy.histogram. See the docs and here.');
  assert.is(cleanDocstring('=====\nTitle\n=====\n\nBody::\n\n    code\n'), 'Title\n\nBody:\n\n    code');
  assert.is(cleanDocstring('# Potential\n\nA *single* cell; a * b, snake_case_name and 2*3*4 stay; _this_ goes.'), 'Potential\n\nA single cell; a * b, snake_case_name and 2*3*4 stay; this goes.');
  assert.is(docSummary('Fits the model.\n\nMore details.'), 'Fits the model.', 'a sentence is not a title');
  assert.is(docSummary('One paragraph\nover two lines'), 'One paragraph over two lines');
  assert.is(docSummary(''), '');
  assert.is(docSummary('x'.repeat(1000)).length, 300);
});

test('lastLines: the end of a stream, trailing blank lines left out', () => {
  assert.is(lastLines('a\nb\nc\n\n', 2), 'b\nc');
  assert.is(lastLines('usage: x\nx: error: bad\n', 12), 'usage: x\nx: error: bad');
  assert.is(lastLines('', 3), '');
});

// ---- slugs ----
test('slugify keeps only [A-Za-z0-9_-]', () => {
  assert.is(slugify('src/<b>fig 1.py'), 'src-b-fig-1-py');
  assert.is(slugify('../../etc/passwd'), 'etc-passwd');
  assert.is(slugify('---'), '');
  assert.ok(slugify('x'.repeat(200)).length <= 48);
});

test('page names are safe, unique and stable', () => {
  const name = pageName(XSS_PATH);
  assert.match(name, /^[A-Za-z0-9_-]+$/);
  assert.ok(name.endsWith(shortHash(XSS_PATH)));
  assert.is.not(pageName('a/b.py'), pageName('a-b.py'), 'same slug, different hash');
  assert.is.not(pageName('A.py'), pageName('a.py'), 'case-insensitive file systems');
  assert.is(pageName('Ω.py'), `py-${shortHash('Ω.py')}`);
  assert.is(pageName('日本'), shortHash('日本'));
  assert.is(pageName('a/b.py'), pageName('a/b.py'));
  assert.match(paths.script(XSS_PATH), /^scripts\/[A-Za-z0-9_-]+\.html$/);
  assert.match(paths.run('run/../../x'), /^runs\/[A-Za-z0-9_-]+\.html$/);
  assert.is(paths.perRunconfig('index', 'default', 'default'), 'index.html');
  assert.match(paths.perRunconfig('failures', '<short>', 'default'), /^failures-short-[0-9a-f]+\.html$/);
});

// ---- highlighting ----
test('tokenizePython round-trips the source exactly', () => {
  const source = `"""Doc\nstring."""\nimport numpy as np\n\n@decorator\ndef f(x=1.5e-3, *a):\n    s = f'{x}' + rb'\\x00' + "it's" # c\n    return 0x1F, 3j\n'unterminated\n`;
  assert.is(tokenizePython(source).map((t) => t.text).join(''), source);
});

test('tokenizePython classifies keywords, builtins, strings, comments, numbers, decorators, names', () => {
  const classes = (src: string) => tokenizePython(src).filter((t) => t.cls).map((t) => `${t.cls}:${t.text}`);
  assert.equal(classes('def main(): return len(x)  # done'), ['k:def', 'f:main', 'k:return', 'b:len', 'c:# done']);
  assert.equal(classes('@cache\nclass A: pass'), ['d:@cache', 'k:class', 'f:A', 'k:pass']);
  assert.equal(classes(`x = f"a{b}" + 'c' + 42`), [`s:f"a{b}"`, `s:'c'`, 'n:42']);
  assert.equal(classes('# not "a string"'), ['c:# not "a string"']);
  assert.equal(classes(`"# not a comment"`), [`s:"# not a comment"`]);
  assert.equal(classes('buf = rbx'), [], 'names starting with string prefixes are names');
});

test('highlighting escapes first, then wraps tokens', () => {
  const evil = `s = "</span><script>alert(1)</script>"\n# <img src=x onerror=alert(2)>\nx = 1 < 2 and a > b & c\n`;
  const lines = highlightPythonLines(evil);
  assert.is(lines.length, 3);
  const html = lines.join('\n');
  assert.not.match(html, /<script|<img|<\/span><script/);
  assert.match(html, /<span class="s">&quot;&lt;\/span&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;&quot;<\/span>/);
  assert.match(html, /<span class="c"># &lt;img src=x onerror=alert\(2\)&gt;<\/span>/);
  assert.match(html, /<span class="n">1<\/span> &lt; <span class="n">2<\/span> <span class="k">and<\/span> a &gt; b &amp; c/);
  // Only our own span tags remain once the text is removed.
  assert.equal(html.match(/<[^>]*>/g)!.filter((t) => !/^<\/?span( class="[kbscndf]")?>$/.test(t)), []);
});

test('a multi-line string is split into balanced spans per line', () => {
  const lines = highlightPythonLines('"""one\ntwo\nthree"""\nx = 1\n');
  assert.equal(lines, ['<span class="s">&quot;&quot;&quot;one</span>', '<span class="s">two</span>', '<span class="s">three&quot;&quot;&quot;</span>', 'x = <span class="n">1</span>']);
  for (const line of lines) assert.is(line.split('<span').length, line.split('</span>').length);
});

test('renderSourceHtml numbers lines with anchors and handles CRLF', () => {
  const html = renderSourceHtml('a = 1\r\nb = 2\r\n');
  assert.is(html.match(/class="line"/g)!.length, 2);
  assert.match(html, /<span class="line" id="L2"><a class="ln" href="#L2" data-n="2"><\/a>b = <span class="n">2<\/span>\n<\/span>/);
  assert.not.match(html, /\r/);
});

// ---- times, durations, sizes ----
const reportJs = readFileSync(new URL('../templates/assets/report.js', import.meta.url), 'utf8');
const sandbox: { mreorgReport?: { relativeTime(then: number, now: number): string } } = {};
vm.runInNewContext(reportJs, sandbox);
const relativeTime = sandbox.mreorgReport!.relativeTime;

test('relativeTime (the browser script) says how long ago, in whole units', () => {
  const now = Date.UTC(2026, 10, 25, 12, 0, 0);
  assert.is(relativeTime(now - 3 * 3600_000, now), '3 hours ago');
  assert.is(relativeTime(now - 3 * 3600_000 - 59 * 60_000, now), '3 hours ago');
  assert.is(relativeTime(now - 61_000, now), '1 minute ago');
  assert.is(relativeTime(now - 5_000, now), 'just now');
  assert.is(relativeTime(now - 45_000, now), '45 seconds ago');
  assert.is(relativeTime(now - 2 * 86400_000, now), '2 days ago');
  assert.is(relativeTime(now - 400 * 86400_000, now), '1 year ago');
  assert.is(relativeTime(now + 5 * 60_000, now), 'in 5 minutes');
});

test('formatDuration picks a readable unit', () => {
  assert.is(formatDuration(null), '—');
  assert.is(formatDuration(850), '850 ms');
  assert.is(formatDuration(3421), '3.42 s');
  assert.is(formatDuration(34_200), '34.2 s');
  assert.is(formatDuration(65_000), '1 min 05 s');
  assert.is(formatDuration(2 * 3600_000 + 3 * 60_000), '2 h 03 min');
  assert.is(formatDuration(-1), '—');
});

test('countLines does not count a final newline as a line', () => {
  assert.is(countLines(''), 0);
  assert.is(countLines('a'), 1);
  assert.is(countLines('a\n'), 1);
  assert.is(countLines('a\nb'), 2);
  assert.is(countLines('a\n\n'), 2);
});

test('formatBytes, formatTimestamp, stateLabel', () => {
  assert.is(formatBytes(512), '512 B');
  assert.is(formatBytes(1536), '1.5 KiB');
  assert.is(formatBytes(3 * 1024 * 1024), '3.0 MiB');
  assert.is(formatBytes(200 * 1024 * 1024), '200 MiB');
  assert.is(formatTimestamp('2026-11-25T10:00:03.123Z'), '2026-11-25 10:00:03 UTC');
  assert.is(formatTimestamp('2026-11-25T11:00:03+01:00'), '2026-11-25 10:00:03 UTC');
  assert.is(formatTimestamp('not a date'), 'not a date');
  assert.is(stateLabel('failed', 'timeout'), 'timed out');
  assert.is(stateLabel('failed', 'failed'), 'failed');
  assert.is(stateLabel('never-run', null), 'never run');
});

// ---- thumbnails ----
function solidPng(width: number, height: number, rgba: [number, number, number, number]): Buffer {
  const png = new PNG({ width, height });
  for (let i = 0; i < width * height; i++) png.data.set(rgba, i * 4);
  return PNG.sync.write(png);
}

test('thumbnailSize keeps the aspect ratio, never upscales, never reaches 0', () => {
  assert.equal(thumbnailSize(1280, 960), { width: 400, height: 300 });
  assert.equal(thumbnailSize(640, 480, 400), { width: 400, height: 300 });
  assert.equal(thumbnailSize(300, 200), { width: 300, height: 200 });
  assert.equal(thumbnailSize(10_000, 10), { width: 400, height: 1 });
  assert.throws(() => thumbnailSize(0, 10), /positive/);
});

test('makeThumbnail shrinks wide PNGs to at most 400 px and keeps small ones', () => {
  const big = makeThumbnail(solidPng(1000, 500, [10, 120, 200, 255]));
  assert.is(big.kind, 'thumbnail');
  if (big.kind !== 'thumbnail') return;
  assert.equal([big.width, big.height, big.sourceWidth], [400, 200, 1000]);
  const decoded = PNG.sync.read(big.data);
  assert.equal([decoded.width, decoded.height], [400, 200]);
  assert.equal([...decoded.data.subarray(0, 4)], [10, 120, 200, 255]);
  assert.ok(big.data.length < 20_000, 'small on disk');
  assert.equal(makeThumbnail(solidPng(300, 100, [0, 0, 0, 255])), { kind: 'original', width: 300, height: 100 });
  assert.is(makeThumbnail(Buffer.from('not a png at all')).kind, 'undecodable');
  const truncated = solidPng(800, 600, [1, 2, 3, 255]).subarray(0, 100);
  assert.is(makeThumbnail(truncated).kind, 'undecodable');
});

test('boxDownscale averages each box, weighting colour by alpha', () => {
  // 2x1 -> 1x1: white opaque + red transparent = white at half alpha (transparent red adds no colour).
  const dst = new Uint8Array(4);
  boxDownscale(new Uint8Array([255, 255, 255, 255, 255, 0, 0, 0]), 2, 1, dst, 1, 1);
  assert.equal([...dst], [255, 255, 255, 128]);
  // 2x2 -> 1x1 of opaque black and white = mid grey.
  boxDownscale(new Uint8Array([0, 0, 0, 255, 255, 255, 255, 255, 0, 0, 0, 255, 255, 255, 255, 255]), 2, 2, dst, 1, 1);
  assert.equal([...dst], [128, 128, 128, 255]);
});

test('pngSize reads the header without decoding', () => {
  assert.equal(pngSize(solidPng(3, 2, [0, 0, 0, 255])), { width: 3, height: 2 });
  assert.is(pngSize(Buffer.from('GIF89a.................')), null);
});

// ---- figures ----
test('publishable: a file is stored only if its bytes are what its format says; extensionOf sanitizes formats', () => {
  const html = Buffer.from('<script>window.__pwned=1</script>');
  for (const ext of ['png', 'pdf', 'eps']) assert.equal(publishable(ext, html), { kind: 'withheld', reason: `withheld: not a ${ext.toUpperCase()} file` });
  assert.is(publishable('png', solidPng(1, 1, [0, 0, 0, 255])).kind, 'ok');
  assert.is(publishable('pdf', Buffer.from('%PDF-1.4\n')).kind, 'ok');
  assert.is(publishable('eps', Buffer.from('%!PS-Adobe-3.0 EPSF-3.0\n')).kind, 'ok');
  assert.is(publishable('eps', Buffer.from([0xc5, 0xd0, 0xd3, 0xc6, 0])).kind, 'ok', 'DOS EPS with a binary header');
  const svg = publishable('svg', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>'));
  assert.is(svg.kind, 'ok');
  if (svg.kind === 'ok') {
    assert.not.match(svg.content.toString(), /onload|alert/);
    assert.equal(svg.removed, ['attribute onload']);
  }
  assert.is(publishable('svg', html).kind, 'withheld');
  assert.is(extensionOf({ format: 'PNG', path: 'a.png' }), 'png');
  assert.is(extensionOf({ format: '<svg>', path: 'a' }), 'svg');
  assert.is(extensionOf({ format: '', path: 'x/fig.EPS' }), 'eps');
  assert.is(extensionOf({ format: '', path: 'noext' }), 'noext');
  assert.is(extensionOf({ format: '../', path: '' }), 'bin');
});

test.run();
