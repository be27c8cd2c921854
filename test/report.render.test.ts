/**
 * writeReport on constructed data, without a browser: what is written, what is not rewritten, what is deleted,
 * how figures are stored, and that nothing a script printed reaches the HTML unescaped.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Run } from '../src/model/run.js';
import type { ReportData } from '../src/report/model.js';
import { MARKER_FILE, ReportFolderRefused } from '../src/report/folder.js';
import { writeReport } from '../src/report/render.js';
import { paths } from '../src/report/slug.js';
import { withTimeout } from './browser.js';
import * as fx from './fixtures/report/data.js';

const XSS_PATH = '<img src=x onerror=alert(1)>.py';
const XSS_OUT = '<script>window.__xss=1</script>\n<img src=x onerror="window.__xss=2">\n';

let tmp = '';
test.before.each(() => {
  tmp = mkdtempSync(join(tmpdir(), 'mreorg-report-'));
});
test.after.each(() => {
  if (!process.env.MREORG_KEEP_TMP) rmSync(tmp, { recursive: true, force: true });
});

function png(width: number, height: number, seed: number): Buffer {
  const image = new PNG({ width, height });
  for (let i = 0; i < width * height; i++) image.data.set([(i * seed) % 256, seed % 256, 128, 255], i * 4);
  return PNG.sync.write(image);
}

function put(root: string, rel: string, content: string | Buffer): void {
  const file = join(root, rel);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, content);
}

/** Writes a new file renamed over the old one, as a script's next run saves its figure: a new inode. */
function replace(root: string, rel: string, content: Buffer): void {
  const file = join(root, rel);
  writeFileSync(`${file}.new`, content);
  renameSync(`${file}.new`, file);
}

/** Every file under a folder, report-relative, with its mtime. */
function files(dir: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const entry of readdirSync(dir, { recursive: true }) as string[]) {
    const s = statSync(join(dir, entry));
    if (s.isFile()) out.set(entry, s.mtimeMs);
  }
  return out;
}

function html(dir: string): { file: string; text: string }[] {
  return [...files(dir).keys()].filter((f) => f.endsWith('.html')).map((file) => ({ file, text: readFileSync(join(dir, file), 'utf8') }));
}

/** A project with one figure-drawing script, one failing script and one with a hostile name and output. */
function project(root: string): { data: ReportData; runs: Record<string, Run> } {
  put(root, '_output/figures/plot/png/fig000_big.png', png(1200, 900, 7));
  put(root, '_output/figures/plot/svg/fig000_big.svg', '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>');
  put(root, '_output/figures/plot/pdf/fig000_big.pdf', '%PDF-1.4 fake');
  put(root, '_output/figures/evil/svg/fig000_x.svg', '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>');
  put(root, '_output/figures/evil/png/fig001_broken.png', 'this is not a png');
  const started = new Date(Date.now() - 3600_000).toISOString();
  const plot = fx.run('plot.py', {
    startedAt: started,
    figures: [
      fx.figure('_output/figures/plot/png/fig000_big.png', { name: 'big', number: 0 }),
      fx.figure('_output/figures/plot/svg/fig000_big.svg', { name: 'big', number: 0 }),
      fx.figure('_output/figures/plot/pdf/fig000_big.pdf', { name: 'big', number: 0 }),
    ],
  });
  const fails = fx.run('fails.py', {
    startedAt: started,
    result: 'failed',
    exitCode: 1,
    error: {
      type: 'ZeroDivisionError',
      message: 'division by zero <u>',
      traceback: `Traceback (most recent call last):\n  File "${root}/fails.py", line 2, in <module>\nZeroDivisionError: division by zero <u>\n`,
      frames: [{ file: `${root}/fails.py`, line: 2, function: '<module>', code: '1/0' }],
    },
  });
  const evil = fx.run(XSS_PATH, {
    startedAt: started,
    stdout: fx.output(XSS_OUT, { droppedBytes: 5000, totalBytes: 6000, logFile: '.mreorg/logs/evil.stdout.log' }),
    env: { '<k>': '<v>' },
    argv: ['<arg>'],
    figures: [
      fx.figure('_output/figures/evil/svg/fig000_x.svg', { name: 'x', number: 0 }),
      fx.figure('_output/figures/evil/png/fig001_broken.png', { name: 'broken', number: 1 }),
      fx.figure('../outside.png', { name: 'outside', number: 2 }),
    ],
  });
  const data = fx.data(root, [
    fx.script('plot.py', { runs: [plot], status: { default: fx.statusFor(plot) }, groups: ['<g>'] }),
    fx.script('fails.py', { runs: [fails], status: { default: fx.statusFor(fails) }, source: 'x = 1\n1/0\n' }),
    fx.script(XSS_PATH, {
      docstring: XSS_OUT,
      source: XSS_OUT,
      runs: [evil],
      status: { default: fx.statusFor(evil, { reasons: ['<reason>'] }) },
      upstream: ['plot.py'],
    }),
  ], {
    title: '<title>',
    groups: [{ name: '<g>', globs: ['<glob>'], members: ['plot.py'] }],
    monitor: [{ dir: '<dir>', exists: true, recurse: true, autoTrack: false, shouldExist: true, group: '<g>' }],
    exclude: ['<exclude>'],
    editorUrl: null,
  });
  return { data, runs: { plot, fails, evil } };
}

test('writes every page, with safe file names', withTimeout(30_000, async () => {
  const root = join(tmp, 'project');
  const out = join(tmp, 'report');
  const { data, runs } = project(root);
  const result = await writeReport(data, out);
  assert.is(result.pages, 5 + 2 + 3 + 3, 'per-runconfig pages, tracking, config, 3 script pages, 3 run pages');
  assert.is(result.pagesWritten, result.pages);
  for (const file of ['index.html', 'output.html', 'failures.html', 'timing.html', 'changes.html', 'tracking.html', 'config.html', 'assets/report.css', 'assets/report.js']) {
    assert.ok(files(out).has(file), file);
  }
  for (const file of files(out).keys()) assert.match(file, /^[A-Za-z0-9_./-]+$/, `safe file name: ${file}`);
  assert.ok(files(out).has(paths.script(XSS_PATH)));
  assert.ok(files(out).has(paths.run(runs.evil!.id)));
}));

test('nothing a script printed or named reaches the HTML unescaped, and the root never appears', withTimeout(30_000, async () => {
  const root = join(tmp, 'project');
  const out = join(tmp, 'report');
  const { data, runs } = project(root);
  await writeReport(data, out);
  for (const { file, text } of html(out)) {
    assert.not.match(text, /<script>window|<img src=x|<u>|<title><|<k>|<v>|<arg>|<g>|<dir>|<reason>|<exclude>|<glob>/, file);
    assert.not.ok(text.includes(root), `${file} mentions the project root`);
    assert.not.match(text, /<[a-z][^>]*\son[a-z]+\s*=/i, `${file}: a tag with an event handler`);
    for (const img of text.match(/<img [^>]*>/g) ?? []) assert.match(img, /^<img src="(\.\.\/)?(thumbs|figures)\//, file);
  }
  const run = readFileSync(join(out, paths.run(runs.evil!.id)), 'utf8');
  assert.match(run, /&lt;script&gt;window.__xss=1&lt;\/script&gt;/);
  assert.match(run, /&lt;img src=x onerror=&quot;window.__xss=2&quot;&gt;/);
}));

test('a failed run links its traceback frames to the script lines and says what was dropped', withTimeout(30_000, async () => {
  const root = join(tmp, 'project');
  const out = join(tmp, 'report');
  const { data, runs } = project(root);
  await writeReport(data, out);
  const failed = readFileSync(join(out, paths.run(runs.fails!.id)), 'utf8');
  assert.match(failed, new RegExp(`href="\\.\\./${paths.script('fails.py').replace(/\./g, '\\.')}#L2">fails\\.py:2</a>`));
  assert.match(failed, /ZeroDivisionError/);
  const failures = readFileSync(join(out, 'failures.html'), 'utf8');
  assert.match(failures, /ZeroDivisionError<\/span>: <span class="exc-msg">division by zero &lt;u&gt;/);
  const evil = readFileSync(join(out, paths.run(runs.evil!.id)), 'utf8');
  assert.match(evil, /4\.9 KiB of stdout were dropped/);
  assert.match(evil, /\.mreorg\/logs\/evil\.stdout\.log/);
}));

test('figures: content-addressed, thumbnailed once, hostile SVG stored cleaned, a PNG that is not one withheld', withTimeout(30_000, async () => {
  const root = join(tmp, 'project');
  const out = join(tmp, 'report');
  const { data, runs } = project(root);
  const first = await writeReport(data, out);
  const stored = [...files(out).keys()].filter((f) => f.startsWith('figures/')).sort();
  assert.is(stored.length, 4, 'png, svg, pdf, the cleaned hostile svg; the fake png is not copied');
  assert.not.ok(stored.some((f) => f.endsWith('.png') && readFileSync(join(out, f)).includes('this is not a png')));
  for (const f of stored.filter((x) => x.endsWith('.svg'))) assert.not.match(readFileSync(join(out, f), 'utf8'), /onload|alert/, f);
  assert.is(first.thumbnailsMade, 1);
  assert.equal(first.warnings, []);
  const thumbs = [...files(out).keys()].filter((f) => f.startsWith('thumbs/'));
  assert.is(thumbs.length, 1);
  const thumb = PNG.sync.read(readFileSync(join(out, thumbs[0]!)));
  assert.ok(thumb.width <= 400 && thumb.width > 0);
  const plot = readFileSync(join(out, paths.run(runs.plot!.id)), 'utf8');
  assert.match(plot, /<img src="\.\.\/thumbs\/[0-9a-f]+\.png" width="400" height="300" loading="lazy"/);
  assert.match(plot, /<a href="\.\.\/figures\/[0-9a-f]+\.png">PNG</, 'a PNG opens as an image');
  assert.match(plot, /<a href="\.\.\/figures\/[0-9a-f]+\.svg" download="fig000_big\.svg">SVG</);
  assert.match(plot, /<a href="\.\.\/figures\/[0-9a-f]+\.pdf" download="fig000_big\.pdf">PDF</);
  const evil = readFileSync(join(out, paths.run(runs.evil!.id)), 'utf8');
  assert.match(evil, /title="cleaned: removed attribute onload"/);
  assert.match(evil, /withheld: not a PNG file/);
  assert.match(evil, /outside the project/);
  assert.is((evil.match(/<img /g) ?? []).length, 1, 'the cleaned SVG is shown; the fake PNG is not');
}));

test('figures in formats the report does not publish are neither copied nor linked, with a note', withTimeout(30_000, async () => {
  const root = join(tmp, 'project');
  const out = join(tmp, 'report');
  put(root, '_output/figures/x/html/fig000_page.html', '<script>window.__pwned = 1</script>');
  put(root, '_output/figures/x/xml/fig000_page.xml', '<x:script xmlns:x="http://www.w3.org/1999/xhtml">window.__pwned = 1</x:script>');
  put(root, '_output/figures/x/png/fig000_page.png', png(20, 20, 1));
  put(root, '_output/figures/x/pdf/fig000_page.pdf', '%PDF-1.4 fake');
  const run = fx.run('x.py', {
    startedAt: new Date(Date.now() - 60_000).toISOString(),
    figures: ['html', 'xml', 'png', 'pdf'].map((f) => fx.figure(`_output/figures/x/${f}/fig000_page.${f}`, { name: 'page', number: 0 })),
  });
  const data = fx.data(root, [fx.script('x.py', { runs: [run], status: { default: fx.statusFor(run) } })]);
  const result = await writeReport(data, out, { figureFormats: ['png', 'svg'] });
  assert.equal([...files(out).keys()].filter((f) => f.startsWith('figures/')).map((f) => f.split('.').pop()), ['png']);
  assert.equal(result.warnings, ['figure files in html, pdf, xml format were ignored: the report publishes only png, svg']);
  const page = readFileSync(join(out, paths.run(run.id)), 'utf8');
  for (const label of ['HTML', 'XML', 'PDF']) {
    assert.match(page, new RegExp(`<span class="muted" title="ignored: the report publishes only png, svg files">${label}</span>`));
  }
  assert.not.match(page, /figures\/[0-9a-f]+\.(html|xml|pdf)/);
}));

test('a folder that holds other files is refused before anything is written; empty or marked folders are used', withTimeout(30_000, async () => {
  const root = join(tmp, 'project');
  const { data } = project(root);
  const docs = join(tmp, 'docs');
  put(docs, 'index.html', 'my own page');
  let error: unknown = null;
  await writeReport(data, docs).catch((e: unknown) => (error = e));
  assert.instance(error, ReportFolderRefused);
  assert.match((error as Error).message, /report\.dir/);
  assert.equal([...files(docs).keys()], ['index.html']);
  assert.is(readFileSync(join(docs, 'index.html'), 'utf8'), 'my own page');

  const empty = join(tmp, 'empty');
  mkdirSync(empty);
  await writeReport(data, empty);
  assert.ok(files(empty).has(MARKER_FILE));
  await writeReport(data, empty); // its own folder now

  const earlier = join(tmp, 'earlier');
  put(earlier, 'index.html', 'a report of the previous version');
  put(earlier, '.mreorg-signature', 'abc');
  await writeReport(data, earlier);
  assert.match(readFileSync(join(earlier, 'index.html'), 'utf8'), /<!doctype html>/i);
}));

test('a report folder of the previous version: its unsafe figure copies are cleaned or deleted', withTimeout(30_000, async () => {
  const root = join(tmp, 'project');
  const out = join(tmp, 'report');
  const svg = '<svg xmlns="http://www.w3.org/2000/svg"><s:script xmlns:s="http://www.w3.org/2000/svg">window.__pwned=1</s:script><rect width="5" height="5"/></svg>';
  put(root, '_output/figures/a/svg/fig000_a.svg', svg);
  const run = fx.run('a.py', { startedAt: new Date(Date.now() - 60_000).toISOString(), figures: [fx.figure('_output/figures/a/svg/fig000_a.svg')] });
  const data = fx.data(root, [fx.script('a.py', { runs: [run], status: { default: fx.statusFor(run) } })]);
  await writeReport(data, out);
  const stored = [...files(out).keys()].find((f) => f.startsWith('figures/'))!;
  // What the previous version left: the SVG copied as the script wrote it, an html "figure", a version-2 state.
  writeFileSync(join(out, stored), svg);
  writeFileSync(join(out, 'figures/0123456789abcdef0123.html'), '<script>window.__pwned=1</script>');
  const state = JSON.parse(readFileSync(join(out, '.mreorg-report.json'), 'utf8'));
  state.version = 2;
  state.files['figures/0123456789abcdef0123.html'] = { key: '0123456789abcdef0123' };
  for (const image of Object.values(state.images) as { kind: string; active?: boolean }[]) Object.assign(image, { kind: 'svg', active: false });
  writeFileSync(join(out, '.mreorg-report.json'), JSON.stringify(state));
  await writeReport(data, out);
  assert.not.match(readFileSync(join(out, stored), 'utf8'), /script/);
  assert.not.ok(files(out).has('figures/0123456789abcdef0123.html'));
}));

test('an identical rebuild writes nothing; a change rewrites only what it touches', withTimeout(30_000, async () => {
  const root = join(tmp, 'project');
  const out = join(tmp, 'report');
  const { data } = project(root);
  await writeReport(data, out);
  const before = files(out);
  await new Promise((r) => setTimeout(r, 20));
  const again = await writeReport(structuredClone(data), out);
  assert.is(again.pagesWritten, 0);
  assert.is(again.figuresCopied, 0);
  assert.is(again.thumbnailsMade, 0);
  assert.equal(files(out), before, 'no file rewritten, none added or removed');

  const changed = structuredClone(data);
  changed.scripts[1]!.docstring = 'A new docstring.';
  changed.generatedAt = new Date().toISOString();
  const third = await writeReport(changed, out);
  const after = files(out);
  const rewritten = [...after.keys()].filter((f) => after.get(f) !== before.get(f)).sort();
  assert.equal(rewritten, ['.mreorg-report.json', 'changes.html', 'failures.html', 'index.html', 'output.html', paths.script('fails.py'), 'timing.html'].sort());
  assert.is(third.pagesWritten, rewritten.length - 1);
}));

test('runs dropped from history lose their pages; old runs keep their own figures', withTimeout(30_000, async () => {
  const root = join(tmp, 'project');
  const out = join(tmp, 'report');
  const { data, runs } = project(root);
  await writeReport(data, out);
  const oldPage = readFileSync(join(out, paths.run(runs.plot!.id)), 'utf8');
  const oldThumb = oldPage.match(/thumbs\/([0-9a-f]+)\.png/)![1];

  // A new run replaces the figure file; the old run page must keep the old picture (its copy, or its link to
  // the old file).
  const figurePath = '_output/figures/plot/png/fig000_big.png';
  replace(root, figurePath, png(1200, 900, 99));
  const newRun = fx.run('plot.py', { startedAt: new Date().toISOString(), figures: [fx.figure(figurePath, { name: 'big', number: 0 })] });
  const next = structuredClone(data);
  next.scripts[0]!.runs.unshift(newRun);
  next.scripts[0]!.status.default = fx.statusFor(newRun);
  await writeReport(next, out);
  assert.match(readFileSync(join(out, paths.run(runs.plot!.id)), 'utf8'), new RegExp(`thumbs/${oldThumb}\\.png`));
  const newThumb = readFileSync(join(out, paths.run(newRun.id)), 'utf8').match(/thumbs\/([0-9a-f]+)\.png/)![1];
  assert.is.not(newThumb, oldThumb);

  // History trimmed to the new run: the old run page and the figures only it used are deleted.
  const trimmed = structuredClone(next);
  trimmed.scripts[0]!.runs = [newRun];
  const result = await writeReport(trimmed, out);
  assert.not.ok(files(out).has(paths.run(runs.plot!.id)));
  assert.not.ok(files(out).has(`thumbs/${oldThumb}.png`));
  assert.ok(files(out).has(`thumbs/${newThumb}.png`));
  assert.ok(result.filesRemoved >= 3, 'run page, old png, old thumbnail (svg/pdf too)');
}));

/** Every stored figure's bytes hash to the name it is stored under (the report's figures are content-addressed). */
function assertContentAddressed(out: string): void {
  for (const file of files(out).keys()) {
    const m = /^figures\/([0-9a-f]+)\.(png|pdf|eps)$/.exec(file);
    if (m) assert.is(createHash('sha256').update(readFileSync(join(out, file))).digest('hex').slice(0, 20), m[1], `${file} holds what its name says`);
  }
}

test('large PNG and PDF figures are hard-linked to the script\'s files; small ones, SVGs and files that are not what they say are not', withTimeout(30_000, async () => {
  const root = join(tmp, 'project');
  const out = join(tmp, 'report');
  const big = png(600, 400, 7);
  put(root, '_output/figures/a/png/fig000_big.png', big);
  put(root, '_output/figures/a/pdf/fig000_big.pdf', `%PDF-1.4 ${'x'.repeat(5000)}`);
  put(root, '_output/figures/a/svg/fig000_big.svg', `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><desc>${'y'.repeat(5000)}</desc></svg>`);
  put(root, '_output/figures/a/png/fig001_small.png', png(10, 10, 3));
  put(root, '_output/figures/a/png/fig002_fake.png', `<html>${'z'.repeat(5000)}</html>`);
  const run = fx.run('a.py', {
    startedAt: new Date(Date.now() - 60_000).toISOString(),
    figures: ['png/fig000_big.png', 'pdf/fig000_big.pdf', 'svg/fig000_big.svg', 'png/fig001_small.png', 'png/fig002_fake.png'].map((f) => fx.figure(`_output/figures/a/${f}`)),
  });
  const data = fx.data(root, [fx.script('a.py', { runs: [run], status: { default: fx.statusFor(run) } })]);
  const result = await writeReport(data, out, { linkMinBytes: 4096 });
  assert.ok(big.length >= 4096 && big.length < 20_000_000);
  const stored = [...files(out).keys()].filter((f) => f.startsWith('figures/'));
  const links = (ext: string) => stored.filter((f) => f.endsWith(ext)).map((f) => statSync(join(out, f)).nlink);
  assert.equal(links('.pdf'), [2], 'the PDF is the script\'s file');
  assert.equal(links('.svg'), [1], 'an SVG is always the cleaned copy');
  assert.equal(links('.png').sort(), [1, 2], 'the large PNG is linked, the small one copied; the fake one is not stored');
  const linkedPng = stored.find((f) => f.endsWith('.png') && statSync(join(out, f)).nlink === 2)!;
  assert.is(statSync(join(out, linkedPng)).ino, statSync(join(root, '_output/figures/a/png/fig000_big.png')).ino);
  assert.is(result.figuresLinked, 2);
  assert.is(result.figuresCopied, 2);
  assertContentAddressed(out);
  const again = await writeReport(data, out, { linkMinBytes: 4096 });
  assert.is(again.figuresLinked + again.figuresCopied + again.filesRemoved, 0, 'an identical rebuild keeps the links');
}));

test('a linked figure its script rewrites in place is dropped: the old run never shows the new picture', withTimeout(30_000, async () => {
  const root = join(tmp, 'project');
  const out = join(tmp, 'report');
  const figurePath = '_output/figures/a/png/fig000_big.png';
  put(root, figurePath, png(600, 400, 7));
  const old = fx.run('a.py', { startedAt: new Date(Date.now() - 3600_000).toISOString(), figures: [fx.figure(figurePath)] });
  const data = fx.data(root, [fx.script('a.py', { runs: [old], status: { default: fx.statusFor(old) } })]);
  await writeReport(data, out, { linkMinBytes: 4096 });
  const oldHash = /figures\/([0-9a-f]+)\.png/.exec(readFileSync(join(out, paths.run(old.id)), 'utf8'))![1]!;
  assert.is(statSync(join(out, `figures/${oldHash}.png`)).nlink, 2);

  put(root, figurePath, png(600, 400, 99)); // the same file written again: the report's link sees it too
  const recent = fx.run('a.py', { startedAt: new Date().toISOString(), figures: [fx.figure(figurePath)] });
  const next = fx.data(root, [fx.script('a.py', { runs: [recent, old], status: { default: fx.statusFor(recent) } })]);
  await writeReport(next, out, { linkMinBytes: 4096 });
  assertContentAddressed(out);
  const oldPage = readFileSync(join(out, paths.run(old.id)), 'utf8');
  assert.not.match(oldPage, new RegExp(`figures/${oldHash}`), 'the changed file is not linked as the old figure');
  assert.match(oldPage, /replaced by a later run/);
  assert.match(readFileSync(join(out, paths.run(recent.id)), 'utf8'), /<img /);
}));

test('an old run first seen after a newer run rewrote its figure shows no figure rather than the wrong one', withTimeout(30_000, async () => {
  const root = join(tmp, 'project');
  const out = join(tmp, 'report');
  const figurePath = '_output/figures/a/png/fig.png';
  put(root, figurePath, png(100, 100, 3));
  const now = Date.now();
  utimesSync(join(root, figurePath), new Date(now), new Date(now));
  const old = fx.run('a.py', { startedAt: new Date(now - 86400_000).toISOString(), figures: [fx.figure(figurePath)] });
  const recent = fx.run('a.py', { startedAt: new Date(now - 2000).toISOString(), figures: [fx.figure(figurePath)] });
  const data = fx.data(root, [fx.script('a.py', { runs: [recent, old], status: { default: fx.statusFor(recent) } })]);
  await writeReport(data, out);
  assert.match(readFileSync(join(out, paths.run(recent.id)), 'utf8'), /<img /);
  const oldPage = readFileSync(join(out, paths.run(old.id)), 'utf8');
  assert.not.match(oldPage, /<img /);
  assert.match(oldPage, /replaced by a later run/);
}));

test('the overview of a large collection starts with its folders collapsed, each with its counts; a small one open', withTimeout(30_000, async () => {
  const out = join(tmp, 'report');
  await writeReport(fx.bigProject(join(tmp, 'project'), 100, 1), out);
  const big = readFileSync(join(out, 'index.html'), 'utf8');
  assert.equal([...big.matchAll(/<span class="fname">([^<]*)<\/span>/g)].map((m) => m[1]), ['sims/group0/', 'sims/group1/', 'sims/group2/']);
  assert.is((big.match(/data-fold aria-expanded="false"/g) ?? []).length, 3);
  assert.is((big.match(/data-rows data-folder="\d+" class="collapsed"/g) ?? []).length, 3);
  assert.match(big, /34 scripts<\/span>\n<span class="fcounts"><span class="fcount st-failed" data-state="failed"><span class="dot"><\/span><b>4<\/b> failed<\/span> <span class="fcount st-changed"/);
  await writeReport(fx.bigProject(join(tmp, 'project'), 10, 1), out);
  const small = readFileSync(join(out, 'index.html'), 'utf8');
  assert.is((small.match(/data-fold aria-expanded="true"/g) ?? []).length, 3);
  assert.not.match(small, /class="collapsed"/);
}));

test('while building, the per-runconfig pages refresh themselves; the others do not change', withTimeout(30_000, async () => {
  const root = join(tmp, 'project');
  const out = join(tmp, 'report');
  const { data } = project(root);
  await writeReport({ ...data, building: true }, out);
  const index = readFileSync(join(out, 'index.html'), 'utf8');
  assert.match(index, /<body data-refresh="3">/);
  assert.match(index, /<noscript><meta http-equiv="refresh" content="3"><\/noscript>/);
  assert.not.match(readFileSync(join(out, 'tracking.html'), 'utf8'), /data-refresh/);
  const before = files(out);
  const done = await writeReport({ ...data, building: false }, out);
  assert.not.match(readFileSync(join(out, 'index.html'), 'utf8'), /data-refresh/);
  assert.is(done.pagesWritten, 5, 'only the five per-runconfig pages');
  assert.is(files(out).get('tracking.html'), before.get('tracking.html'));
}));

test('concurrent calls for one folder are serialised', withTimeout(30_000, async () => {
  const root = join(tmp, 'project');
  const out = join(tmp, 'report');
  const { data } = project(root);
  const results = await Promise.all([writeReport(data, out), writeReport({ ...data, building: true }, out), writeReport(data, out)]);
  assert.is(results[0]!.pagesWritten, results[0]!.pages);
  assert.is(results[2]!.pagesWritten, 5);
  assert.not.match(readFileSync(join(out, 'index.html'), 'utf8'), /data-refresh/);
}));

test('rejects bad arguments with a message naming them', withTimeout(30_000, async () => {
  const rejection = (p: Promise<unknown>) => p.then(() => '', (e: Error) => e.message);
  assert.match(await rejection(writeReport(null as unknown as ReportData, tmp)), /data/);
  assert.match(await rejection(writeReport(fx.data(tmp, []), '')), /outDir/);
}));

test.run();
