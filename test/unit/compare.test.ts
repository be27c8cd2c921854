/** The comparison of results, pure parts: figures by pixel, stdout as a diff, files by hash, figure identity. */
import { PNG } from 'pngjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compareFiles, compareResults, type ComparePorts } from '../../src/compare/compare.js';
import { compareImages } from '../../src/compare/images.js';
import { figureGroups } from '../../src/compare/snapshot.js';
import { diffText, linesMatch } from '../../src/compare/text.js';
import { describeChange, percent, type ResultSnapshot } from '../../src/model/change.js';
import type { RunFigure } from '../../src/model/run.js';
import { changedLine } from '../../src/reporters/terminal.js';

/** A white w x h PNG with the given pixels painted black. */
function png(w: number, h: number, black: Array<[number, number]> = []): Buffer {
  const img = new PNG({ width: w, height: h });
  img.data.fill(255);
  for (const [x, y] of black) img.data.fill(0, (y * w + x) * 4, (y * w + x) * 4 + 3);
  return PNG.sync.write(img);
}

test('images: equal pixels are the same, one pixel of 100 differs by 1%, with a diff image of that size', () => {
  assert.equal(compareImages(png(10, 10), png(10, 10)), { kind: 'same', ratio: 0 });
  const got = compareImages(png(10, 10), png(10, 10, [[4, 4]]));
  assert.is(got.kind, 'differs');
  if (got.kind !== 'differs') return;
  assert.is(got.ratio, 0.01);
  const diff = PNG.sync.read(got.diff);
  assert.equal([diff.width, diff.height], [10, 10]);
});

test('images: the tolerance is a share of pixels still called unchanged', () => {
  assert.is(compareImages(png(10, 10), png(10, 10, [[1, 1]]), 0.01).kind, 'same');
  assert.is(compareImages(png(10, 10), png(10, 10, [[1, 1], [2, 2]]), 0.01).kind, 'differs');
});

test('images: another size is a change with both sizes; bytes that are not a PNG are undecodable', () => {
  assert.equal(compareImages(png(10, 10), png(12, 8)), { kind: 'resized', before: { width: 10, height: 10 }, after: { width: 12, height: 8 } });
  assert.is(compareImages(png(10, 10), Buffer.from('<svg/>')).kind, 'undecodable');
});

test('stdout: equal is null; a changed line is a unified diff with its context and hunk header', () => {
  assert.is(diffText('a\nb\n', 'a\nb\n'), null);
  const got = diffText('one\ntwo\nthree\n', 'one\n2\nthree\n');
  assert.ok(got);
  assert.is(got!.lines, 2);
  assert.is(got!.diff, '--- before\n+++ after\n@@ -1,3 +1,3 @@\n one\n-two\n+2\n three\n');
});

test('stdout: edits far apart are separate hunks; an added line at the end', () => {
  const before = Array.from({ length: 20 }, (_, i) => `line ${i}`).join('\n') + '\n';
  const after = before.replace('line 1\n', 'LINE 1\n') + 'extra\n';
  const got = diffText(before, after)!;
  assert.equal(got.diff.match(/^@@ .* @@$/gm), ['@@ -1,5 +1,5 @@', '@@ -18,3 +18,4 @@']);
  assert.ok(got.diff.endsWith(' line 19\n+extra\n'));
});

test('stdout: numbers within output.numberTolerance are equal; text around them must match', () => {
  assert.is(diffText('loss 0.30000001 at step 5\n', 'loss 0.3 at step 5\n', 1e-6), null);
  assert.ok(diffText('loss 0.30000001 at step 5\n', 'loss 0.3 at step 5\n', 0));
  assert.ok(diffText('loss 0.31\n', 'loss 0.3\n', 1e-6));
  assert.not.ok(linesMatch('loss 0.3', 'gain 0.3', 0.5));
  assert.ok(linesMatch('x=1e3 y=-2', 'x=1000.0001 y=-2', 1e-6));
});

test('figure identity: formats of one file are one figure (its PNG), keyed by name and occurrence', () => {
  const f = (path: string, format: string, name: string): RunFigure => ({ path, format, number: 1, name, width: 10, height: 10 });
  const groups = figureGroups([
    f('_output/figures/s/svg/fig000_Autosave_figure_1.svg', 'svg', 'Autosave_figure_1'),
    f('_output/figures/s/png/fig000_Autosave_figure_1.png', 'png', 'Autosave_figure_1'),
    f('_output/figures/s/png/fig001_raster.png', 'png', 'raster'),
    f('_output/figures/s/png/fig002_raster.png', 'png', 'raster'),
  ]);
  assert.equal(groups.map((g) => [g.key, g.label, g.file.format]), [
    ['Autosave_figure_1#1', 'figure 1', 'png'],
    ['raster#1', 'raster', 'png'],
    ['raster#2', 'raster (2)', 'png'],
  ]);
});

test('files written: added, removed and changed by hash, sorted by name', () => {
  assert.equal(compareFiles({ 'a.json': 'h1', 'b.csv': 'h2', 'c.txt': 'h3' }, { 'a.json': 'h1', 'b.csv': 'hX', 'd.txt': 'h4' }), [
    { kind: 'files', name: 'b.csv', status: 'changed' },
    { kind: 'files', name: 'c.txt', status: 'removed' },
    { kind: 'files', name: 'd.txt', status: 'added' },
  ]);
});

/** Ports that serve PNGs from a map and count what they were asked for. */
function ports(files: Record<string, Buffer>) {
  const asked: string[] = [];
  const stored: Buffer[] = [];
  const p: ComparePorts = {
    read: async (file) => (asked.push(file), files[file] ?? null),
    store: async (bytes) => (stored.push(bytes), { hash: `d${stored.length}`, file: `diff/d${stored.length}.png` }),
  };
  return { p, asked, stored };
}

const image = (hash: string) => ({ hash, file: `${hash}.png`, width: 10, height: 10 });
const snap = (figs: Array<[string, string]>, files: Record<string, string | null> = {}): ResultSnapshot => ({
  figures: figs.map(([key, hash]) => ({ key, label: key.replace(/#1$/, ''), format: 'png', image: image(hash) })),
  files,
});

test('results: a figure with equal bytes is not even decoded; an added and a removed figure are changes', async () => {
  const { p, asked } = ports({});
  const changes = await compareResults(
    { results: snap([['one#1', 'h1'], ['two#1', 'h2']]), stdout: 'x\n' },
    { results: snap([['one#1', 'h1'], ['three#1', 'h3']]), stdout: 'x\n' },
    p,
    { tolerance: 0, numberTolerance: 0 },
  );
  assert.equal(asked, [], 'nothing read: equal hashes are equal figures');
  assert.equal(changes.map(describeChange), ['three added', 'two removed']);
});

test('results: a figure whose pixels differ has its ratio and a stored diff; stdout and files too', async () => {
  const { p, stored } = ports({ 'a.png': png(10, 10), 'b.png': png(10, 10, [[0, 0], [1, 1]]) });
  const changes = await compareResults(
    { results: snap([['figure 2#1', 'a']], { 'out.json': 'h1' }), stdout: 'gain 1\n' },
    { results: snap([['figure 2#1', 'b']], { 'out.json': 'h2' }), stdout: 'gain 2\n' },
    p,
    { tolerance: 0, numberTolerance: 0 },
  );
  assert.equal(changes.map(describeChange), ['figure 2: 2.0% of pixels', 'stdout: 2 lines', 'out.json changed']);
  assert.is(stored.length, 1);
  const fig = changes[0]!;
  assert.ok(fig.kind === 'figure' && fig.diff?.file === 'diff/d1.png' && fig.ratio === 0.02);
});

test('results: re-rendered with anti-aliasing-free identical pixels but other bytes is unchanged', async () => {
  // Same pixels, different encoding (compression level): bytes differ, pixels do not.
  const a = png(10, 10, [[3, 3]]);
  const img = PNG.sync.read(a);
  const b = PNG.sync.write(img, { deflateLevel: 1, filterType: 0 });
  assert.not.equal(a, b);
  const { p, asked } = ports({ 'a.png': a, 'b.png': b });
  const changes = await compareResults({ results: snap([['f#1', 'a']]), stdout: '' }, { results: snap([['f#1', 'b']]), stdout: '' }, p, { tolerance: 0, numberTolerance: 0 });
  assert.equal(changes, []);
  assert.equal(asked.sort(), ['a.png', 'b.png']);
});

test('words: percentages people read, and the summary line of changed scripts', () => {
  assert.equal([percent(0.041), percent(0.5), percent(0.0001), percent(0.00001)], ['4.1%', '50%', '0.01%', '0.01%']);
  const line = changedLine(
    [
      { path: 'sims/sim_ok.py', ran: true, against: 'previous', count: 1, at: '2026-01-01T00:00:00Z', changes: [{ kind: 'figure', name: 'figure 2', status: 'changed', ratio: 0.041 }] },
      { path: 'sims/b.py', ran: true, against: 'baseline', count: 2, at: '2026-01-01T00:00:00Z', changes: [{ kind: 'figure', name: 'figure 3', status: 'added' }, { kind: 'stdout', name: 'stdout', diff: '', lines: 1 }] },
      { path: 'sims/c.py', ran: false, against: 'baseline', count: 1, at: '2026-01-01T00:00:00Z', changes: [] },
    ],
    Date.parse('2026-01-01T02:00:00Z'),
  );
  assert.is(line, '3 scripts changed their results: sims/sim_ok.py (figure 2: 4.1% of pixels), sims/b.py (figure 3 added, stdout: 1 line), sims/c.py (still differs from its baseline: 1 change, run 2 h ago)');
});

test.run();
