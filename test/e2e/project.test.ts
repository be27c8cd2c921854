/**
 * Which project mreorg acts on and what it may run: the config found from a subfolder, no config at all, paths
 * that hold nothing to run, untracked and excluded scripts. Real CLI, real python3, temp projects.
 */
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { withTimeout } from '../helpers/timeout.js';
import { Rig, entry, ranPaths } from '../helpers/rig.js';

const T = 90_000;
const test = suite('project');
let rig: Rig;
test.before.each(() => {
  rig = new Rig('mreorg-test-', { bare: true });
});
test.after.each(() => rig.cleanup());

const LAB = "export default { monitor: [{ dir: 'sims', recurse: true, autoTrack: true }, { dir: 'analysis', autoTrack: true }] };\n";

test(
  'from a subfolder, status, build and show act on the project whose config is above; paths are relative to where you are',
  withTimeout(T, async () => {
    rig.write({ 'lab/mreorg.config.ts': LAB, 'lab/sims/a.py': 'print("a")\n', 'lab/sims/deep/b.py': 'print("b")\n', 'lab/analysis/c.py': 'print("c")\n' });
    const sims = rig.path('lab/sims');
    const status = await rig.run(['status', '--json'], { cwd: sims });
    assert.is(status.code, 0, status.stderr);
    assert.equal(JSON.parse(status.stdout).scripts.map((s: { path: string }) => s.path), ['analysis/c.py', 'sims/a.py', 'sims/deep/b.py']);
    const one = await rig.run(['build', 'deep/b.py', '--json', '--no-report'], { cwd: sims });
    assert.is(one.code, 0, one.stderr);
    assert.equal(ranPaths(JSON.parse(one.stdout)), ['sims/deep/b.py']);
    const all = await rig.run(['build', '--json', '--no-report'], { cwd: sims });
    assert.equal(ranPaths(JSON.parse(all.stdout)), ['analysis/c.py', 'sims/a.py']);
    assert.ok(rig.exists('lab/.mreorg/ledger.json'), 'the ledger is the lab project\'s');
    assert.not.ok(fs.existsSync(path.join(sims, '.mreorg')), 'no new project in sims/');
    const show = await rig.run(['show', 'a.py', '--json'], { cwd: sims });
    assert.is(JSON.parse(show.stdout).path, 'sims/a.py');
  }),
);

test(
  'with no config anywhere above, build runs nothing and exits 2 naming mreorg init; status still looks',
  withTimeout(T, async () => {
    rig.write({ 'home/notes.py': 'open("ran", "w").write("yes")\n' });
    const home = rig.path('home');
    const res = await rig.run(['build'], { cwd: home });
    assert.is(res.code, 2);
    assert.match(res.stderr, /^mreorg: No mreorg\.config\.ts \(or \.mts, \.js, \.mjs\) in \S+\/home or any folder above it, so "mreorg build" does nothing.*"mreorg init"/);
    assert.not.match(res.stderr, /\n\s+at /);
    assert.not.ok(rig.exists('home/ran'), 'nothing ran');
    assert.not.ok(rig.exists('home/.mreorg'), 'nothing was written');
    const status = await rig.run(['status'], { cwd: home });
    assert.is(status.code, 0, status.stderr);
    assert.match(status.stdout, /never run\s+notes\.py/);
    assert.not.ok(rig.exists('home/.mreorg'), 'status wrote nothing either');
  }),
);

test(
  'a folder with no tracked script says so (exit 2) instead of "Nothing to do"',
  withTimeout(T, async () => {
    rig.write({ 'mreorg.config.ts': LAB, 'sims/a.py': '', 'notes/idea.py': '', 'analysis/c.py': '' });
    const res = await rig.run(['build', 'notes/']);
    assert.is(res.code, 2);
    assert.match(res.stderr, /^mreorg: notes\/: no tracked scripts here \(not in a monitored directory, excluded, or untracked/m);
  }),
);

test(
  'an untracked script is never run: build -B names mreorg track; status shows it untracked, never up to date',
  withTimeout(T, async () => {
    rig.write({
      'mreorg.config.ts': "export default { monitor: [{ dir: '.', autoTrack: false }] };\n",
      'u.py': 'open("ran", "w").write("yes")\n',
    });
    const res = await rig.run(['build', '-B', 'u.py']);
    assert.is(res.code, 2);
    assert.match(res.stderr, /u\.py is not tracked, so mreorg does not run it .*"mreorg track u\.py" tracks it\./);
    assert.not.ok(rig.exists('ran'));
    const st = await rig.json(['status']);
    assert.is(entry(st.doc, 'u.py').state, 'untracked');
    assert.is((await rig.run(['track', 'u.py'])).code, 0);
    const built = await rig.json(['build', 'u.py', '--no-report']);
    assert.equal(ranPaths(built.doc), ['u.py']);
  }),
);

test(
  'a script name that is excluded says which pattern excluded it',
  withTimeout(T, async () => {
    rig.write({ 'mreorg.config.ts': "export default { exclude: ['__*.py', '*old*.py'] };\n", 'bold_signal.py': '' });
    const res = await rig.run(['build', 'bold_signal.py']);
    assert.is(res.code, 2);
    assert.match(res.stderr, /bold_signal\.py is not one of the project's scripts: it is excluded by the pattern "\*old\*\.py" \("exclude" in \S+mreorg\.config\.ts\)/);
  }),
);

test(
  'a monitored folder outside the project: its scripts are found, run with their own modules recorded, shown and reported as ../paths',
  withTimeout(T, async () => {
    rig.write({
      'lab/mreorg.config.ts': "export default { monitor: [{ dir: 'sims', autoTrack: true }, { dir: '../morphforge/examples', autoTrack: true }] };\n",
      'lab/sims/a.py': 'print("a")\n',
      'morphforge/lib/neuron.py': 'TAU = 10\n',
      'morphforge/examples/ex1.py': 'import sys, os\nsys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))\nimport neuron\nimport matplotlib.pyplot as plt\nplt.plot([1, neuron.TAU])\nprint("tau", neuron.TAU)\n',
    });
    const lab = rig.path('lab');
    const built = await rig.run(['build', '--json'], { cwd: lab });
    assert.is(built.code, 0, built.stderr);
    const doc = JSON.parse(built.stdout);
    assert.equal(ranPaths(doc), ['../morphforge/examples/ex1.py', 'sims/a.py']);
    const show = JSON.parse((await rig.run(['show', '../morphforge/examples/ex1.py', '--json'], { cwd: lab })).stdout);
    assert.match(show.runs[0].stdout, /^tau 10$/m);
    assert.ok(show.runs[0].figures.some((f: any) => f.files[0].startsWith('../morphforge/examples/_output/figures/ex1/png/')), 'its figure is recorded');
    assert.equal(show.runs[0].deps.modules, ['../morphforge/lib/neuron.py'], 'its own library is recorded');
    const index = fs.readFileSync(path.join(lab, 'report/index.html'), 'utf8');
    assert.match(index, /\.\.\/morphforge\/examples\/ex1\.py/);
    assert.ok(fs.readdirSync(path.join(lab, 'report/figures')).some((f) => f.endsWith('.png')), 'its figure is in the report');
    rig.write({ 'morphforge/lib/neuron.py': 'TAU = 20\n' });
    const status = JSON.parse((await rig.run(['status', '--json'], { cwd: lab })).stdout);
    assert.equal(entry(status, '../morphforge/examples/ex1.py').reasons, ['../morphforge/lib/neuron.py changed']);
  }),
);

test.run();
