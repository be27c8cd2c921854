/** `mreorg queue` and `mreorg worker`: the queue from the terminal, workers that run it exactly once, crashes. */
import fs from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { withTimeout } from '../helpers/timeout.js';
import { Rig, entry, isRunning } from '../helpers/rig.js';

const T = 120_000;
const test = suite('queue');
let rig: Rig;
test.before.each(() => {
  rig = new Rig();
});
test.after.each(() => {
  rig.killLeftovers();
  rig.cleanup();
});

function queued(): Array<{ path: string; runconfig: string; status: string }> {
  return rig.exists('.mreorg/queue.json') ? JSON.parse(rig.read('.mreorg/queue.json')).entries : [];
}
function ledger(): any {
  return JSON.parse(rig.read('.mreorg/ledger.json'));
}
/** Each run leaves `<name>.ran.<pid>`: how many times each script ran. */
function ranTimes(names: string[]): Record<string, number> {
  const files = fs.readdirSync(rig.dir);
  return Object.fromEntries(names.map((n) => [n, files.filter((f) => f.startsWith(`${n}.ran.`)).length]));
}
const counting = (n: string, sleepS: number): string => `import os, time\nopen("${n}.ran." + str(os.getpid()), "w").close()\ntime.sleep(${sleepS})\n`;

test(
  'queue add, a second add is a no-op that says so, list, status shows queued, cancel and clear',
  withTimeout(T, async () => {
    rig.write({ 'a.py': 'print(1)\n', 'b.py': 'print(2)\n', 'sims/c.py': 'print(3)\n' });
    let res = await rig.run(['queue', 'add', 'a.py', 'sims']);
    assert.is(res.code, 0, res.stderr);
    assert.match(res.stdout, /queued\s+a\.py/);
    assert.match(res.stdout, /queued\s+sims\/c\.py/);
    res = await rig.run(['queue', 'add', 'a.py']);
    assert.is(res.code, 0, res.stderr);
    assert.match(res.stdout, /already queued\s+a\.py.*nothing to do/);
    assert.equal(queued().map((e) => e.path), ['a.py', 'sims/c.py'], 'each script once, in the order given');
    res = await rig.run(['queue', 'list']);
    assert.match(res.stdout, /1\. waiting a\.py[\s\S]*2\. waiting sims\/c\.py/);
    const { doc } = await rig.json(['status']);
    assert.is(entry(doc, 'a.py').queued, 'waiting');
    assert.is(entry(doc, 'b.py').queued, undefined);
    assert.match((await rig.run(['status'])).stdout, /a\.py\s+\(queued\)/);
    res = await rig.run(['queue', 'cancel', 'sims']);
    assert.match(res.stdout, /cancelled sims\/c\.py/);
    assert.equal(queued().map((e) => e.path), ['a.py']);
    res = await rig.run(['queue', 'clear']);
    assert.match(res.stdout, /cancelled a\.py/);
    assert.equal(queued(), []);
    assert.match((await rig.run(['queue', 'list'])).stdout, /The queue is empty/);
  }),
);

test(
  'queue add refuses what is not a tracked script (exit 2, nothing queued); --stale queues what a build would run',
  withTimeout(T, async () => {
    rig.write({ 'a.py': 'print(1)\n', 'b.py': 'print(2)\n' });
    let res = await rig.run(['queue', 'add', 'nope.py']);
    assert.is(res.code, 2);
    assert.match(res.stderr, /nope\.py does not exist/);
    res = await rig.run(['queue', 'add', '../../etc/passwd']);
    assert.is(res.code, 2);
    res = await rig.run(['queue', 'add']);
    assert.is(res.code, 2);
    assert.match(res.stderr, /Name what to queue/);
    assert.equal(queued(), []);
    assert.is((await rig.run(['build', 'a.py', '--no-report'])).code, 0);
    res = await rig.run(['queue', 'add', '--stale']);
    assert.is(res.code, 0, res.stderr);
    assert.equal(queued().map((e) => e.path), ['b.py'], 'a.py is up to date');
  }),
);

test(
  'a worker runs the queue in order, a reader after its queued writer, and records each run',
  withTimeout(T, async () => {
    rig.write({
      'writer.py': 'open("data.txt", "w").write("42")\n',
      'reader.py': 'print(open("data.txt").read())\n',
    });
    assert.is((await rig.run(['build', '--no-report'])).code, 0, 'the first build learns who reads what');
    rig.write({ 'writer.py': 'open("data.txt", "w").write("43")\n' });
    // The reader first: the worker must still run the writer before it.
    assert.is((await rig.run(['queue', 'add', 'reader.py'])).code, 0);
    assert.is((await rig.run(['queue', 'add', 'writer.py'])).code, 0);
    const res = await rig.run(['worker', '--until-empty']);
    assert.is(res.code, 0, res.stderr);
    assert.match(res.stdout, /running writer\.py[\s\S]*running reader\.py/);
    const l = ledger();
    assert.ok(l.latest['writer.py'].default.startedAt < l.latest['reader.py'].default.startedAt);
    assert.equal(queued(), []);
    const { doc } = await rig.json(['status']);
    assert.is(entry(doc, 'reader.py').state, 'up-to-date');
  }),
);

test(
  'two workers run 6 queued scripts exactly once each',
  withTimeout(T, async () => {
    const names = ['s1', 's2', 's3', 's4', 's5', 's6'];
    for (const n of names) rig.write({ [`${n}.py`]: counting(n, 0.5) });
    assert.is((await rig.run(['queue', 'add', ...names.map((n) => `${n}.py`)])).code, 0);
    const results = await Promise.all([rig.start(['worker', '--until-empty']).done, rig.start(['worker', '--until-empty']).done]);
    for (const r of results) assert.is(r.code, 0, r.stderr);
    assert.equal(ranTimes(names), Object.fromEntries(names.map((n) => [n, 1])));
    const l = ledger();
    for (const n of names) assert.is(l.latest[`${n}.py`].default.result, 'success');
    assert.equal(queued(), []);
  }),
);

const ONCE_SLOW = [
  'import os, time',
  'open("slow.ran." + str(os.getpid()), "w").close()',
  'if not os.path.exists("slow.first"):',
  '    open("slow.first", "w").close()',
  '    open("slow.pid", "w").write(str(os.getpid()))',
  '    time.sleep(120)',
  'print("second run done")',
].join('\n');

test(
  'a worker killed with SIGKILL mid-run: its script is queued again and the next worker runs it',
  withTimeout(T, async () => {
    rig.write({ 'slow.py': ONCE_SLOW });
    assert.is((await rig.run(['queue', 'add', 'slow.py'])).code, 0);
    const first = rig.start(['worker']);
    await rig.until('slow.py running', () => rig.exists('slow.pid'));
    assert.match((await rig.run(['queue', 'list'])).stdout, /running slow\.py/);
    first.child.kill('SIGKILL');
    await first.done;
    // The script the dead worker started is an orphan now: stop it as a user would.
    rig.killLeftovers();
    assert.match((await rig.run(['queue', 'list'])).stdout, /waiting slow\.py/, 'back to waiting once its worker is gone');
    const res = await rig.run(['worker', '--until-empty']);
    assert.is(res.code, 0, res.stderr);
    assert.match(res.stdout, /slow\.py: success/);
    assert.is(ranTimes(['slow']).slow, 2);
    assert.is(ledger().latest['slow.py'].default.result, 'success');
    assert.equal(queued(), []);
  }),
);

const SLOW = 'import os, time\nopen("slow.pid", "w").write(str(os.getpid()))\ntime.sleep(120)\n';

test(
  'Ctrl-C on a worker: the running script is recorded interrupted and stays queued; exit 130',
  withTimeout(T, async () => {
    rig.write({ 'slow.py': SLOW });
    assert.is((await rig.run(['queue', 'add', 'slow.py'])).code, 0);
    const w = rig.start(['worker']);
    await rig.until('slow.py running', () => rig.exists('slow.pid'));
    w.child.kill('SIGINT');
    const res = await w.done;
    assert.is(res.code, 130, res.stderr);
    assert.not.ok(isRunning(Number(rig.read('slow.pid'))), 'the script was stopped');
    assert.is(ledger().latest['slow.py'].default.result, 'interrupted');
    assert.equal(queued().map((e) => e.path), ['slow.py']);
    assert.match((await rig.run(['queue', 'list'])).stdout, /waiting slow\.py/);
  }),
);

test(
  'queue cancel on a running script: its worker stops it (recorded interrupted) and it leaves the queue',
  withTimeout(T, async () => {
    rig.write({ 'slow.py': SLOW });
    assert.is((await rig.run(['queue', 'add', 'slow.py'])).code, 0);
    const w = rig.start(['worker', '--until-empty']);
    await rig.until('slow.py running', () => rig.exists('slow.pid'));
    const res = await rig.run(['queue', 'cancel', 'slow.py']);
    assert.match(res.stdout, /stopping\s+slow\.py/);
    const done = await w.done;
    assert.is(done.code, 0, done.stderr);
    assert.not.ok(isRunning(Number(rig.read('slow.pid'))));
    assert.is(ledger().latest['slow.py'].default.result, 'interrupted');
    assert.equal(queued(), []);
  }),
);

test(
  'queue add of a script a build is running now is a no-op that says so',
  withTimeout(T, async () => {
    rig.write({ 'slow.py': SLOW });
    const build = rig.start(['build', '--no-report']);
    await rig.until('slow.py running', () => rig.exists('slow.pid'));
    const res = await rig.run(['queue', 'add', 'slow.py']);
    assert.is(res.code, 0, res.stderr);
    assert.match(res.stdout, /already running slow\.py.*by a build: nothing to do/);
    assert.equal(queued(), []);
    build.child.kill('SIGINT');
    await build.done;
  }),
);

test(
  'clean --all removes the queue and the workers\' files with the ledger folder',
  withTimeout(T, async () => {
    rig.write({ 'a.py': 'print(1)\n', 'b.py': 'print(2)\n' });
    assert.is((await rig.run(['queue', 'add', 'a.py'])).code, 0);
    assert.is((await rig.run(['worker', '--until-empty'])).code, 0);
    assert.is((await rig.run(['queue', 'add', 'b.py'])).code, 0);
    assert.ok(rig.exists('.mreorg/queue.json') && rig.exists('.mreorg/workers'));
    const res = await rig.run(['clean', '--all', '--yes']);
    assert.is(res.code, 0, res.stderr);
    assert.not.ok(rig.exists('.mreorg'), res.stdout);
  }),
);

test.run();
