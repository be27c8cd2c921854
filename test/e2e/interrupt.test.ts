/** Interrupts, crashes of mreorg itself, and two builds at once: nothing finished is lost, nothing runs twice. */
import fs from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { withTimeout } from '../helpers/timeout.js';
import { Rig, entry, isRunning, ranPaths, twoBuildsAtOnce } from '../helpers/rig.js';

const T = 90_000;
const test = suite('interrupt');
let rig: Rig;
test.before.each(() => {
  rig = new Rig();
});
test.after.each(() => {
  // Never leave a sleeping process behind, whatever the test did.
  rig.killLeftovers();
  rig.cleanup();
});

const SLOW = [
  'import os, subprocess, sys, time',
  'child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])',
  'open("slow_child.pid", "w").write(str(child.pid))',
  'open("slow.pid", "w").write(str(os.getpid()))',
  'print("slow started", flush=True)',
  'time.sleep(300)',
].join('\n');

function ledger(): any {
  return JSON.parse(rig.read('.mreorg/ledger.json'));
}

// SIGHUP: the terminal was closed.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  test(
    `${sig} during a build: running scripts and their children stop, runs recorded as interrupted, finished kept, exit 130`,
    withTimeout(T, async () => {
      rig.write({ 'fast.py': 'print("fast done")\n', 'slow.py': SLOW });
      const { child, done } = rig.start(['build', '-j', '2']);
      await rig.until('fast.py recorded and slow.py running', () => {
        try {
          // slow.pid is written after slow_child.pid: wait for both, or a loaded machine can signal in between.
          return ledger().latest['fast.py']?.default?.result === 'success' && rig.exists('slow_child.pid') && rig.exists('slow.pid');
        } catch {
          return false;
        }
      });
      const t0 = Date.now();
      child.kill(sig);
      const res = await done;
      assert.is(res.code, 130, res.stderr);
      assert.ok(Date.now() - t0 < 10_000, 'stopped within a few seconds');
      const l = ledger();
      assert.is(l.latest['fast.py'].default.result, 'success');
      assert.is(l.latest['slow.py'].default.result, 'interrupted');
      assert.not.ok(isRunning(Number(rig.read('slow.pid'))), 'the script was stopped');
      assert.not.ok(isRunning(Number(rig.read('slow_child.pid'))), "the script's child was stopped");
      assert.ok(rig.exists('report/index.html'), 'the report was written');
      assert.equal(fs.readdirSync(rig.path('.mreorg/claims')), [], 'claims released');
      // The next build reruns only what did not finish.
      rig.write({ 'slow.py': 'print("quick now")\n' });
      const next = await rig.json(['build']);
      assert.equal(ranPaths(next.doc), ['slow.py']);
    }),
  );
}

test(
  'the terminal closes during a build: scripts stopped, runs recorded as interrupted, claims released, no crash',
  withTimeout(T, async () => {
    rig.write({ 'fast.py': 'print("fast done")\nopen("fast.done", "w").close()\n', 'slow.py': SLOW });
    // mreorg runs on a real pseudo-terminal, as in a terminal window; closing the master side hangs it up. It is
    // closed once fast.py is over (and a moment more for mreorg to record it, on a loaded machine too).
    const driver = [
      'import json, os, pty, select, sys, time',
      'pid, fd = pty.fork()',
      'if pid == 0:',
      '    os.execv(sys.argv[1], sys.argv[1:])',
      'until = None',
      'while until is None or time.time() < until:',
      '    if until is None and os.path.exists("slow_child.pid") and os.path.exists("fast.done"):',
      '        until = time.time() + 1.5',
      '    if select.select([fd], [], [], 0.05)[0]:',
      '        os.read(fd, 65536)  # what mreorg prints, so it never blocks on a full terminal',
      'os.close(fd)',
      '_, status = os.waitpid(pid, 0)',
      'print(json.dumps({"code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,',
      '                  "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None}))',
    ].join('\n');
    const { cliPath, PYTHON } = await import('../helpers/rig.js');
    const { spawn } = await import('node:child_process');
    const child = spawn(PYTHON, ['-c', driver, process.execPath, cliPath, 'build', '-j', '2'], {
      cwd: rig.dir,
      env: { ...process.env, MREORG_PYTHON: PYTHON, NO_COLOR: '1', CI: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    await new Promise((r) => child.on('close', r));
    const status = JSON.parse(out.trim().split('\n').pop()!) as { code: number | null; signal: number | null };
    // 130 as for Ctrl-C, or ended by SIGHUP (1) as programs whose terminal is gone are; never an abort (6).
    assert.ok(status.code === 130 || status.signal === 1, `mreorg ended with ${JSON.stringify(status)}: ${out}`);
    const l = ledger();
    assert.is(l.latest['fast.py'].default.result, 'success');
    assert.is(l.latest['slow.py'].default.result, 'interrupted');
    assert.not.ok(isRunning(Number(rig.read('slow.pid'))), 'the script was stopped');
    assert.not.ok(isRunning(Number(rig.read('slow_child.pid'))), "the script's child was stopped");
    assert.equal(fs.readdirSync(rig.path('.mreorg/claims')), [], 'claims released');
  }),
);

test(
  'a second Ctrl-C quits at once and still leaves a valid ledger',
  withTimeout(T, async () => {
    rig.write({
      'fast.py': '',
      // Ignores SIGTERM, so the first Ctrl-C alone would take the whole grace period.
      'stubborn.py': 'import signal, time, os\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nopen("stubborn.pid","w").write(str(os.getpid()))\ntime.sleep(300)\n',
    });
    const { child, done } = rig.start(['build', '-j', '2']);
    await rig.until('stubborn.py running', () => rig.exists('stubborn.pid') && rig.exists('.mreorg/ledger.json'));
    child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGINT');
    const res = await done;
    assert.is(res.code, 130);
    JSON.parse(rig.read('.mreorg/ledger.json'));
    await rig.until('the stubborn script is killed', () => !isRunning(Number(rig.read('stubborn.pid'))), 5000);
  }),
);

test(
  'mreorg killed with SIGKILL: the ledger is the last complete write; the next build reruns only the unfinished script',
  withTimeout(T, async () => {
    rig.write({ 'a.py': '', 'b.py': '', 'slow.py': SLOW });
    const { child, done } = rig.start(['build', '-j', '3']);
    await rig.until('a and b recorded, slow running', () => {
      try {
        const l = ledger();
        return l.latest['a.py'] && l.latest['b.py'] && rig.exists('slow_child.pid');
      } catch {
        return false;
      }
    }).catch((e) => {
      throw new Error(`${e.message}; ledger: ${rig.exists('.mreorg/ledger.json') ? Object.keys(ledger().latest) : 'none'}; files: ${fs.readdirSync(rig.dir)}`);
    });
    child.kill('SIGKILL');
    await done;
    process.kill(Number(rig.read('slow.pid')), 'SIGKILL');
    process.kill(Number(rig.read('slow_child.pid')), 'SIGKILL');
    const st = await rig.json(['status']);
    assert.is(entry(st.doc, 'slow.py').state, 'never-run');
    assert.ok(entry(st.doc, 'slow.py').reasons.some((r: string) => /did not finish/.test(r)), JSON.stringify(entry(st.doc, 'slow.py')));
    rig.write({ 'slow.py': 'pass\n' });
    const next = await rig.json(['build']);
    assert.equal(ranPaths(next.doc), ['slow.py'], JSON.stringify(next.doc.scripts));
  }),
);

test(
  'a ledger that does not parse is kept aside, reported, and not silently replaced',
  withTimeout(T, async () => {
    rig.write({ 'a.py': '' });
    await rig.run(['build']);
    const broken = '{"version":1,"tracked":[],"untra';
    rig.write({ '.mreorg/ledger.json': broken });
    const b = await rig.json(['build']);
    assert.match(b.res.stderr + b.res.stdout, /does not parse \(.*\); it was kept aside as .*ledger\.json\.corrupt-/);
    const aside = fs.readdirSync(rig.path('.mreorg')).filter((f) => f.startsWith('ledger.json.corrupt-'));
    assert.is(aside.length, 1);
    assert.is(rig.read(`.mreorg/${aside[0]}`), broken);
    assert.equal(ranPaths(b.doc), ['a.py']);
  }),
);

test(
  'a ledger from a newer mreorg is refused with exit code 2 and left untouched',
  withTimeout(T, async () => {
    const newer = JSON.stringify({ version: 99, tracked: [], untracked: [], latest: {} });
    rig.write({ 'a.py': '', '.mreorg/ledger.json': newer });
    const r = await rig.run(['build']);
    assert.is(r.code, 2);
    assert.match(r.stderr, /written by a newer mreorg \(ledger version 99/);
    assert.is(rig.read('.mreorg/ledger.json'), newer);
  }),
);

test(
  'two builds at once share the work: each script runs once, both results are kept',
  withTimeout(T, async () => {
    const names = ['s1', 's2', 's3', 's4', 's5', 's6'];
    const { results: [r1, r2], ranTimes } = await twoBuildsAtOnce(rig, names, 0.4);
    assert.is(r1!.code, 0, r1!.stderr);
    assert.is(r2!.code, 0, r2!.stderr);
    for (const n of names) assert.is(ranTimes[n], 1, `${n} ran ${ranTimes[n]} times`);
    assert.is(JSON.parse(r1!.stdout).counts.ran + JSON.parse(r2!.stdout).counts.ran, names.length);
    const l = ledger();
    for (const n of names) assert.is(l.latest[`${n}.py`].default.result, 'success');
    assert.equal(ranPaths((await rig.json(['build'])).doc), []);
  }),
);

test(
  'a build killed with SIGKILL does not block the next one (stale claims and locks are taken over)',
  withTimeout(T, async () => {
    rig.write({ 'slow.py': SLOW });
    const { child, done } = rig.start(['build']);
    await rig.until('slow running', () => rig.exists('slow_child.pid'));
    child.kill('SIGKILL');
    await done;
    process.kill(Number(rig.read('slow.pid')), 'SIGKILL');
    process.kill(Number(rig.read('slow_child.pid')), 'SIGKILL');
    // A leftover ledger lock of a dead build, too.
    rig.write({ '.mreorg/ledger.json.lock': JSON.stringify({ pid: 999999, host: (await import('node:os')).hostname(), at: new Date().toISOString() }) });
    rig.write({ 'slow.py': 'pass\n' });
    const next = await rig.json(['build'], { timeoutMs: 30_000 });
    assert.is(next.res.code, 0, next.res.stderr);
    assert.equal(ranPaths(next.doc), ['slow.py']);
  }),
);

test.run();
