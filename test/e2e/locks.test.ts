/**
 * Claims and locks left by builds on other hosts, by dead builds, and held by live ones: the stale ones never stop
 * a build, and the live ones are respected.
 */
import fs from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { slugFor } from '../../src/ledger/ledger.js';
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

test.run();
