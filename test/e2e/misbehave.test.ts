/** Scripts that misbehave are recorded truthfully, and mreorg carries on. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { withTimeout } from '../helpers/timeout.js';
import { Rig, entry, isRunning } from '../helpers/rig.js';

const T = 120_000;
const test = suite('misbehave');
let rig: Rig;
test.before.each(() => {
  rig = new Rig();
});
test.after.each(() => rig.cleanup());

test(
  'signals, aborts, os._exit, stdin, self-deletion, bad bytes, chdir and leftovers: each recorded, the build goes on',
  withTimeout(T, async () => {
    rig.write({
      'segv.py': 'import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n',
      'abort.py': 'import os\nos.abort()\n',
      'exit5.py': 'import os\nprint("before", flush=True)\nos._exit(5)\n',
      'stdin.py': 'import sys\ndata = sys.stdin.read()\nprint("got", len(data))\n',
      'selfdel/selfdelete.py': 'import os, shutil\nshutil.rmtree(os.path.dirname(os.path.abspath(__file__)))\nprint("gone")\n',
      'gone/inner.py': 'import os, shutil\nhere = os.path.dirname(os.path.abspath(__file__))\nos.chdir("/")\nshutil.rmtree(here)\nprint("folder gone")\n',
      'bytes.py': 'import sys\nsys.stdout.buffer.write(b"ok \\xff\\xfe bad\\n")\n',
      'chdir.py': 'import os\nos.chdir("/")\nopen("/dev/null").close()\nprint(os.getcwd())\n',
      'daemon.py': [
        'import subprocess, sys, os',
        'p = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"], start_new_session=True)',
        'open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "daemon.pid"), "w").write(str(p.pid))',
        'print("left a daemon")',
      ].join('\n'),
      'fine.py': 'print("fine")\n',
    });
    const b = await rig.json(['build', '-j', '2'], { timeoutMs: 90_000 });
    const e = (p: string) => entry(b.doc, p);
    assert.is(e('segv.py').result, 'failed');
    assert.is(e('segv.py').error.type, 'Signal');
    assert.match(e('segv.py').error.message, /SIGSEGV/);
    assert.is(e('abort.py').result, 'failed');
    assert.match(e('abort.py').error.message, /SIGABRT/);
    assert.is(e('exit5.py').result, 'failed');
    assert.is(e('exit5.py').exitCode, 5);
    assert.is(e('stdin.py').result, 'success');
    assert.is(e('selfdel/selfdelete.py').result, 'success');
    assert.is(e('gone/inner.py').result, 'success');
    assert.is(e('bytes.py').result, 'success');
    assert.is(e('chdir.py').result, 'success');
    assert.is(e('daemon.py').result, 'success');
    assert.is(e('fine.py').result, 'success');
    const show = async (p: string) => (await rig.json(['show', p])).doc.runs[0];
    assert.is((await show('exit5.py')).stdout, 'before\n');
    assert.is((await show('stdin.py')).stdout, 'got 0\n');
    assert.is((await show('bytes.py')).stdout, 'ok \ufffd\ufffd bad\n');
    assert.is((await show('chdir.py')).stdout, '/\n');
    const daemonPid = Number(rig.read('daemon.pid'));
    assert.not.ok(isRunning(daemonPid), 'the process the script left behind was stopped');
    assert.match((await show('daemon.py')).stderr, /stopped 1 process/);
  }),
);

test(
  'a timeout also stops a grandchild that moved to its own session and was re-parented; elapsed time and output kept',
  withTimeout(T, async () => {
    rig.write({
      'mreorg.config.ts': 'export default { runconfigs: { std: { timeout: 2 } } };\n',
      'spawner.py': [
        'import subprocess, sys, time',
        // The middle process starts a grandchild in a new session, then exits: the grandchild is re-parented.
        'mid = "import subprocess, sys; p = subprocess.Popen([sys.executable, \'-c\', \'import time; time.sleep(300)\'], start_new_session=True); open(\'grand.pid\', \'w\').write(str(p.pid))"',
        'subprocess.run([sys.executable, "-c", mid], check=True)',
        'print("spawned", flush=True)',
        'time.sleep(300)',
      ].join('\n'),
    });
    const b = await rig.json(['build']);
    const e = entry(b.doc, 'spawner.py');
    assert.is(e.result, 'timeout');
    assert.ok(e.durationMs >= 2000, `recorded ${e.durationMs} ms`);
    assert.match(e.error.message, /timed out after 2 s/);
    const grand = Number(rig.read('grand.pid'));
    assert.not.ok(isRunning(grand), `grandchild ${grand} survived the timeout`);
    assert.is((await rig.json(['show', 'spawner.py'])).doc.runs[0].stdout, 'spawned\n');
  }),
);

test(
  'huge output: bounded head and tail with a marker in the ledger, the whole stream in a log file, mreorg memory flat',
  withTimeout(T, async () => {
    rig.write({
      'mreorg.config.ts': 'export default { output: { maxBytes: 10000 } };\n',
      'loud.py': [
        'import sys',
        'sys.stdout.write("FIRST LINE\\n")',
        'line = ("x" * 1023 + "\\n").encode()',
        'for i in range(200 * 1024):',  // 200 MiB
        '    sys.stdout.buffer.write(line)',
        'sys.stdout.write("LAST LINE\\n")',
      ].join('\n'),
    });
    // Under /usr/bin/time: mreorg's peak memory must not follow the 200 MiB the script prints.
    const { cliPath, PYTHON } = await import('../helpers/rig.js');
    const { spawnSync } = await import('node:child_process');
    const timed = spawnSync('/usr/bin/time', ['-f', 'MAXRSS %M', process.execPath, cliPath, 'build', '--no-report'], {
      cwd: rig.dir,
      env: { ...process.env, MREORG_PYTHON: PYTHON, CI: '' },
      encoding: 'utf8',
      timeout: 110_000,
    });
    assert.is(timed.status, 0, timed.stderr);
    const maxRssKb = Number(/MAXRSS (\d+)/.exec(timed.stderr)?.[1]);
    assert.ok(maxRssKb > 0 && maxRssKb < 150 * 1024, `mreorg peaked at ${maxRssKb} KB while the script printed 200 MiB`);
    const run = (await rig.json(['show', 'loud.py'])).doc.runs[0];
    assert.ok(run.stdout.startsWith('FIRST LINE\n'));
    assert.ok(run.stdout.endsWith('LAST LINE\n'));
    assert.ok(run.stdout.length < 12_000, `kept ${run.stdout.length} chars`);
    assert.match(run.stdout, /\[\.\.\. \d+ bytes dropped by mreorg; full output in the log file \.\.\.\]/);
    const total = 11 + 200 * 1024 * 1024 + 10;
    assert.is(fs.statSync(rig.path(run.stdoutLog)).size, total);
    const hist = fs.readdirSync(rig.path('.mreorg/runs'));
    const size = fs.statSync(rig.path(`.mreorg/runs/${hist[0]}`)).size;
    assert.ok(size < 40_000, `history file is ${size} bytes`);
  }),
);

test(
  'environment variables outside the runconfig never reach the ledger or the report',
  withTimeout(T, async () => {
    rig.write({ 'mreorg.config.ts': "export default { runconfigs: { std: { env: { VISIBLE: 'yes' } } } };\n", 'a.py': 'import os\nprint(os.environ["VISIBLE"])\n' });
    const res = await rig.run(['build'], { env: { LAB_SECRET_TOKEN: 's3cr3t-9f8e7d' } });
    assert.is(res.code, 0, res.stderr);
    const grep = (dir: string): string[] => {
      const hits: string[] = [];
      const walk = (d: string): void => {
        for (const f of fs.readdirSync(d, { withFileTypes: true })) {
          const p = `${d}/${f.name}`;
          if (f.isDirectory()) walk(p);
          else if (fs.readFileSync(p).includes('s3cr3t-9f8e7d')) hits.push(p);
        }
      };
      walk(dir);
      return hits;
    };
    assert.equal(grep(rig.path('.mreorg')), []);
    assert.equal(grep(rig.path('report')), []);
    assert.ok(rig.read('.mreorg/ledger.json').includes('VISIBLE'));
  }),
);

test(
  'paths: spaces, unicode, quotes, very long names, symlinked scripts and folders, a symlink loop',
  withTimeout(T, async () => {
    const long = 'l'.repeat(200);
    rig.write({
      'with space/a b.py': 'print("space")\n',
      'ünï/çødé ✓.py': 'print("unicode")\n',
      [`q/it's "quoted".py`]: 'print("quoted")\n',
      [`${long}/${long}.py`]: 'print("long")\n',
      'real/target.py': 'print("target")\n',
    });
    fs.symlinkSync(rig.path('real/target.py'), rig.path('linked.py'));
    fs.symlinkSync(rig.path('real'), rig.path('linkdir'));
    fs.symlinkSync('..', rig.path('real/loop'));
    const b = await rig.json(['build'], { timeoutMs: 60_000 });
    assert.is(b.res.code, 0, b.res.stderr);
    for (const p of ['with space/a b.py', 'ünï/çødé ✓.py', `q/it's "quoted".py`, `${long}/${long}.py`, 'real/target.py', 'linked.py']) {
      assert.is(entry(b.doc, p).result, 'success', p);
    }
    const out = (await rig.json(['show', 'ünï/çødé ✓.py'])).doc.runs[0].stdout;
    assert.is(out, 'unicode\n');
    assert.ok(rig.exists('report/index.html'));
  }),
);

test(
  'a read-only report folder: runs are kept, the error names the folder, exit code 1',
  withTimeout(T, async () => {
    if (process.getuid?.() === 0) {
      // root ignores file modes; make the report path an existing file instead, which nobody can write into.
      rig.write({ 'mreorg.config.ts': "export default { report: { dir: 'blocked/report' } };\n", blocked: 'a file, not a folder\n', 'a.py': '' });
    } else {
      rig.write({ 'a.py': '' });
      fs.mkdirSync(rig.path('report'));
      fs.chmodSync(rig.path('report'), 0o500);
    }
    const res = await rig.run(['build']);
    assert.is(res.code, 1, res.stderr);
    assert.match(res.stderr, /report/i);
    assert.not.match(res.stderr, /\n\s+at /);
    assert.is(JSON.parse(rig.read('.mreorg/ledger.json')).latest['a.py'].default.result, 'success');
  }),
);

/** Whether a small tmpfs can be mounted here (root): decided before the test, so without it the test is skipped. */
function canMountTmpfs(): boolean {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mreorg-mount-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'ignore' });
    execFileSync('umount', [dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// Without root the case cannot be set up: uvu reports it as skipped, never as passed.
(canMountTmpfs() ? test : test.skip)(
  'a full disk on ledger write: exit 1, a clear message, the previous ledger intact',
  withTimeout(T, async () => {
    const mnt = rig.path('tinydisk');
    fs.mkdirSync(mnt);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mnt], { stdio: 'ignore' });
    try {
      rig.write({ 'mreorg.config.ts': "export default { ledger: 'tinydisk/ledger.json', monitor: [{ dir: 'sims', autoTrack: true }] };\n", 'sims/a.py': 'print("v1")\n' });
      const first = await rig.run(['build', '--no-report']);
      assert.is(first.code, 0, first.stderr);
      const before = rig.read('tinydisk/ledger.json');
      // Fill the disk, then make the script stale and print a lot, so the run's record cannot be written.
      try {
        execFileSync('dd', ['if=/dev/zero', `of=${mnt}/filler`, 'bs=4k'], { stdio: 'ignore' });
      } catch {
        // dd ends with ENOSPC: that is the point.
      }
      rig.write({ 'sims/a.py': 'print("v2 " * 20000)\n' });
      const res = await rig.run(['build', '--no-report']);
      assert.is(res.code, 1, res.stdout + res.stderr);
      assert.match(res.stderr, /Could not write the ledger .*ledger\.json: .*ENOSPC/);
      assert.not.match(res.stderr, /\n\s+at /);
      assert.is(rig.read('tinydisk/ledger.json'), before);
    } finally {
      execFileSync('umount', ['-l', mnt], { stdio: 'ignore' });
    }
  }),
);

test.run();
