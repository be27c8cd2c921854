/** The CLI surface: help, version, shim-path, history length, the terminal summary. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { withTimeout } from '../helpers/timeout.js';
import { Rig, repoRoot } from '../helpers/rig.js';

const T = 60_000;
const test = suite('cli');
let rig: Rig;
test.before.each(() => {
  rig = new Rig();
});
test.after.each(() => rig.cleanup());

test('--help lists the commands; --version prints the version', withTimeout(T, async () => {
  const h = await rig.run(['--help']);
  assert.is(h.code, 0);
  for (const c of ['build', 'status', 'show', 'track', 'untrack', 'report', 'init', 'clean', 'shim-path']) assert.match(h.stdout, new RegExp(`\\b${c}\\b`));
  const v = await rig.run(['--version']);
  assert.is(v.code, 0);
  assert.match(v.stdout, /\d+\.\d+\.\d+/);
  const bh = await rig.run(['build', '--help']);
  assert.match(bh.stdout, /--retry-failed/);
}));

test('-j2 is read as -j 2, as in make', withTimeout(T, async () => {
  rig.write({ 'a.py': '', 'b.py': '' });
  const r = await rig.json(['build', '-j2']);
  assert.is(r.res.code, 0, r.res.stderr);
  assert.is(r.doc.counts.success, 2);
}));

test('more than ten jobs at once: no listener-leak warning', withTimeout(T, async () => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 12; i++) files[`s${i}.py`] = 'import time\ntime.sleep(0.3)\n';
  rig.write(files);
  const r = await rig.run(['build', '-j', '12', '--no-report']);
  assert.is(r.code, 0, r.stderr);
  assert.not.match(r.stderr, /MaxListenersExceededWarning/);
}));

test('shim-path prints the folder that makes `import mreorg` work in a plain python run', withTimeout(T, async () => {
  const r = await rig.run(['shim-path']);
  assert.is(r.stdout.trim(), `${repoRoot}/shim`);
}));

test('history keeps the configured number of runs per script', withTimeout(T, async () => {
  rig.write({ 'mreorg.config.ts': 'export default { history: 3 };\n', 'a.py': 'pass\n' });
  for (let i = 0; i < 5; i++) await rig.run(['build', '--force', '--no-report']);
  const shown = await rig.json(['show', 'a.py']);
  assert.is(shown.doc.runs.length, 3);
  const times = shown.doc.runs.map((r: any) => r.startedAt);
  assert.equal(times, [...times].sort().reverse(), 'newest first');
}));

test('full logs of runs that leave the history are deleted with them', withTimeout(T, async () => {
  rig.write({ 'mreorg.config.ts': 'export default { history: 2, output: { maxBytes: 100 } };\n', 'loud.py': 'print("x" * 5000)\n' });
  for (let i = 0; i < 4; i++) await rig.run(['build', '--force', '--no-report']);
  const fs = await import('node:fs');
  const logs = fs.readdirSync(rig.path('.mreorg/logs')).filter((f) => f.endsWith('.stdout.log'));
  assert.is(logs.length, 2);
  const kept = (await rig.json(['show', 'loud.py'])).doc.runs.map((r: any) => r.stdoutLog.split('/').pop()).sort();
  assert.equal(kept, logs.sort());
}));

test('plain output when not a terminal: one line per script, a summary with each failure', withTimeout(T, async () => {
  rig.write({ 'good.py': 'pass\n', 'bad.py': 'raise KeyError("tau")\n' });
  const r = await rig.run(['build'], { env: { CI: 'true' } });
  assert.is(r.code, 1);
  assert.match(r.stdout, /^ok good\.py/m);
  assert.match(r.stdout, /^FAILED bad\.py/m);
  assert.match(r.stdout, /Failures:\n  bad\.py: KeyError: 'tau'/);
  assert.match(r.stdout, /2 ran, 1 succeeded, 1 failed, 0 up to date/);
  assert.not.match(r.stdout, /\x1b\[/, 'no colour codes when not a terminal');
}));

test('--junit writes JUnit XML: a testcase per script, the failure with its traceback, escaped', withTimeout(T, async () => {
  rig.write({ 'good.py': 'print("<ok> & done")\n', 'bad.py': 'raise ValueError("x < 0 & \\"quoted\\"")\n', 'untracked/u.py': '' });
  const r = await rig.run(['build', '--junit', 'out/junit.xml']);
  assert.is(r.code, 1, r.stderr);
  const xml = rig.read('out/junit.xml');
  assert.match(xml, /<testsuites name="mreorg" tests="3" failures="1" errors="0" skipped="0"/);
  assert.match(xml, /<testcase classname="mreorg.default" name="bad.py" time="[\d.]+">\n\s+<failure type="ValueError" message="ValueError: x &lt; 0 &amp; &quot;quoted&quot;">Traceback/);
  assert.match(xml, /<system-out>&lt;ok&gt; &amp; done\n<\/system-out>/);
  const again = await rig.run(['build', '--junit', 'out/junit.xml']);
  assert.is(again.code, 1, 'a script still failing fails the build');
  assert.match(rig.read('out/junit.xml'), /name="bad.py" time="[\d.]+">\n\s+<failure type="ValueError" message="still failing [^"]*ValueError: x &lt; 0/);
  assert.match(rig.read('out/junit.xml'), /name="good.py" time="[\d.]+">\n\s+<skipped message="up-to-date"\/>/);
}));

test('a mistyped command or option: one line naming the nearest, exit 2, nothing run', withTimeout(T, async () => {
  rig.write({ 'a.py': 'pass\n' });
  const cmd = await rig.run(['biuld']);
  assert.is(cmd.code, 2);
  assert.is(cmd.stderr, 'mreorg: Unknown command "biuld". Did you mean "build"? Run "mreorg --help" for the commands.\n');
  const opt = await rig.run(['build', '--dry-rn']);
  assert.is(opt.code, 2);
  assert.is(opt.stderr, 'mreorg: Unknown option "--dry-rn". Did you mean "--dry-run"? Run "mreorg build --help" for the options.\n');
  assert.not.ok(rig.exists('.mreorg'), 'nothing ran');
  const neg = await rig.run(['build', '--no-reprot']);
  assert.match(neg.stderr, /^mreorg: Unknown option "--no-reprot"\. Did you mean "--no-report"\?[^\n]*\n$/);
  const far = await rig.run(['frobnicate']);
  assert.is(far.code, 2);
  assert.is(far.stderr, 'mreorg: Unknown command "frobnicate". Run "mreorg --help" for the commands.\n');
  const short = await rig.run(['status', '-q']);
  assert.is(short.code, 2);
  assert.is(short.stderr, 'mreorg: Unknown option "-q". Run "mreorg status --help" for the options.\n');
}));

test('--no-report in the help does not claim a default of true', withTimeout(T, async () => {
  const bh = await rig.run(['build', '--help']);
  const line = bh.stdout.split('\n').find((l) => l.includes('--no-report'));
  assert.is(line?.trim(), '--no-report             Do not write the HTML report');
  assert.not.match(bh.stdout, /default: true/);
}));

test('counts of one are singular: track, build, the script page', withTimeout(T, async () => {
  rig.write({ 'mreorg.config.ts': "export default { monitor: [{ dir: '.', autoTrack: false }] };\n", 'a.py': 'print(1)\n' });
  const tr = await rig.run(['track', 'a.py']);
  assert.is(tr.stdout, 'Tracking 1 script:\n  a.py\n');
  const b = await rig.run(['build'], { env: { CI: 'true' } });
  assert.is(b.code, 0, b.stderr);
  assert.match(b.stdout, /^Running 1 script under runconfig default\.\.\.$/m);
  const fs = await import('node:fs');
  const page = fs.readdirSync(rig.path('report/scripts')).find((f) => f.startsWith('a-py'));
  assert.ok(page, 'a script page');
  const html = rig.read(`report/scripts/${page}`);
  assert.match(html, />1 line</);
  assert.not.match(html, /1 lines/);
}));

test.run();
