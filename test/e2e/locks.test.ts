/**
 * Claims and locks left by builds on other hosts, by dead builds, and held by live ones: the stale ones never stop
 * a build, the live ones are respected, and `mreorg unlock` clears what is left.
 */
import fs from 'node:fs';
import os from 'node:os';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { slugFor } from '../../src/ledger/ledger.js';
import { tryLock, unlock } from '../../src/ledger/lock.js';
import { withTimeout } from '../helpers/timeout.js';
import { Rig, ranPaths, twoBuildsAtOnce } from '../helpers/rig.js';

const T = 90_000;
const test = suite('locks');
let rig: Rig;
test.before.each(() => {
  rig = new Rig();
});
test.after.each(() => rig.cleanup());

const claimFile = (p: string, rc = 'default'): string => `.mreorg/claims/${slugFor(p)}@${rc}`;
/** A lock file as a build on another host leaves it, its last heartbeat `ageMs` ago. */
function foreign(rel: string, ageMs: number, oldFormat = false): void {
  const at = new Date(Date.now() - ageMs).toISOString();
  const body = oldFormat ? { pid: 4242, host: 'node07-gone', at } : { buildId: '3f2a0000', host: 'node07-gone', pid: 4242, pidStart: '77', at };
  rig.write({ [rel]: JSON.stringify(body) });
  const t = new Date(Date.now() - ageMs);
  fs.utimesSync(rig.path(rel), t, t);
}

for (const oldFormat of [false, true]) {
  test(
    `a claim left by a build on another host (heartbeat 10 min old${oldFormat ? ', older mreorg' : ''}) does not stop the script from running`,
    withTimeout(T, async () => {
      rig.write({ 'a.py': 'print(1)\n', 'b.py': 'print(1)\n' });
      assert.is((await rig.run(['build', '--no-report'])).code, 0);
      rig.write({ 'a.py': 'print(2)\n' });
      foreign(claimFile('a.py'), 10 * 60_000, oldFormat);
      const b = await rig.json(['build', '--no-report'], { timeoutMs: 30_000 });
      assert.is(b.res.code, 0, b.res.stderr);
      assert.equal(ranPaths(b.doc), ['a.py'], b.res.stderr);
      assert.is(b.doc.counts.ran, 1);
      assert.not.ok(rig.exists(claimFile('a.py')), 'the claim was released');
    }),
  );
}

test(
  'a ledger lock left by a build on another host (heartbeat 10 min old) is taken over: the build does not wait for it',
  withTimeout(T, async () => {
    rig.write({ 'a.py': 'print(1)\n' });
    foreign('.mreorg/ledger.json.lock', 10 * 60_000);
    // Before build ids and heartbeats, this build waited twice a minute and failed: the guard is shorter.
    const b = await rig.json(['build', '--no-report'], { timeoutMs: 40_000 });
    assert.is(b.res.code, 0, b.res.stderr);
    assert.equal(ranPaths(b.doc), ['a.py']);
    assert.is(JSON.parse(rig.read('.mreorg/ledger.json')).latest['a.py'].default.result, 'success');
  }),
);

test(
  'mreorg unlock lists claims and locks; --yes removes the stale ones, keeps a live one unless --force; no terminal and no --yes: exit 2',
  withTimeout(T, async () => {
    rig.write({ 'a.py': '' });
    foreign('.mreorg/ledger.json.lock', 10 * 60_000);
    rig.write({ [claimFile('dead.py')]: JSON.stringify({ pid: 2 ** 22 + 12345, host: os.hostname(), at: new Date().toISOString() }) });
    // A live holder: this test process, whose heartbeat keeps its claim fresh.
    const live = rig.path(claimFile('live.py'));
    assert.ok(tryLock(live, 'live.py@default'));
    try {
      const refused = await rig.run(['unlock']);
      assert.is(refused.code, 2, refused.stderr);
      assert.match(refused.stderr, /--yes/);
      assert.ok(rig.exists('.mreorg/ledger.json.lock') && rig.exists(claimFile('dead.py')) && fs.existsSync(live), 'nothing removed');

      const res = await rig.run(['unlock', '--yes']);
      assert.is(res.code, 0, res.stderr);
      assert.match(res.stdout, /ledger\.json\.lock\n\s+held by build 3f2a0000 on host node07-gone \(pid 4242, heartbeat 10 min ago\); stale: no heartbeat for 10 min/);
      assert.match(res.stdout, /claims\/dead\.py-\w+@default\n\s+held by an older mreorg on host .* stale: pid \d+ is not running/);
      assert.match(res.stdout, new RegExp(`live\\.py@default\\n\\s+held by build \\w+ on host ${os.hostname()} \\(pid ${process.pid}, heartbeat \\d+ s ago\\); LIVE`));
      assert.match(res.stdout, /Removed 2\./);
      assert.match(res.stdout, /Kept 1 .*--force/);
      assert.not.ok(rig.exists('.mreorg/ledger.json.lock'));
      assert.not.ok(rig.exists(claimFile('dead.py')));
      assert.ok(fs.existsSync(live), 'the live claim is kept');

      const forced = await rig.run(['unlock', '--yes', '--force']);
      assert.is(forced.code, 0, forced.stderr);
      assert.not.ok(fs.existsSync(live), '--force removes the live claim too');
      assert.match((await rig.run(['unlock'])).stdout, /No claims or locks in \.mreorg\./);
    } finally {
      unlock(live);
    }
  }),
);

test(
  'two builds at once, each script longer than the staleness bound: live claims stay respected (heartbeats), each script runs once',
  withTimeout(T, async () => {
    const names = ['s1', 's2', 's3', 's4'];
    const { results: [r1, r2], ranTimes } = await twoBuildsAtOnce(rig, names, 2.5, { MREORG_STALE_MS: '1000' });
    assert.is(r1!.code, 0, r1!.stderr);
    assert.is(r2!.code, 0, r2!.stderr);
    for (const n of names) assert.is(ranTimes[n], 1, `${n} ran ${ranTimes[n]} times`);
    assert.is(JSON.parse(r1!.stdout).counts.ran + JSON.parse(r2!.stdout).counts.ran, names.length);
  }),
);

test(
  'a script another build is running is waited for, named, and its result counts: it failed there, so this build exits 1',
  withTimeout(T, async () => {
    rig.write({ 'slow.py': 'import time\nopen("started", "w").close()\ntime.sleep(2)\nraise ValueError("failed in the first build")\n' });
    const first = rig.start(['build', '--no-report']);
    await rig.until('the first build started slow.py', () => rig.exists('started'));
    const second = await rig.json(['build', '--no-report']);
    const firstDone = await first.done;
    assert.is(firstDone.code, 1);
    assert.is(second.res.code, 1, 'the other build\'s failure is this build\'s verdict too');
    assert.match(second.res.stderr, /skip slow\.py: waiting for slow\.py, claimed by build [0-9a-f]+ on host /);
    assert.match(second.res.stderr, /FAILED slow\.py \(run by another mreorg build\)/);
    const doc = second.doc.scripts[0];
    assert.equal([doc.outcome, doc.ran, doc.runByOtherBuild], ['failed', false, true]);
    assert.is(second.doc.counts.byOtherBuild, 1);
    assert.is(second.doc.counts.upToDate, 0, 'never counted as up to date');
  }),
);

test.run();
