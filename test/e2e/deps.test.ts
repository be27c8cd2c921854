/** Staleness that follows what a script really used: local modules, data files, other scripts' outputs. */
import fs from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { withTimeout } from '../helpers/timeout.js';
import { Rig, entry, ranPaths } from '../helpers/rig.js';

const T = 90_000;
const test = suite('deps');
let rig: Rig;
test.before.each(() => {
  rig = new Rig();
});
test.after.each(() => rig.cleanup());

const LIBS = {
  'lib/__init__.py': '',
  'lib/neuron.py': 'from lib import units\nTAU = 20 * units.MS\n',
  'lib/units.py': 'MS = 1\n',
  'lib/synapse.py': 'W = 0.5\n',
  'lib/lazy.py': 'X = 1\n',
};

test(
  'changing a local module reruns exactly the scripts that imported it, directly or through another module',
  withTimeout(T, async () => {
    rig.write({
      ...LIBS,
      'mreorg.config.ts': "export default { exclude: ['__*.py', 'lib/*'] };\n",
      'sims/uses_neuron.py': 'import sys, os\nsys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))\nfrom lib import neuron\nprint(neuron.TAU)\n',
      'sims/uses_synapse.py': 'import sys, os\nsys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))\nfrom lib import synapse\n',
      'sims/lazy_importlib.py': 'import sys, os, importlib\nsys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))\ndef f():\n    return importlib.import_module("lib.lazy")\nf()\n',
      'sims/plain.py': 'print(1)\n',
    });
    const first = await rig.json(['build']);
    assert.is(first.doc.counts.success, 4, first.res.stderr);
    rig.write({ 'lib/units.py': 'MS = 1.0\n' });
    const st = await rig.json(['status']);
    assert.equal(entry(st.doc, 'sims/uses_neuron.py').reasons, ['lib/units.py changed']);
    const b = await rig.json(['build']);
    assert.equal(ranPaths(b.doc), ['sims/uses_neuron.py']);
    rig.write({ 'lib/lazy.py': 'X = 2\n' });
    assert.equal(ranPaths((await rig.json(['build'])).doc), ['sims/lazy_importlib.py']);
    const shown = await rig.json(['show', 'sims/uses_neuron.py']);
    assert.equal(shown.doc.runs[0].deps.modules, ['lib/__init__.py', 'lib/neuron.py', 'lib/units.py']);
  }),
);

test(
  'a changed data file reruns its readers; deleting it is a change; a touch is not',
  withTimeout(T, async () => {
    rig.write({
      'data/spikes.json': '[1, 2, 3]',
      'data/other.csv': 'a,b\n',
      'reader.py': 'import json\nprint(sum(json.load(open("data/spikes.json"))))\n',
      'other.py': 'print(open("data/other.csv").read())\n',
    });
    await rig.run(['build']);
    const later = new Date(Date.now() + 10_000);
    fs.utimesSync(rig.path('data/spikes.json'), later, later);
    assert.equal(ranPaths((await rig.json(['build'])).doc), [], 'a touch is not a change');
    rig.write({ 'data/spikes.json': '[1, 2, 3, 4]' });
    const st = await rig.json(['status']);
    assert.equal(entry(st.doc, 'reader.py').reasons, ['data/spikes.json changed']);
    assert.equal(ranPaths((await rig.json(['build'])).doc), ['reader.py']);
    fs.rmSync(rig.path('data/other.csv'));
    const st2 = await rig.json(['status']);
    assert.equal(entry(st2.doc, 'other.py').reasons, ['data/other.csv deleted']);
    const shown = await rig.json(['show', 'reader.py']);
    assert.equal(shown.doc.runs[0].deps.reads, ['data/spikes.json']);
  }),
);

test(
  'a writer runs before its reader; the first build reruns a reader that missed the file; a change to the writer reruns both, in order',
  withTimeout(T, async () => {
    rig.write({
      // "a_" sorts first, so on the first build the reader may start before the writer exists.
      'a_plot.py': 'import json, time, os\nd = json.load(open("results/data.json"))\nopen("order.log", "a").write(f"plot {time.time()}\\n")\nprint(d["n"])\n',
      'z_make_data.py': 'import json, os, time\ntime.sleep(1.0)\nos.makedirs("results", exist_ok=True)\njson.dump({"n": 41}, open("results/data.json", "w"))\nopen("order.log", "a").write(f"make {time.time()}\\n")\n',
    });
    const first = await rig.json(['build', '-j', '2']);
    assert.is(first.res.code, 0, first.res.stderr + JSON.stringify(first.doc, null, 1));
    assert.is(entry(first.doc, 'a_plot.py').result, 'success');
    assert.ok(entry(first.doc, 'a_plot.py').reasons.some((r: string) => /ran again after z_make_data\.py wrote results\/data\.json/.test(r)));
    const st = await rig.json(['status']);
    assert.equal(entry(st.doc, 'a_plot.py').upstream, ['z_make_data.py']);
    fs.rmSync(rig.path('order.log'));
    rig.write({ 'z_make_data.py': rig.read('z_make_data.py').replace('41', '42') });
    const st2 = await rig.json(['status']);
    assert.equal(entry(st2.doc, 'a_plot.py').reasons, ['upstream z_make_data.py will rerun']);
    const b = await rig.json(['build', '-j', '2']);
    assert.equal(ranPaths(b.doc), ['a_plot.py', 'z_make_data.py']);
    const order = rig.read('order.log').trim().split('\n').map((l) => l.split(' ')[0]);
    assert.equal(order, ['make', 'plot']);
    assert.is((await rig.json(['show', 'a_plot.py'])).doc.runs[0].stdout, '42\n');
  }),
);

test(
  'an input changed while the script was running makes it stale, and a file it found missing stays missing',
  withTimeout(T, async () => {
    rig.write({
      'data.txt': 'v1',
      'slowread.py': 'import time, os\nx = open("data.txt").read()\nos.path.exists("later.txt") or None\ntry:\n    open("later.txt").read()\nexcept FileNotFoundError:\n    pass\nopen("started", "w").close()\ntime.sleep(1.5)\nprint(x)\n',
    });
    const { child, done } = rig.start(['build', '--no-report']);
    void child;
    await rig.until('the script has read its input', () => rig.exists('started'));
    rig.write({ 'data.txt': 'v2', 'later.txt': 'now here' });
    const res = await done;
    assert.is(res.code, 0, res.stderr);
    const st = await rig.json(['status']);
    const e = entry(st.doc, 'slowread.py');
    assert.is(e.state, 'changed');
    assert.equal(e.reasons, ['data.txt changed while the last run was using it', 'later.txt created']);
    const b = await rig.json(['build']);
    assert.equal(ranPaths(b.doc), ['slowread.py']);
    assert.equal(ranPaths((await rig.json(['build'])).doc), []);
  }),
);

test(
  'a dependency cycle is reported, and the build finishes',
  withTimeout(T, async () => {
    rig.write({
      'x.py': 'import os\nif os.path.exists("b.txt"): open("b.txt").read()\nopen("a.txt", "w").write("a")\n',
      'y.py': 'import os\nif os.path.exists("a.txt"): open("a.txt").read()\nopen("b.txt", "w").write("b")\n',
    });
    await rig.run(['build', '-j', '1']);
    await rig.run(['build', '-j', '1', '--force']);
    const st = await rig.json(['status']);
    assert.is(st.doc.cycles.length, 1, JSON.stringify(st.doc));
    rig.write({ 'x.py': rig.read('x.py') + '# edit\n' });
    const b = await rig.json(['build']);
    assert.is(b.res.code, 0);
    assert.match(b.res.stderr, /dependency cycle/);
  }),
);

test(
  'declared inputs: a change to a declared file reruns the script',
  withTimeout(T, async () => {
    rig.write({
      'mreorg.config.ts': "export default { inputs: { 'sims/run_nest.py': ['models/*.nestml'] } };\n",
      'models/cell.nestml': 'neuron cell: end\n',
      'sims/run_nest.py': 'import subprocess\nsubprocess.run(["cat", "../models/cell.nestml"], check=True)\n',
    });
    await rig.run(['build']);
    assert.equal(ranPaths((await rig.json(['build'])).doc), []);
    rig.write({ 'models/cell.nestml': 'neuron cell2: end\n' });
    const st = await rig.json(['status']);
    assert.equal(entry(st.doc, 'sims/run_nest.py').reasons, ['models/cell.nestml changed']);
    rig.write({ 'models/new.nestml': 'x\n' });
    const st2 = await rig.json(['status']);
    assert.ok(entry(st2.doc, 'sims/run_nest.py').reasons.includes('declared input models/new.nestml is new'));
  }),
);

test(
  'each trigger can be switched off',
  withTimeout(T, async () => {
    rig.write({
      'mreorg.config.ts': "export default { rerunOn: { modules: false, data: false, env: false }, runconfigs: { std: { env: { K: '1' } } } };\n",
      'helper.py': 'V = 1\n',
      'data.txt': 'x',
      'main.py': 'import helper\nopen("data.txt").read()\n',
    });
    await rig.run(['build', 'main.py']);
    rig.write({
      'helper.py': 'V = 2\n',
      'data.txt': 'y',
      'mreorg.config.ts': "export default { rerunOn: { modules: false, data: false, env: false }, runconfigs: { std: { env: { K: '2' } } } };\n",
    });
    const st = await rig.json(['status', 'main.py']);
    assert.is(entry(st.doc, 'main.py').state, 'up-to-date', JSON.stringify(entry(st.doc, 'main.py')));
    rig.write({ 'mreorg.config.ts': "export default { runconfigs: { std: { env: { K: '2' } } } };\n" });
    const on = await rig.json(['status', 'main.py']);
    assert.equal(entry(on.doc, 'main.py').reasons, ['helper.py changed', 'data.txt changed', 'runconfig env K changed']);
  }),
);

test(
  'third-party package versions: recorded, reported by status, a rerun trigger only with rerunOn.packages',
  withTimeout(T, async () => {
    const site = new Rig('mreorg-site-');
    try {
      site.write({
        'site-packages/fakepkg/__init__.py': 'VALUE = 1\n',
        'site-packages/fakepkg-1.0.dist-info/METADATA': 'Metadata-Version: 2.1\nName: fakepkg\nVersion: 1.0\n',
        'site-packages/fakepkg-1.0.dist-info/top_level.txt': 'fakepkg\n',
      });
      const env = { PYTHONPATH: site.path('site-packages') };
      rig.write({ 'uses.py': 'import fakepkg\nprint(fakepkg.VALUE)\n' });
      await rig.run(['build'], { env });
      const shown = await rig.json(['show', 'uses.py'], { env });
      assert.equal(shown.doc.runs[0].deps.packages, { fakepkg: '1.0' });
      fs.renameSync(site.path('site-packages/fakepkg-1.0.dist-info'), site.path('site-packages/fakepkg-2.0.dist-info'));
      site.write({ 'site-packages/fakepkg-2.0.dist-info/METADATA': 'Metadata-Version: 2.1\nName: fakepkg\nVersion: 2.0\n' });
      const st = await rig.json(['status'], { env });
      assert.is(entry(st.doc, 'uses.py').state, 'up-to-date');
      assert.equal(entry(st.doc, 'uses.py').notes, ['package fakepkg 1.0 -> 2.0 (not a rerun trigger: rerunOn.packages is off)']);
      rig.write({ 'mreorg.config.ts': 'export default { rerunOn: { packages: true } };\n' });
      const b = await rig.json(['build'], { env });
      assert.equal(entry(b.doc, 'uses.py').reasons, ['package fakepkg 1.0 -> 2.0']);
    } finally {
      site.cleanup();
    }
  }),
);

test.run();
