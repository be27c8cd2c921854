/**
 * Processes that try to outlive their run: a double fork into a new session with the streams closed, and a daemon
 * that clears its environment (so the run's token is gone). Each is stopped whether the script ends normally or
 * times out, both with a per-run cgroup (where the machine allows one) and with the /proc fallback.
 */
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { withTimeout } from '../helpers/timeout.js';
import { Rig, entry, isRunning } from '../helpers/rig.js';

const T = 90_000;
const test = suite('escape');
let rig: Rig;
test.before.each(() => {
  rig = new Rig();
});
test.after.each(() => {
  // Never leave a sleeping process behind, whatever the test did.
  rig.killLeftovers();
  rig.cleanup();
});

/**
 * A script whose grandchild detaches the classic way (fork, setsid, fork, stdio to /dev/null), writes its pid to
 * `pidFile` and becomes `sleep 1000`, with `env` as its whole environment. The script waits for the pid file, then
 * sleeps `linger` seconds and exits 0.
 */
function detacher(pidFile: string, env: string, linger: number): string {
  return [
    'import os, sys, time',
    `pid_file = os.path.join(os.path.dirname(os.path.abspath(__file__)), ${JSON.stringify(pidFile)})`,
    'if os.fork() == 0:',
    '    os.setsid()',
    '    if os.fork() == 0:',
    '        null = os.open(os.devnull, os.O_RDWR)',
    '        for fd in (0, 1, 2):',
    '            os.dup2(null, fd)',
    '        open(pid_file + ".tmp", "w").write(str(os.getpid()))',
    '        os.rename(pid_file + ".tmp", pid_file)',
    `        os.execve("/bin/sleep", ["sleep", "1000"], ${env})`,
    '    os._exit(0)',
    'os.wait()',
    'while not os.path.exists(pid_file):',
    '    time.sleep(0.01)',
    'print("detached", flush=True)',
    `time.sleep(${linger})`,
  ].join('\n');
}

/** Where the cgroup2 file system is mounted, or null. */
function cgroup2Mount(): string | null {
  const f = fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' '))
    .find((x) => x[x.indexOf('-') + 1] === 'cgroup2');
  return f?.[4] ?? null;
}

/** True when this process can make a cgroup v2 child of its own cgroup (what mreorg needs for a run's cgroup). */
function cgroupWritable(): boolean {
  try {
    const own = /^0::(.*)$/m.exec(fs.readFileSync('/proc/self/cgroup', 'utf8'))?.[1];
    const mount = cgroup2Mount();
    if (own === undefined || !mount) return false;
    const probe = path.join(mount, own, `escape-test-${process.pid}`);
    fs.mkdirSync(probe);
    fs.rmdirSync(probe);
    return true;
  } catch {
    return false;
  }
}

const MODES = [
  { name: 'per-run cgroup', env: {}, linger: 0 },
  // The fallback where no cgroup can be made: the process tree polled while the run lives (the script lingers a
  // second so the poll sees the tree once), and the run's token.
  { name: '/proc fallback', env: { MREORG_NO_CGROUP: '1' }, linger: 1 },
] as const;

for (const mode of MODES) {
  test(
    `${mode.name}: a double-forked daemon in its own session, streams on /dev/null, is stopped after the script exits 0`,
    withTimeout(T, async () => {
      rig.write({ 'detach.py': detacher('daemon.pid', 'dict(os.environ)', 0) });
      const b = await rig.json(['build'], { env: mode.env });
      assert.is(entry(b.doc, 'detach.py').result, 'success', b.res.stderr);
      const pid = Number(rig.read('daemon.pid'));
      assert.not.ok(isRunning(pid), `the detached sleep ${pid} is still running`);
      const run = (await rig.json(['show', 'detach.py'])).doc.runs[0];
      assert.match(run.stderr, /stopped 1 process\(es\) the script left running/);
    }),
  );

  test(
    `${mode.name}: a daemon that cleared its environment (no run token) is stopped after a normal exit and on timeout`,
    withTimeout(T, async () => {
      rig.write({
        'mreorg.config.ts': 'export default { runconfigs: { std: { timeout: 3 } } };\n',
        'normal.py': detacher('normal.pid', '{}', mode.linger),
        'slow.py': detacher('slow.pid', '{}', 300),
      });
      const b = await rig.json(['build', '-j', '2'], { env: mode.env });
      assert.is(entry(b.doc, 'normal.py').result, 'success', b.res.stderr);
      assert.is(entry(b.doc, 'slow.py').result, 'timeout', b.res.stderr);
      for (const f of ['normal.pid', 'slow.pid']) {
        const pid = Number(rig.read(f));
        assert.not.ok(isRunning(pid), `${f}: the daemon ${pid} with an empty environment is still running`);
      }
      const run = (await rig.json(['show', 'normal.py'])).doc.runs[0];
      assert.match(run.stderr, /stopped 1 process\(es\) the script left running/);
    }),
  );
}

test(
  'where the machine allows it, each run has its own cgroup from its first line on, removed after the build',
  withTimeout(T, async () => {
    if (!cgroupWritable()) {
      console.log('  (skipped: no writable cgroup v2 here; the /proc fallback is tested above)');
      return;
    }
    rig.write({ 'where.py': 'print(open("/proc/self/cgroup").read())\n' });
    const b = await rig.json(['build']);
    assert.is(entry(b.doc, 'where.py').result, 'success', b.res.stderr);
    const out = (await rig.json(['show', 'where.py'])).doc.runs[0].stdout as string;
    const cg = /^0::(.*)$/m.exec(out)?.[1] ?? '';
    assert.match(cg, /\/mreorg-\d+-[a-z0-9]+\/[^/]+$/, out);
    assert.not.ok(fs.existsSync(path.join(cgroup2Mount()!, path.dirname(cg))), "the build's cgroup folder was removed");
  }),
);

test.run();
