/**
 * `mreorg clean`: removes the _output/ folders beside the project's scripts and the report (and with --all the
 * ledger), only those, never through a symlink or outside the project, and asks first.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { withTimeout } from '../helpers/timeout.js';
import { Rig, PYTHON, cliPath } from '../helpers/rig.js';

const T = 60_000;
const test = suite('clean');
let rig: Rig;
let outside: string;
test.before.each(() => {
  rig = new Rig();
  outside = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'mreorg-outside-')));
});
test.after.each(() => {
  rig.cleanup();
  fs.rmSync(outside, { recursive: true, force: true });
});

const PLOT = 'import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.show()\n';

/** A built project, plus _output folders mreorg did not make: beside no script, beside an excluded script. */
async function builtProject(): Promise<void> {
  rig.write({
    'mreorg.config.ts': "export default { exclude: ['__*.py', 'legacy/*'] };\n",
    'sims/plot.py': PLOT,
    'sims/lib/helper.py': 'pass\n',
    'data/_output/raw.csv': '1,2\n',
    'legacy/old.py': 'pass\n',
    'legacy/_output/kept.png': 'x',
  });
  const b = await rig.run(['build']);
  assert.is(b.code, 0, b.stderr);
  assert.ok(rig.exists('sims/_output/figures/plot') && rig.exists('report/index.html'));
}

test('--yes removes the _output folders beside the scripts and the report, and only those', withTimeout(T, async () => {
  await builtProject();
  rig.write({ 'sims/lib/_output/made.txt': 'x' });
  const r = await rig.run(['clean', '--yes']);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, 'Removing:\n  sims/_output/\n  sims/lib/_output/\n  report/\nRemoved 3 items.\n');
  for (const gone of ['sims/_output', 'sims/lib/_output', 'report']) assert.not.ok(rig.exists(gone), gone);
  for (const kept of ['sims/plot.py', 'data/_output/raw.csv', 'legacy/_output/kept.png', '.mreorg/ledger.json', 'mreorg.config.ts']) assert.ok(rig.exists(kept), kept);
  const { doc } = await rig.json(['status']);
  assert.is(doc.scripts.find((s: any) => s.path === 'sims/plot.py').state, 'up-to-date', 'the ledger is kept');
  const again = await rig.run(['clean', '--yes']);
  assert.is(again.stdout, 'Nothing to clean.\n');
}));

test('--all also removes the ledger folder: every script runs again', withTimeout(T, async () => {
  await builtProject();
  const r = await rig.run(['clean', '--all', '--yes']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^  \.mreorg\/$/m);
  assert.not.ok(rig.exists('.mreorg'));
  const { doc } = await rig.json(['status']);
  assert.is(doc.scripts.find((s: any) => s.path === 'sims/plot.py').state, 'never-run');
}));

test('-n lists and removes nothing; off a terminal without --yes it refuses (exit 2) and removes nothing', withTimeout(T, async () => {
  await builtProject();
  const dry = await rig.run(['clean', '-n', '--all']);
  assert.is(dry.code, 0, dry.stderr);
  assert.is(dry.stdout, 'Would remove:\n  sims/_output/\n  report/\n  .mreorg/\n');
  const asked = await rig.run(['clean']);
  assert.is(asked.code, 2);
  assert.match(asked.stdout, /^  report\/$/m);
  assert.match(asked.stderr, /^mreorg: Not on a terminal, so not asking: run "mreorg clean --yes" to remove these\.$/m);
  for (const kept of ['sims/_output', 'report/index.html', '.mreorg/ledger.json']) assert.ok(rig.exists(kept), kept);
}));

/** Runs `mreorg clean` on a pseudo-terminal (util-linux `script`), answering the prompt with `answer`. */
function onTerminal(answer: string): Promise<{ code: number | null; out: string }> {
  const env = { ...process.env, MREORG_PYTHON: PYTHON, NO_COLOR: '1' };
  const child = spawn('script', ['-qec', `'${process.execPath}' '${cliPath}' clean`, '/dev/null'], { cwd: rig.dir, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let answered = false;
  child.stdout.on('data', (d) => {
    out += d;
    if (!answered && out.includes('[y/N]')) {
      answered = true;
      child.stdin.write(`${answer}\n`);
    }
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out })));
}

test('on a terminal it asks: anything but y keeps everything, y removes', withTimeout(T, async () => {
  await builtProject();
  const no = await onTerminal('n');
  assert.is(no.code, 0, no.out);
  assert.match(no.out, /Remove these 2\? \[y\/N\]/);
  assert.match(no.out, /Nothing removed\./);
  assert.ok(rig.exists('sims/_output') && rig.exists('report/index.html'));
  const yes = await onTerminal('y');
  assert.is(yes.code, 0, yes.out);
  assert.match(yes.out, /Removed 2 items\./);
  assert.not.ok(rig.exists('sims/_output') || rig.exists('report'));
}));

test('a report folder mreorg did not write is refused (exit 2) and nothing is removed', withTimeout(T, async () => {
  rig.write({ 'mreorg.config.ts': "export default { report: { dir: 'docs' } };\n", 'a.py': 'pass\n', '_output/fig.png': 'x', 'docs/index.html': '<h1>my notes</h1>' });
  const r = await rig.run(['clean', '--yes']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /^mreorg: The report folder \S+\/docs holds no \.mreorg-report or \.mreorg-signature or \.mreorg-report\.json: it is not a report mreorg wrote, so mreorg clean removes nothing\.[^\n]*$/m);
  assert.ok(rig.exists('docs/index.html') && rig.exists('_output/fig.png'));
}));

test('files of the user\'s in the report folder are kept and named; the report\'s own files go', withTimeout(T, async () => {
  await builtProject();
  rig.write({ 'report/CNAME': 'lab.example.org\n' });
  const r = await rig.run(['clean', '--yes']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Kept report\/CNAME: not made by mreorg\.$/m);
  assert.equal(fs.readdirSync(rig.path('report')), ['CNAME']);
  assert.is((await rig.run(['clean', '--yes'])).stdout, 'Nothing to clean.\n');
}));

test('nothing outside the project: a folder linked in from outside, a symlinked _output, links inside _output', withTimeout(T, async () => {
  const write = (rel: string, text: string): void => {
    fs.mkdirSync(path.dirname(path.join(outside, rel)), { recursive: true });
    fs.writeFileSync(path.join(outside, rel), text);
  };
  write('ext/s.py', 'pass\n');
  write('ext/_output/fig.png', 'x');
  write('shared/fig.png', 'x');
  write('precious/data.csv', '1\n');
  // The monitor follows folder links out of the project (followSymlinks), so clean must not.
  rig.write({
    'mreorg.config.ts': "export default { monitor: [{ dir: '.', recurse: true, autoTrack: true, followSymlinks: true }] };\n",
    'a/a.py': 'pass\n',
    'b/b.py': 'pass\n',
    'b/_output/own.png': 'x',
  });
  fs.symlinkSync(path.join(outside, 'ext'), rig.path('linked'));
  fs.symlinkSync(path.join(outside, 'shared'), rig.path('a/_output'));
  fs.symlinkSync(path.join(outside, 'precious'), rig.path('b/_output/link'));
  const st = await rig.json(['status']);
  assert.ok(st.doc.scripts.some((s: any) => s.path === 'linked/s.py'), 'discovery follows the linked folder');
  const r = await rig.run(['clean', '--yes']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Kept a\/_output: it is a symbolic link\.$/m);
  assert.match(r.stdout, /^Kept linked\/_output\/: it is outside the project folder\.$/m);
  assert.match(r.stdout, /^Removing:\n  b\/_output\/\nRemoved 1 item\.\n$/m);
  assert.not.ok(rig.exists('b/_output'));
  for (const kept of ['ext/_output/fig.png', 'shared/fig.png', 'precious/data.csv']) assert.ok(fs.existsSync(path.join(outside, kept)), kept);
  assert.ok(fs.lstatSync(rig.path('a/_output')).isSymbolicLink());
}));

test.run();
