/** `mreorg build` end to end: real CLI, real python3, temp projects. */
import fs from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { withTimeout } from '../helpers/timeout.js';
import { Rig, entry, isRunning, ranPaths } from '../helpers/rig.js';

const T = 90_000;
const test = suite('build');
let rig: Rig;
test.before.each(() => {
  rig = new Rig();
});
test.after.each(() => rig.cleanup());

test(
  'first build runs every script, second runs nothing, results in the ledger',
  withTimeout(T, async () => {
    rig.write({
      'a.py': 'print("hello from a")\n',
      'sub/b.py': 'import sys\nprint("b err", file=sys.stderr)\n',
    });
    const first = await rig.json(['build']);
    assert.is(first.res.code, 0, first.res.stderr);
    assert.equal(ranPaths(first.doc), ['a.py', 'sub/b.py']);
    assert.is(first.doc.ok, true);
    assert.is(first.doc.counts.success, 2);
    assert.is(entry(first.doc, 'a.py').result, 'success');
    assert.equal(entry(first.doc, 'a.py').reasons, ['never run under runconfig default']);
    const ledger = JSON.parse(rig.read('.mreorg/ledger.json'));
    assert.is(ledger.latest['a.py'].default.result, 'success');

    const second = await rig.json(['build']);
    assert.is(second.res.code, 0);
    assert.equal(ranPaths(second.doc), []);
    assert.is(second.doc.counts.upToDate, 2);

    const shown = await rig.json(['show', 'a.py']);
    assert.is(shown.doc.runs.length, 1);
    assert.is(shown.doc.runs[0].stdout, 'hello from a\n');
    const shownB = await rig.json(['show', 'sub/b.py']);
    assert.is(shownB.doc.runs[0].stderr, 'b err\n');
  }),
);

test(
  'content change reruns with the reason; a touch does not; --force reruns everything',
  withTimeout(T, async () => {
    rig.write({ 'a.py': 'x = 1\n', 'b.py': 'y = 2\n' });
    await rig.run(['build']);
    const past = new Date(Date.now() + 5000);
    fs.utimesSync(rig.path('b.py'), past, past);
    rig.write({ 'a.py': 'x = 2\n' });
    const st = await rig.json(['status']);
    assert.is(entry(st.doc, 'a.py').state, 'changed');
    assert.equal(entry(st.doc, 'a.py').reasons, ['a.py changed']);
    assert.is(entry(st.doc, 'b.py').state, 'up-to-date');
    const b = await rig.json(['build']);
    assert.equal(ranPaths(b.doc), ['a.py']);
    const f = await rig.json(['build', '--force']);
    assert.equal(ranPaths(f.doc), ['a.py', 'b.py']);
  }),
);

test(
  'a failing script: recorded with its exception, exit code 1, not rerun by a plain build (which still fails: it is still failing); --retry-failed reruns it',
  withTimeout(T, async () => {
    rig.write({ 'ok.py': 'pass\n', 'bad.py': 'def f():\n    raise ValueError("no spikes found")\nf()\n' });
    const b = await rig.json(['build']);
    assert.is(b.res.code, 1);
    assert.is(b.doc.ok, false);
    const bad = entry(b.doc, 'bad.py');
    assert.is(bad.result, 'failed');
    assert.is(bad.exitCode, 1);
    assert.equal(bad.error, { type: 'ValueError', message: 'no spikes found' });
    assert.match(b.res.stderr, /bad\.py: ValueError: no spikes found/);
    const again = await rig.json(['build']);
    assert.equal(ranPaths(again.doc), []);
    assert.is(again.res.code, 1);
    assert.is(again.doc.counts.stillFailing, 1);
    assert.is(entry((await rig.json(['status'])).doc, 'bad.py').state, 'failed');
    const retry = await rig.json(['build', '--retry-failed']);
    assert.equal(ranPaths(retry.doc), ['bad.py']);
    const shown = await rig.json(['show', 'bad.py']);
    assert.is(shown.doc.runs.length, 2);
    assert.is(shown.doc.runs[0].error.frames.at(-1).function, 'f');
  }),
);

test(
  'sys.exit codes: 3 is a failure with exit code 3, 0 is a success',
  withTimeout(T, async () => {
    rig.write({ 'three.py': 'import sys\nsys.exit(3)\n', 'zero.py': 'import sys\nsys.exit(0)\n' });
    const b = await rig.json(['build']);
    assert.is(entry(b.doc, 'three.py').result, 'failed');
    assert.is(entry(b.doc, 'three.py').exitCode, 3);
    assert.is(entry(b.doc, 'zero.py').result, 'success');
  }),
);

test(
  'runconfig env set and unset, argv, cwd = the script folder; env change reruns',
  withTimeout(T, async () => {
    rig.write({
      'mreorg.config.ts': `export default {
        runconfigs: {
          std: { env: { MF_QUICK: null, LEVEL: 'full' }, argv: [] },
          short: { timeout: 30, env: { MF_QUICK: '' }, argv: ['--quick', 'two words'] },
        },
        defaultRunconfig: 'std',
      };\n`,
      'sims/env.py': 'import os, sys, json\nprint(json.dumps({"quick": os.environ.get("MF_QUICK"), "level": os.environ.get("LEVEL"), "argv": sys.argv[1:], "cwd": os.getcwd(), "noshow": "MREORG_NOSHOW" in os.environ, "backend": os.environ.get("MPLBACKEND")}))\n',
    });
    const out = async (rc: string): Promise<any> => JSON.parse((await rig.json(['show', 'sims/env.py', '-r', rc])).doc.runs[0].stdout);
    await rig.run(['build'], { env: { MF_QUICK: 'from-shell' } });
    const std = await out('std');
    assert.equal(std, { quick: null, level: 'full', argv: [], cwd: rig.path('sims'), noshow: true, backend: 'Agg' });
    const s = await rig.json(['build', '-r', 'short']);
    assert.equal(ranPaths(s.doc), ['sims/env.py']);
    assert.is(s.doc.runconfig, 'short');
    const short = JSON.parse((await rig.json(['show', 'sims/env.py'])).doc.runs[0].stdout);
    assert.equal(short.quick, '');
    assert.equal(short.argv, ['--quick', 'two words']);
    // Status is per runconfig: both are now up to date, independently.
    assert.equal(ranPaths((await rig.json(['build', '-r', 'std'])).doc), []);
    rig.write({ 'mreorg.config.ts': rig.read('mreorg.config.ts').replace("LEVEL: 'full'", "LEVEL: 'half'") });
    const st = await rig.json(['status']);
    assert.equal(entry(st.doc, 'sims/env.py').reasons, ['runconfig env LEVEL changed']);
  }),
);

test(
  'timeout kills the script and the child it spawned, records timeout',
  withTimeout(T, async () => {
    rig.write({
      'mreorg.config.ts': 'export default { runconfigs: { quick: { timeout: 1.5 } } };\n',
      'slow.py': [
        'import subprocess, sys, time, os',
        'child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])',
        'open("child.pid", "w").write(str(child.pid))',
        'print("started child", flush=True)',
        'time.sleep(120)',
      ].join('\n'),
    });
    const t0 = Date.now();
    const b = await rig.json(['build']);
    assert.ok(Date.now() - t0 < 30_000, 'the build ended soon after the timeout');
    assert.is(b.res.code, 1);
    const e = entry(b.doc, 'slow.py');
    assert.is(e.result, 'timeout');
    assert.is(e.error.type, 'Timeout');
    const pid = Number(rig.read('child.pid'));
    assert.not.ok(isRunning(pid), `child ${pid} of the timed-out script is still running`);
    const shown = await rig.json(['show', 'slow.py']);
    assert.is(shown.doc.runs[0].stdout, 'started child\n');
  }),
);

test(
  'PATHS limit the build to those scripts or folders; --dry-run runs nothing',
  withTimeout(T, async () => {
    rig.write({ 'a.py': '', 'dir/b.py': '', 'dir/c.py': '' });
    const dry = await rig.json(['build', '-n']);
    assert.is(dry.doc.dryRun, true);
    assert.equal(ranPaths(dry.doc), []);
    assert.not.ok(rig.exists('.mreorg/ledger.json'));
    const d = await rig.json(['build', 'dir']);
    assert.equal(ranPaths(d.doc), ['dir/b.py', 'dir/c.py']);
    const a = await rig.json(['build', 'a.py']);
    assert.equal(ranPaths(a.doc), ['a.py']);
    const outside = await rig.run(['build', '/etc/passwd']);
    assert.is(outside.code, 2);
    assert.match(outside.stderr, /outside the project/);
  }),
);

test(
  '--fail-fast starts nothing new after the first failure',
  withTimeout(T, async () => {
    rig.write({ 'a1.py': 'raise SystemExit(2)\n', 'b2.py': 'pass\n', 'c3.py': 'pass\n' });
    const b = await rig.json(['build', '-j', '1', '--fail-fast']);
    assert.is(b.res.code, 1);
    assert.equal(ranPaths(b.doc), ['a1.py']);
  }),
);

test(
  'scripts run in parallel up to -j, never more',
  withTimeout(T, async () => {
    const files: Record<string, string> = {};
    const body = 'import time, os\nt0 = time.time()\ntime.sleep(0.8)\nopen(os.path.basename(__file__) + ".span", "w").write(f"{t0} {time.time()}")\n';
    for (const n of ['a', 'b', 'c', 'd', 'e', 'f']) files[`${n}.py`] = body;
    rig.write(files);
    const maxOverlap = (): number => {
      const spans = ['a', 'b', 'c', 'd', 'e', 'f'].map((n) => rig.read(`${n}.py.span`).split(' ').map(Number) as [number, number]);
      return Math.max(...spans.map(([s]) => spans.filter(([s2, e2]) => s2 <= s && s < e2).length));
    };
    const b = await rig.json(['build', '-j', '3']);
    assert.is(b.doc.counts.success, 6);
    assert.is(maxOverlap(), 3);
    await rig.json(['build', '-j', '1', '--force']);
    assert.is(maxOverlap(), 1);
  }),
);

test.run();
