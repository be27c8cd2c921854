/** Discovery: monitored directories, recurse, excludes, autoTrack and track/untrack, filegroups. */
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { withTimeout } from '../helpers/timeout.js';
import { Rig, entry, ranPaths } from '../helpers/rig.js';

const T = 60_000;
const test = suite('discovery');
let rig: Rig;
test.before.each(() => {
  rig = new Rig();
});
test.after.each(() => rig.cleanup());

const CONFIG = `export default {
  monitor: [
    { dir: 'sims', recurse: true, autoTrack: true, group: 'sims' },
    { dir: 'analysis' },
  ],
  exclude: ['__*.py', '*old*.py', 'sims/skip/*'],
  groups: { paper1: ['sims/**/gen*.py'], figs: ['analysis/plot*.py'] },
};
`;

function project(): void {
  rig.write({
    'mreorg.config.ts': CONFIG,
    'sims/gen1.py': '',
    'sims/deep/gen2.py': '',
    'sims/run.py': '',
    'sims/__init__.py': '',
    'sims/sim_old.py': '',
    'sims/skip/x.py': '',
    'sims/_output/figures/x.py': '',
    'sims/.hidden/h.py': '',
    'analysis/plot_a.py': '',
    'analysis/nested/not_recursed.py': '',
    'elsewhere.py': '',
  });
}

test('recurse, excludes, autoTrack and the built-in ignores', withTimeout(T, async () => {
  project();
  const { doc } = await rig.json(['status']);
  const paths = doc.scripts.map((s: any) => s.path);
  assert.equal(paths, ['analysis/plot_a.py', 'sims/deep/gen2.py', 'sims/gen1.py', 'sims/run.py']);
  assert.is(entry(doc, 'analysis/plot_a.py').state, 'untracked');
  assert.is(entry(doc, 'sims/gen1.py').state, 'never-run');
}));

test('groups from globs and from monitor entries; build --group', withTimeout(T, async () => {
  project();
  const { doc } = await rig.json(['status']);
  assert.equal(entry(doc, 'sims/deep/gen2.py').groups, ['paper1', 'sims']);
  assert.equal(entry(doc, 'sims/run.py').groups, ['sims']);
  const b = await rig.json(['build', '--group', 'paper1']);
  assert.equal(ranPaths(b.doc), ['sims/deep/gen2.py', 'sims/gen1.py']);
  assert.equal(b.doc.scripts.map((s: any) => s.path), ['sims/deep/gen2.py', 'sims/gen1.py']);
  const two = await rig.json(['status', '-g', 'paper1', '-g', 'figs']);
  assert.equal(two.doc.scripts.map((s: any) => s.path), ['analysis/plot_a.py', 'sims/deep/gen2.py', 'sims/gen1.py']);
}));

test('untracked scripts do not run until tracked; untrack stops an autoTracked one', withTimeout(T, async () => {
  project();
  let b = await rig.json(['build']);
  assert.not.ok(ranPaths(b.doc).includes('analysis/plot_a.py'));
  const t = await rig.run(['track', 'analysis/plot_a.py']);
  assert.is(t.code, 0, t.stderr);
  assert.match(t.stdout, /Tracking 1 script/);
  b = await rig.json(['build']);
  assert.equal(ranPaths(b.doc), ['analysis/plot_a.py']);
  await rig.run(['untrack', 'sims/run.py']);
  const st = await rig.json(['status']);
  assert.is(entry(st.doc, 'sims/run.py').state, 'untracked');
  assert.is(entry(st.doc, 'analysis/plot_a.py').state, 'up-to-date');
  const ledger = JSON.parse(rig.read('.mreorg/ledger.json'));
  assert.equal(ledger.tracked, ['analysis/plot_a.py']);
  assert.equal(ledger.untracked, ['sims/run.py']);
}));

test('a monitored folder that does not exist: a warning, and the Tracking page marks it missing, the others present', withTimeout(T, async () => {
  rig.write({ 'mreorg.config.mjs': "export default { monitor: [{ dir: 'gone' }, { dir: 'sims', autoTrack: true }] };\n", 'sims/a.py': '' });
  assert.match((await rig.run(['status'])).stdout, /warning: monitored directory "gone" does not exist; skipped/);
  const res = await rig.run(['report']);
  assert.is(res.code, 0, res.stderr);
  const page = rig.read('report/tracking.html');
  assert.match(page, /<td class="path">gone<\/td><td><span class="pill st-failed">missing<\/span><\/td>/);
  assert.match(page, /<td class="path">sims<\/td><td>yes<\/td>/);
}));

test('an empty config: the whole project, recursively, tracked, the usual folders ignored', withTimeout(T, async () => {
  rig.write({ 'a.py': '', 'x/b.py': '', '__init__.py': '', '.venv/lib/c.py': '', 'node_modules/p/d.py': '', 'report/e.py': '', '_output/f.py': '' });
  const { doc } = await rig.json(['status']);
  assert.equal(doc.runconfig, 'default');
  assert.equal(doc.scripts.map((s: any) => [s.path, s.state]), [['a.py', 'never-run'], ['x/b.py', 'never-run']]);
}));

test('a folder symlink that leaves the monitored folder is not followed unless followSymlinks; loops are survived', withTimeout(T, async () => {
  const outside = new Rig('mreorg-outside-');
  try {
    outside.write({ 'sitecustomize.py': 'print("not the project\'s")\n', 'pkg/mod.py': '' });
    fs.symlinkSync(outside.dir, path.join(outside.dir, 'pkg', 'back'));  // a loop inside the outside folder
    rig.write({ 'sims/run.py': '', 'sims/inner/gen.py': '', 'mreorg.config.ts': "export default { monitor: [{ dir: 'sims', recurse: true, autoTrack: true }] };\n" });
    fs.symlinkSync(outside.dir, rig.path('sims/ext'));
    fs.symlinkSync(rig.path('sims/inner'), rig.path('sims/again'));  // stays inside: followed (walked once)
    fs.symlinkSync('..', rig.path('sims/inner/up'));  // a loop
    const st = await rig.json(['status']);
    assert.equal(st.doc.scripts.map((s: any) => s.path), ['sims/inner/gen.py', 'sims/run.py']);
    assert.ok(st.doc.warnings.some((w: string) => /"sims\/ext" links to .*outside monitored directory "sims"; not followed/.test(w)), JSON.stringify(st.doc.warnings));
    const b = await rig.json(['build']);
    assert.equal(ranPaths(b.doc), ['sims/inner/gen.py', 'sims/run.py']);

    rig.write({ 'mreorg.config.ts': "export default { monitor: [{ dir: 'sims', recurse: true, autoTrack: true, followSymlinks: true }] };\n" });
    const followed = await rig.json(['status']);
    assert.equal(followed.doc.scripts.map((s: any) => s.path), ['sims/ext/pkg/mod.py', 'sims/ext/sitecustomize.py', 'sims/inner/gen.py', 'sims/run.py']);
  } finally {
    outside.cleanup();
  }
}));

test('init writes a starter config that loads, and refuses to overwrite', withTimeout(T, async () => {
  rig.cleanup();
  rig = new Rig('mreorg-test-', { bare: true });
  const r = await rig.run(['init']);
  assert.is(r.code, 0, r.stderr);
  assert.ok(rig.exists('mreorg.config.ts'));
  rig.write({ 'a.py': '' });
  const st = await rig.json(['status']);
  assert.is(st.doc.runconfig, 'std');
  const again = await rig.run(['init']);
  assert.is(again.code, 2);
}));

test.run();
