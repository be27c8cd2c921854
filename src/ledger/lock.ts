/**
 * Inter-process exclusion with files created by O_EXCL (atomic on local file systems and NFSv3+). A lock file
 * holds its holder's identity (identity.ts) as JSON; its mtime is the holder's heartbeat, refreshed every few
 * seconds while the holder lives. A lock is stale, and is taken over, when its heartbeat is older than
 * `staleAfterMs()` whatever the host, or, on the holder's own host (and pid namespace), as soon as its pid is dead
 * or is now another process. So neither a killed build, nor a crashed host, nor a reused pid blocks the next build for good.
 *
 * Files written before build ids existed hold `{ pid, host, at }`: they are judged by pid on this host and by
 * mtime everywhere (their writers do not refresh it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { buildIdentity, heartbeatEveryMs, probePid, staleAfterMs, type BuildIdentity, type PidProbe } from './identity.js';

export interface LockInfo {
  pid: number;
  host: string;
  /** When the lock was taken (ISO, the holder's clock). */
  at: string;
  /** Absent in files of older mreorg versions. */
  buildId?: string;
  pidStart?: string | null;
  pidNs?: string | null;
  /** What the lock is for, for people (a claim's `script@runconfig`). */
  label?: string;
}

export type Verdict = { stale: false } | { stale: true; why: string };

/**
 * Whether a lock is abandoned. Pure: `heartbeatMs` is the file's mtime, `probe` looks at a pid of this host.
 * `info` null = a lock file that does not parse (being written, or truncated by a crash): judged by its age only.
 */
export function judge(info: LockInfo | null, heartbeatMs: number, now: number, me: BuildIdentity, probe: (pid: number) => PidProbe, boundMs = staleAfterMs()): Verdict {
  const age = now - heartbeatMs;
  if (info !== null && isOurs(info, me)) return { stale: false };
  if (age > boundMs) return { stale: true, why: `no heartbeat for ${duration(age)}` };
  if (info === null || !samePids(info, me)) return { stale: false };
  if (info.pid === me.pid) return { stale: true, why: `its pid ${info.pid} is this process, another build` };
  const p = probe(info.pid);
  if (!p.alive) return { stale: true, why: `pid ${info.pid} is not running` };
  if (info.pidStart && p.start && info.pidStart !== p.start) return { stale: true, why: `pid ${info.pid} is now another process` };
  return { stale: false };
}

/** Whether the lock's pid can be looked up here: same host, and the same pid namespace when both are known. */
function samePids(info: LockInfo, me: BuildIdentity): boolean {
  return info.host === me.host && (!info.pidNs || !me.pidNs || info.pidNs === me.pidNs);
}

function isOurs(info: LockInfo, me: BuildIdentity): boolean {
  return info.buildId === me.buildId && info.pid === me.pid && info.host === me.host;
}

/** "4 s", "3 min", "2 h": heartbeat ages for people. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 3600)} h`;
}

function readInfo(file: string): LockInfo | null {
  try {
    const v = JSON.parse(fs.readFileSync(file, 'utf8')) as LockInfo;
    return typeof v === 'object' && v !== null && typeof v.pid === 'number' ? v : null;
  } catch {
    return null;
  }
}

function mtimeOf(file: string): number | null {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return null;
  }
}

/** A lock file as found now: what it says, its heartbeat's age and the verdict. Null when there is no such file. */
export interface Inspection {
  file: string;
  info: LockInfo | null;
  heartbeatAgeMs: number;
  verdict: Verdict;
  /** Held by this very process. */
  ours: boolean;
}

export function inspect(file: string): Inspection | null {
  const info = readInfo(file);
  const mtime = mtimeOf(file);
  if (mtime === null) return null;
  const now = Date.now();
  const me = buildIdentity();
  return { file, info, heartbeatAgeMs: now - mtime, verdict: judge(info, mtime, now, me, probePid), ours: info !== null && isOurs(info, me) };
}

/** Who holds a lock: what a waiting build says it waits for. */
export interface Holder {
  /** Null for a lock file of an older mreorg, or one that does not parse. */
  buildId: string | null;
  host: string | null;
  pid: number | null;
  at: string | null;
  heartbeatAgeMs: number;
}

export function holderOf(i: Inspection): Holder {
  return { buildId: i.info?.buildId ?? null, host: i.info?.host ?? null, pid: i.info?.pid ?? null, at: i.info?.at ?? null, heartbeatAgeMs: i.heartbeatAgeMs };
}

/** The live holder of the lock at `file`, other than this process; null when it is free, stale or ours. */
export function holder(file: string): Holder | null {
  const i = inspect(file);
  return i && !i.verdict.stale && !i.ours ? holderOf(i) : null;
}

/** "build 3f2a91c0 on host node07 (pid 1234, heartbeat 4 s ago)". */
export function describeHolder(h: Holder): string {
  const beat = `heartbeat ${duration(h.heartbeatAgeMs)} ago`;
  if (h.host === null) return `a lock file that does not parse (${beat})`;
  const who = h.buildId ? `build ${h.buildId}` : 'an older mreorg';
  return `${who} on host ${h.host} (pid ${h.pid}, ${beat})`;
}

/** When the lock at `file` was taken, as written in it; null if unreadable. */
export function lockTime(file: string): string | null {
  return readInfo(file)?.at ?? null;
}

/** Whether the lock at `file` was left by a build that is gone (its process dead, or no heartbeat for too long). */
export function ownerDead(file: string): boolean {
  const i = inspect(file);
  return i !== null && i.verdict.stale;
}

/** Whether a process of this host is running (a zombie is not). */
export function processAlive(pid: number): boolean {
  return probePid(pid).alive;
}

/** Whether the lock at `file` belongs to a live holder other than this process. */
export function heldByOther(file: string): boolean {
  return holder(file) !== null;
}

/**
 * Tries once to create the lock. Returns true when we hold it (its heartbeat then runs until `unlock`). A stale
 * lock is removed and the attempt repeated. `label` says what the lock is for, to `mreorg unlock`.
 */
export function tryLock(file: string, label?: string): boolean {
  const me = buildIdentity();
  const body: LockInfo = { buildId: me.buildId, host: me.host, pid: me.pid, pidStart: me.pidStart, pidNs: me.pidNs, at: new Date().toISOString() };
  if (label !== undefined) body.label = label;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      ensureDir(path.dirname(file));
      fs.writeFileSync(file, JSON.stringify(body), { flag: 'wx' });
      heartbeat.add(file);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' && attempt < 2) {
        madeDirs.delete(path.dirname(file)); // the folder was removed under us: make it again
        continue;
      }
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        // Created but not written (ENOSPC...): do not leave an ownerless lock behind.
        if (readInfo(file) === null) fs.rmSync(file, { force: true });
        throw e;
      }
    }
    const found = inspect(file);
    if (found === null) continue; // released meanwhile: try again
    if (!found.verdict.stale) return false;
    removeLock(file, found.info, false);
  }
  return false;
}

/**
 * Removes a lock judged stale (or, with `force`, any lock) without removing one somebody took meanwhile: two
 * processes that both judged the same dead lock must not both delete "it" (the second would delete the first one's
 * fresh lock). The lock is renamed away (only one rename of it can succeed), checked to be the one judged and,
 * unless forced, still stale (its holder may have woken up), and put back if not. True when it was removed.
 */
export function removeLock(file: string, judged: LockInfo | null, force: boolean): boolean {
  const grave = `${file}.stale-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    fs.renameSync(file, grave);
  } catch {
    return false; // already gone: another process took it over
  }
  const moved = readInfo(grave);
  const mtime = mtimeOf(grave) ?? 0;
  const same = judged ? moved !== null && moved.pid === judged.pid && moved.at === judged.at && moved.buildId === judged.buildId : moved === null;
  const remove = same && (force || judge(moved, mtime, Date.now(), buildIdentity(), probePid).stale);
  if (!remove) {
    try {
      fs.linkSync(grave, file); // give the lock back, unless a third process has taken the place
    } catch {
      // EEXIST: the place is taken again; nothing to give back to.
    }
  }
  fs.rmSync(grave, { force: true });
  return remove;
}

const madeDirs = new Set<string>();
function ensureDir(dir: string): void {
  if (madeDirs.has(dir)) return;
  fs.mkdirSync(dir, { recursive: true });
  madeDirs.add(dir);
}

export function unlock(file: string): void {
  heartbeat.delete(file);
  const info = readInfo(file);
  if (info && isOurs(info, buildIdentity())) fs.rmSync(file, { force: true });
}

/**
 * The heartbeat: every few seconds, the mtime of every lock this process holds is set to now. A lock that is no
 * longer ours (removed by `mreorg unlock --force`, or taken over after this process stalled past the bound) is
 * dropped, never touched. The timer is unref'd: it never keeps mreorg alive.
 */
class Heartbeat {
  private readonly files = new Set<string>();
  private timer: NodeJS.Timeout | null = null;

  add(file: string): void {
    this.files.add(file);
    if (this.timer) return;
    this.timer = setInterval(() => this.beat(), heartbeatEveryMs());
    this.timer.unref();
  }

  delete(file: string): void {
    this.files.delete(file);
    if (this.files.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  private beat(): void {
    const me = buildIdentity();
    const now = new Date();
    for (const f of this.files) {
      const info = readInfo(f);
      try {
        if (!info || !isOurs(info, me)) throw new Error('not ours any more');
        fs.utimesSync(f, now, now);
      } catch {
        this.delete(f);
      }
    }
  }
}
const heartbeat = new Heartbeat();

/** A lock still held by a live holder after the whole wait: names the holder, so the user knows what to stop. */
export class LockHeldError extends Error {
  constructor(
    readonly file: string,
    readonly holder: Holder | null,
    waitedMs: number,
  ) {
    super(
      holder
        ? `waited ${duration(waitedMs)} for the lock ${file}, held by ${describeHolder(holder)}; if that build is gone, "mreorg unlock" removes the lock`
        : `waited ${duration(waitedMs)} for the lock ${file}, which kept being taken by other builds`,
    );
    this.name = 'LockHeldError';
  }
}

/** Waits for the lock (polling), runs `fn`, releases. Flushes are short, so polling every 10-50 ms is fine. */
export async function withLock<T>(file: string, fn: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const start = Date.now();
  let wait = 5;
  while (!tryLock(file)) {
    if (Date.now() - start > timeoutMs) throw new LockHeldError(file, holder(file), Date.now() - start);
    await new Promise((r) => setTimeout(r, wait));
    wait = Math.min(50, wait * 2);
  }
  try {
    return await fn();
  } finally {
    unlock(file);
  }
}
