import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resultByOther } from '../../src/ledger/claims.js';
import { buildIdentity, probePid, type BuildIdentity, type PidProbe } from '../../src/ledger/identity.js';
import { heldByOther, holder, inspect, judge, tryLock, unlock, withLock, type LockInfo } from '../../src/ledger/lock.js';
import type { LatestEntry } from '../../src/model/entry.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mreorg-lock-'));
const write = (file: string, pid: number, at = new Date().toISOString()): void =>
  fs.writeFileSync(file, JSON.stringify({ pid, host: os.hostname(), at }));
const backdate = (file: string, ms: number): void => {
  const t = new Date(Date.now() - ms);
  fs.utimesSync(file, t, t);
};
const DEAD_PID = 2 ** 22 + 12345; // above the usual pid_max: no such process

// The staleness rules, on their own: this process is pid 100 of build aaaa on host here.
const me: BuildIdentity = { buildId: 'aaaa', host: 'here', pid: 100, pidStart: '500', pidNs: 'pid:[1]' };
const NOW = 1_000_000_000;
const BOUND = 30_000;
const procs: Record<number, PidProbe> = { 100: { alive: true, start: '500' }, 200: { alive: true, start: '900' } };
const probe = (pid: number): PidProbe => procs[pid] ?? { alive: false, start: null };
const rule = (info: LockInfo | null, ageMs: number): boolean => judge(info, NOW - ageMs, NOW, me, probe, BOUND).stale;
const at = new Date(NOW - 60_000).toISOString();

test('rules: a live pid of this host with its own start time, a fresh heartbeat: alive', () => {
  assert.not.ok(rule({ buildId: 'bbbb', host: 'here', pid: 200, pidStart: '900', at }, 1000));
});

test('rules: pid reuse (the pid runs, but started at another time) is stale', () => {
  assert.ok(rule({ buildId: 'bbbb', host: 'here', pid: 200, pidStart: '123', at }, 1000));
});

test('rules: a dead pid of this host is stale at once, whatever its heartbeat', () => {
  assert.ok(rule({ buildId: 'bbbb', host: 'here', pid: 300, pidStart: '1', at }, 0));
});

test('rules: another host: alive while its heartbeat is fresh, stale once it is older than the bound', () => {
  const other: LockInfo = { buildId: 'bbbb', host: 'node07', pid: 200, pidStart: '1', at };
  assert.not.ok(rule(other, 4000));
  assert.ok(rule(other, BOUND + 1));
  assert.match((judge(other, NOW - 90_000, NOW, me, probe, BOUND) as { why: string }).why, /no heartbeat for 90 s/);
});

test('rules: our own pid with another build id is stale (PID 1 in a restarted container); our own lock is not', () => {
  assert.ok(rule({ buildId: 'bbbb', host: 'here', pid: 100, pidStart: '500', at }, 0));
  assert.not.ok(rule({ buildId: 'aaaa', host: 'here', pid: 100, pidStart: '500', at }, 0));
  assert.not.ok(rule({ buildId: 'aaaa', host: 'here', pid: 100, pidStart: '500', at }, BOUND * 10));
});

test('rules: same host name but another pid namespace (another container): judged by its heartbeat only', () => {
  const there: LockInfo = { buildId: 'bbbb', host: 'here', pid: 300, pidStart: '1', pidNs: 'pid:[2]', at };
  assert.not.ok(rule(there, 1000), 'pid 300 is not running here, but it is not our pid 300');
  assert.not.ok(rule({ ...there, pid: 100 }, 1000), 'its pid 100 is not us');
  assert.ok(rule(there, BOUND + 1));
  assert.ok(rule({ ...there, pidNs: 'pid:[1]' }, 1000), 'our namespace: pid 300 is dead');
});

test('rules: old-format files ({ pid, host, at }) are judged by pid here and by mtime everywhere', () => {
  assert.not.ok(rule({ host: 'here', pid: 200, at }, 1000));
  assert.ok(rule({ host: 'here', pid: 300, at }, 1000), 'dead pid');
  assert.ok(rule({ host: 'here', pid: 100, at }, 1000), 'our own pid: not ours, we write build ids');
  assert.not.ok(rule({ host: 'node07', pid: 200, at }, 1000));
  assert.ok(rule({ host: 'node07', pid: 200, at }, BOUND + 1));
  assert.ok(rule(null, BOUND + 1), 'unreadable and old');
  assert.not.ok(rule(null, 10), 'unreadable and new: being written');
});

test('a lock of a dead process is taken over; the stale file is gone', () => {
  const file = path.join(dir, 'a.lock');
  write(file, DEAD_PID);
  assert.ok(tryLock(file));
  assert.is(JSON.parse(fs.readFileSync(file, 'utf8')).pid, process.pid);
  assert.equal(fs.readdirSync(dir).filter((f) => f.includes('.stale-')), []);
  unlock(file);
  assert.not.ok(fs.existsSync(file));
});

test('a lock of a live process is respected', () => {
  const file = path.join(dir, 'b.lock');
  write(file, process.ppid);
  assert.not.ok(tryLock(file));
  assert.ok(heldByOther(file));
  fs.rmSync(file);
});

test('our own lock is not taken twice', () => {
  const file = path.join(dir, 'c.lock');
  assert.ok(tryLock(file));
  assert.not.ok(tryLock(file));
  assert.is(holder(file), null, 'we are not another holder');
  unlock(file);
});

test('a live pid whose start time differs from the one in the lock (a reused pid) is taken over', () => {
  const file = path.join(dir, 'd.lock');
  const info = { buildId: 'bbbb0000', host: os.hostname(), pid: process.ppid, at: new Date().toISOString() };
  fs.writeFileSync(file, JSON.stringify({ ...info, pidStart: probePid(process.ppid).start }));
  assert.not.ok(tryLock(file), 'the same process: respected');
  fs.writeFileSync(file, JSON.stringify({ ...info, pidStart: '1' }));
  assert.ok(tryLock(file), 'another process under that pid: stale');
  unlock(file);
});

test('a lock of our own pid from another build id is taken over', () => {
  const file = path.join(dir, 'e.lock');
  fs.writeFileSync(file, JSON.stringify({ buildId: 'bbbb0000', host: os.hostname(), pid: process.pid, pidStart: buildIdentity().pidStart, at: new Date().toISOString() }));
  assert.ok(tryLock(file));
  assert.is(JSON.parse(fs.readFileSync(file, 'utf8')).buildId, buildIdentity().buildId);
  unlock(file);
});

test('another host: a fresh lock is respected and named; an old one is taken over', () => {
  const file = path.join(dir, 'f.lock');
  fs.writeFileSync(file, JSON.stringify({ buildId: '3f2a0000', host: 'node07-test', pid: 4242, pidStart: '77', at: new Date().toISOString() }));
  assert.not.ok(tryLock(file));
  assert.equal({ ...holder(file), heartbeatAgeMs: 0 }, { buildId: '3f2a0000', host: 'node07-test', pid: 4242, at: JSON.parse(fs.readFileSync(file, 'utf8')).at, heartbeatAgeMs: 0 });
  backdate(file, 10 * 60_000);
  assert.is(holder(file), null);
  assert.ok(tryLock(file));
  unlock(file);
});

test('waiting for a live lock ends with an error that names its holder, not the disk', async () => {
  const file = path.join(dir, 'g.lock');
  fs.writeFileSync(file, JSON.stringify({ buildId: '3f2a0000', host: 'node07-test', pid: 4242, pidStart: '77', at: new Date().toISOString() }));
  let ran = false;
  const err = await withLock(file, async () => (ran = true), 200).then(() => null, (e: Error) => e);
  assert.not.ok(ran);
  assert.ok(err);
  assert.match(err.message, /g\.lock, held by build 3f2a0000 on host node07-test \(pid 4242, heartbeat \d+ s ago\)/);
  assert.match(err.message, /mreorg unlock/);
  assert.not.match(err.message, /space|disk/);
  fs.rmSync(file);
});

test('a held lock has a heartbeat: its mtime is refreshed while held, so it never looks abandoned', async () => {
  const before = process.env.MREORG_STALE_MS;
  process.env.MREORG_STALE_MS = '600'; // heartbeat every 100 ms
  const file = path.join(dir, 'h.lock');
  try {
    assert.ok(tryLock(file));
    backdate(file, 60 * 60_000);
    const t0 = Date.now();
    while (inspect(file)!.heartbeatAgeMs > 60_000 && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 50));
    assert.ok(inspect(file)!.heartbeatAgeMs < 60_000, 'the heartbeat refreshed the mtime');
  } finally {
    unlock(file);
    if (before === undefined) delete process.env.MREORG_STALE_MS;
    else process.env.MREORG_STALE_MS = before;
  }
});

test("the result of another build's run: known once it has recorded a run that started after its claim", () => {
  const seen = { buildId: '3f2a0000', host: 'node07', pid: 1, at: '2024-01-01T10:00:00.000Z', heartbeatAgeMs: 0 };
  const entry = (startedAt: string, hash: string): LatestEntry =>
    ({ runId: 'r', result: 'failed', startedAt, durationMs: 1, fingerprint: { hash } as LatestEntry['fingerprint'], writes: [], figures: 0, error: null });
  assert.is(resultByOther(entry('2024-01-01T10:00:01.000Z', 'h1'), seen, 'h1')?.result, 'failed');
  assert.is(resultByOther(entry('2024-01-01T09:59:59.000Z', 'h1'), seen, 'h1'), null, 'an older run: the holder died before recording');
  assert.is(resultByOther(entry('2024-01-01T10:00:01.000Z', 'h0'), seen, 'h1'), null, 'it ran another version');
  assert.is(resultByOther(undefined, seen, 'h1'), null);
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
test.run();
