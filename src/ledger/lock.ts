/**
 * Inter-process exclusion with files created by O_EXCL (atomic on local file systems). A lock holds the owner's
 * pid; a lock whose owner is dead (a build killed with SIGKILL) is stale and is taken over, so nothing blocks the
 * next build forever.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

interface LockInfo {
  pid: number;
  host: string;
  at: string;
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

/**
 * A process that has exited but was not reaped (an orphan in a container whose init does not reap) still
 * answers kill(0); it is dead all the same. Linux says so in /proc; elsewhere, take kill(0)'s word.
 */
function isZombie(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] === 'Z';
  } catch {
    return false;
  }
}

function readInfo(file: string): LockInfo | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as LockInfo;
  } catch {
    return null;
  }
}

/** When the lock at `file` was taken, as written in it; null if unreadable. */
export function lockTime(file: string): string | null {
  return readInfo(file)?.at ?? null;
}

/** Whether the lock at `file` was left by a process of this host that is dead (a build killed while holding it). */
export function ownerDead(file: string): boolean {
  const info = readInfo(file);
  return info !== null && info.host === os.hostname() && !processAlive(info.pid);
}

/** Whether the lock at `file` belongs to a live process (on this host) other than us. */
export function heldByOther(file: string): boolean {
  const info = readInfo(file);
  if (!info) return false;
  if (info.host !== os.hostname()) return true;
  return info.pid !== process.pid && processAlive(info.pid);
}

/**
 * Tries once to create the lock. Returns true when we hold it. A stale lock (dead owner, or unreadable and older
 * than a minute) is removed and the attempt repeated.
 */
export function tryLock(file: string): boolean {
  const body = JSON.stringify({ pid: process.pid, host: os.hostname(), at: new Date().toISOString() } satisfies LockInfo);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      ensureDir(path.dirname(file));
      fs.writeFileSync(file, body, { flag: 'wx' });
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
    const info = readInfo(file);
    const stale = info
      ? info.host === os.hostname() && !processAlive(info.pid)
      : Date.now() - safeMtime(file) > 60_000;
    if (!stale) return false;
    takeOver(file, info);
  }
  return false;
}

/**
 * Removes a lock judged stale without removing one somebody took meanwhile: two processes that both judged the
 * same dead lock must not both delete "it" (the second would delete the first one's fresh lock). The lock is
 * renamed away (only one rename of it can succeed), checked to be the one judged, and put back if it is not.
 */
function takeOver(file: string, judged: LockInfo | null): void {
  const grave = `${file}.stale-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    fs.renameSync(file, grave);
  } catch {
    return; // already gone: another process took it over
  }
  const moved = readInfo(grave);
  const same = judged ? moved !== null && moved.pid === judged.pid && moved.at === judged.at : moved === null;
  if (!same) {
    try {
      fs.linkSync(grave, file); // give the fresh lock back, unless a third process has taken the place
    } catch {
      // EEXIST: the place is taken again; nothing to give back to.
    }
  }
  fs.rmSync(grave, { force: true });
}

const madeDirs = new Set<string>();
function ensureDir(dir: string): void {
  if (madeDirs.has(dir)) return;
  fs.mkdirSync(dir, { recursive: true });
  madeDirs.add(dir);
}

function safeMtime(file: string): number {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

export function unlock(file: string): void {
  const info = readInfo(file);
  if (info && info.pid === process.pid) fs.rmSync(file, { force: true });
}

/** Waits for the lock (polling), runs `fn`, releases. Flushes are short, so polling every 10-50 ms is fine. */
export async function withLock<T>(file: string, fn: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const start = Date.now();
  let wait = 5;
  while (!tryLock(file)) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for lock ${file}`);
    await new Promise((r) => setTimeout(r, wait));
    wait = Math.min(50, wait * 2);
  }
  try {
    return await fn();
  } finally {
    unlock(file);
  }
}
