/** `mreorg init`: the starter config keeps every script, and git ignores what mreorg writes. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { withTimeout } from '../helpers/timeout.js';
import { Rig, ranPaths, runCommand } from '../helpers/rig.js';

const T = 60_000;
const test = suite('init');
let rig: Rig;
test.before.each(() => {
  rig = new Rig('mreorg-test-', { bare: true });
});
test.after.each(() => rig.cleanup());

const git = (args: string[]) => runCommand('git', args, rig.dir, { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: rig.dir }, 30_000);

test('the starter config excludes no script whose name contains "old"', withTimeout(T, async () => {
  assert.is((await rig.run(['init'])).code, 0);
  rig.write({ 'threshold_sweep.py': 'pass\n', 'analysis/bold_signal.py': 'pass\n', '__helper.py': 'pass\n' });
  const { doc, res } = await rig.json(['build', '--no-report']);
  assert.is(res.code, 0, res.stderr);
  assert.equal(ranPaths(doc), ['analysis/bold_signal.py', 'threshold_sweep.py']);
}));

test('init creates .gitignore, and git then sees only the scripts and the config after a build', withTimeout(T, async () => {
  assert.is((await git(['init', '-q'])).code, 0);
  const r = await rig.run(['init']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /Added \/report\/ \/\.mreorg\/ _output\/ to .*\.gitignore\n/);
  assert.is(rig.read('.gitignore'), '# written by mreorg: its report, run records and figures\n/report/\n/.mreorg/\n_output/\n');
  rig.write({ 'sims/plot.py': 'import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.show()\n' });
  const b = await rig.run(['build']);
  assert.is(b.code, 0, b.stderr);
  assert.ok(rig.exists('sims/_output') && rig.exists('report/index.html') && rig.exists('.mreorg/ledger.json'));
  const st = await git(['status', '--porcelain', '--untracked-files=all']);
  assert.equal(st.stdout.trim().split('\n').sort(), ['?? .gitignore', '?? mreorg.config.ts', '?? sims/plot.py']);
}));

test('an existing .gitignore gets only the missing lines, and a second init none', withTimeout(T, async () => {
  rig.write({ '.gitignore': 'node_modules/\nreport' });
  assert.is((await rig.run(['init'])).code, 0);
  const after = 'node_modules/\nreport\n# written by mreorg: its report, run records and figures\n/.mreorg/\n_output/\n';
  assert.is(rig.read('.gitignore'), after);
  (await import('node:fs')).rmSync(rig.path('mreorg.config.ts'));
  const again = await rig.run(['init']);
  assert.is(again.code, 0, again.stderr);
  assert.not.match(again.stdout, /gitignore/);
  assert.is(rig.read('.gitignore'), after);
}));

test.run();
