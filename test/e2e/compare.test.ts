/**
 * What changed in the results, through `mreorg build` with real python and matplotlib: figures compared with the
 * previous run (or the accepted baseline) by bytes then pixels, stdout as a diff, the files written, baselines
 * with `mreorg accept`, and `--fail-on-change`.
 */
import fs from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PNG } from 'pngjs';
import { withTimeout } from '../helpers/timeout.js';
import { Rig, entry } from '../helpers/rig.js';

const T = 120_000;
const test = suite('compare');
let rig: Rig;
test.before.each(() => {
  rig = new Rig();
});
test.after.each(() => rig.cleanup());

/** A simulation whose first figure depends on lib/neuron.py's GAIN, and whose figure count on its N_FIGS. */
function project(gain: string, nFigs = 2, extra = ''): void {
  rig.write({
    'lib/__init__.py': '',
    'lib/neuron.py': `GAIN = ${gain}\nN_FIGS = ${nFigs}\n`,
    'sims/sim_ok.py': [
      'import os, sys',
      "sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))",
      'import matplotlib.pyplot as plt',
      'from lib.neuron import GAIN, N_FIGS',
      'for i in range(N_FIGS):',
      '    plt.figure(figsize=(4, 3))',
      '    plt.plot([0, 1, 2, 3], [0, GAIN if i == 0 else 1, 0, 1])',
      "print('gain', GAIN)",
      extra,
    ].join('\n'),
  });
}

const sim = (doc: any) => entry(doc, 'sims/sim_ok.py');

test(
  'a library constant changes a figure: detected with its share of pixels, a diff image written, stdout diffed, the summary line says so',
  withTimeout(T, async () => {
    project('1.0');
    const first = await rig.json(['build', '--no-report']);
    assert.is(first.res.code, 0, first.res.stderr);
    assert.equal(sim(first.doc).changes, [], 'a first run has nothing to compare with');
    project('3.0');
    const second = await rig.json(['build', '--no-report']);
    assert.is(second.res.code, 0, 'a change alone does not fail the build');
    const changes = sim(second.doc).changes;
    assert.equal(changes.map((c: any) => [c.kind, c.name]), [['figure', 'figure 1'], ['stdout', 'stdout']]);
    const fig = changes[0];
    assert.ok(fig.ratio > 0 && fig.ratio < 0.5, String(fig.ratio));
    const diff = PNG.sync.read(fs.readFileSync(rig.path(fig.diff)));
    assert.equal([diff.width, diff.height], [400, 300]);
    assert.match(changes[1].diff, /^-gain 1\.0\n\+gain 3\.0$/m);
    assert.equal(second.doc.changed, [{ path: 'sims/sim_ok.py', ran: true, against: 'previous', changes: 2 }]);
    assert.match(second.res.stderr, /\n1 script changed its results: sims\/sim_ok\.py \(figure 1: [\d.]+% of pixels, stdout: 2 lines\)\n/);
    // mreorg show says the same of the last run, in words and in its JSON.
    const show = await rig.run(['show', 'sims/sim_ok.py']);
    assert.match(show.stdout, /\nResults differ from the previous run \([^)]+\):\n  figure 1: [\d.]+% of pixels\n  stdout: 2 lines\n/);
    const shown = JSON.parse((await rig.run(['show', 'sims/sim_ok.py', '--json'])).stdout);
    assert.equal(shown.runs[0].comparison.changes.map((c: any) => c.kind), ['figure', 'stdout']);
    assert.is(shown.runs[1].comparison?.changes.length ?? 0, 0);
  }),
);

test(
  'the same figure re-rendered with no change is unchanged (equal bytes: no diff image made)',
  withTimeout(T, async () => {
    project('1.0');
    assert.is((await rig.run(['build', '--no-report'])).code, 0);
    const before = fs.readdirSync(rig.path('.mreorg/figures')).sort();
    const again = await rig.json(['build', '-B', '--no-report']);
    assert.is(again.res.code, 0, again.res.stderr);
    assert.equal(sim(again.doc).changes, []);
    assert.equal(sim(again.doc).comparedWith.against, 'previous');
    assert.equal(fs.readdirSync(rig.path('.mreorg/figures')).sort(), before, 'no diff image, no new copy');
    assert.not.match(again.res.stderr, /changed (its|their) results/);
  }),
);

test(
  'a figure added and one removed are changes',
  withTimeout(T, async () => {
    project('1.0', 2);
    assert.is((await rig.run(['build', '--no-report'])).code, 0);
    project('1.0', 3);
    const added = await rig.json(['build', '--no-report']);
    assert.equal(sim(added.doc).changes, [{ kind: 'figure', name: 'figure 3', status: 'added' }]);
    project('1.0', 1);
    const removed = await rig.json(['build', '--no-report']);
    assert.equal(sim(removed.doc).changes.map((c: any) => [c.name, c.status]), [['figure 2', 'removed'], ['figure 3', 'removed']]);
    assert.match(removed.res.stderr, /sims\/sim_ok\.py \(figure 2 removed, figure 3 removed\)/);
  }),
);

test(
  'stdout changed alone, and output.numberTolerance ignores numbers that differ only past it',
  withTimeout(T, async () => {
    rig.write({ 'lib.py': 'X = 0.30000001\n', 'report.py': 'from lib import X\nprint("loss", X)\nprint("done")\n' });
    assert.is((await rig.run(['build', '--no-report'])).code, 0);
    rig.write({ 'lib.py': 'X = 0.3\n' });
    const exact = await rig.json(['build', '--no-report']);
    assert.equal(entry(exact.doc, 'report.py').changes, [{ kind: 'stdout', name: 'stdout', diff: '--- before\n+++ after\n@@ -1,2 +1,2 @@\n-loss 0.30000001\n+loss 0.3\n done\n' }]);
    rig.write({ 'mreorg.config.mjs': 'export default { output: { numberTolerance: 1e-6 } };\n', 'lib.py': 'X = 0.30000002\n' });
    const tolerant = await rig.json(['build', '--no-report']);
    assert.equal(entry(tolerant.doc, 'report.py').ran, true);
    assert.equal(entry(tolerant.doc, 'report.py').changes, []);
  }),
);

test(
  'the files a script writes are compared by name and content',
  withTimeout(T, async () => {
    rig.write({ 'lib.py': 'N = 1\n', 'make.py': 'from lib import N\nopen("out.txt", "w").write(str(N))\nif N == 1:\n    open("only_first.txt", "w").write("x")\n' });
    assert.is((await rig.run(['build', '--no-report'])).code, 0);
    rig.write({ 'lib.py': 'N = 2\n' });
    const b = await rig.json(['build', '--no-report']);
    assert.equal(entry(b.doc, 'make.py').changes, [
      { kind: 'files', name: 'only_first.txt', status: 'removed' },
      { kind: 'files', name: 'out.txt', status: 'changed' },
    ]);
  }),
);

test(
  'accept, then a change: --fail-on-change exits 1, and keeps failing without a rerun until the change is accepted',
  withTimeout(T, async () => {
    project('1.0');
    assert.is((await rig.run(['build', '--no-report'])).code, 0);
    const acc = await rig.run(['accept', 'sims']);
    assert.is(acc.code, 0, acc.stderr);
    assert.match(acc.stdout, /Accepted the results of 1 script under runconfig default as their baseline/);
    assert.ok(rig.exists('.mreorg/baselines/baselines.json'));
    assert.is((await rig.run(['build', '--no-report', '--fail-on-change'])).code, 0, 'nothing ran, nothing differs');

    project('2.0');
    const gate = await rig.json(['build', '--no-report', '--fail-on-change']);
    assert.is(gate.res.code, 1, gate.res.stderr);
    assert.is(gate.doc.ok, false);
    assert.equal(sim(gate.doc).comparedWith.against, 'baseline');
    assert.match(gate.res.stderr, /The build fails: results differ and --fail-on-change/);

    const still = await rig.run(['build', '--no-report', '--fail-on-change']);
    assert.is(still.code, 1, 'still differs from its baseline though nothing reran');
    assert.match(still.stdout, /sims\/sim_ok\.py \(still differs from its baseline: 2 changes/);
    assert.is((await rig.run(['build', '--no-report'])).code, 0, 'without the gate a change is not a failure');

    assert.is((await rig.run(['accept', 'sims/sim_ok.py'])).code, 0);
    assert.is((await rig.run(['build', '--no-report', '--fail-on-change'])).code, 0, 'accepted: nothing differs');
  }),
);

test(
  'the config switch failOnChange and a committable baselines folder; going back to the baseline is no change',
  withTimeout(T, async () => {
    rig.write({ 'mreorg.config.mjs': "export default { failOnChange: true, baselines: 'baselines' };\n" });
    project('1.0');
    assert.is((await rig.run(['build', '--no-report'])).code, 0);
    assert.is((await rig.run(['accept'])).code, 0);
    const kept = JSON.parse(rig.read('baselines/baselines.json'));
    const figure = kept.baselines['sims/sim_ok.py'].default.results.figures[0];
    assert.match(figure.image.file, /^baselines\/figures\/[0-9a-f]{20}\.png$/);
    assert.ok(rig.exists(figure.image.file));
    project('1.5');
    assert.is((await rig.run(['build', '--no-report'])).code, 1);
    project('1.0');
    const back = await rig.json(['build', '--no-report']);
    assert.is(back.res.code, 0, back.res.stderr);
    assert.equal(sim(back.doc).changes, [], 'compared with the baseline, not with the run before');
  }),
);

test(
  'accept names what it cannot accept; a broken baselines file is an error naming it (exit 2)',
  withTimeout(T, async () => {
    rig.write({ 'ok.py': 'print(1)\n', 'bad.py': 'raise SystemExit(3)\n', 'new.py': 'pass\n' });
    await rig.run(['build', 'ok.py', 'bad.py', '--no-report']);
    const acc = await rig.run(['accept']);
    assert.is(acc.code, 0);
    assert.match(acc.stdout, /bad\.py: its last run under default failed/);
    assert.match(acc.stdout, /new\.py: never run under runconfig default/);
    assert.match(acc.stdout, /^  ok\.py \(run/m);
    rig.write({ '.mreorg/baselines/baselines.json': '{"version": 1, "baselines": []}' });
    const broken = await rig.run(['build', '--no-report']);
    assert.is(broken.code, 2);
    assert.match(broken.stderr, /baselines file .*baselines\.json is not a baselines file/);
  }),
);

test.run();
