/**
 * Who holds a lock or a claim, and whether that holder is still there. A pid alone cannot say: pids are reused
 * (PID 1 in every container), and a pid means nothing on another host. So a lock names its holder by build id (random,
 * one per mreorg process), host, pid and the pid's start time, and the holder keeps refreshing the lock's mtime
 * (its heartbeat, see lock.ts). Any host can then judge a lock by its heartbeat's age; this host can also judge
 * it at once by its pid.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';

export interface BuildIdentity {
  buildId: string;
  host: string;
  pid: number;
  /** Start time of `pid` (clock ticks since boot, from /proc/PID/stat); null where there is no /proc. */
  pidStart: string | null;
  /**
   * The pid namespace (`/proc/self/ns/pid`): containers that share a host name and a folder do not share pids, so
   * a pid is only looked up where the namespace is the same. Null where unknown.
   */
  pidNs: string | null;
}

export interface PidProbe {
  alive: boolean;
  /** Its start time, when known: a pid reused by another process has another start time. */
  start: string | null;
}

/** Whether `pid` runs on this host (a zombie does not), and since when. */
export function probePid(pid: number): PidProbe {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The fields after the command name, which may itself contain spaces and parentheses: state is field 3,
    // starttime field 22.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { alive: fields[0] !== 'Z' && fields[0] !== 'X', start: fields[19] ?? null };
  } catch {
    return { alive: signalAlive(pid), start: null }; // no such process, or no /proc (macOS)
  }
}

function signalAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

let self: BuildIdentity | null = null;

/** This process's identity, made once: every lock and claim it takes carries it. */
export function buildIdentity(): BuildIdentity {
  self ??= {
    buildId: crypto.randomBytes(4).toString('hex'),
    host: os.hostname(),
    pid: process.pid,
    pidStart: probePid(process.pid).start,
    pidNs: pidNamespace(),
  };
  return self;
}

function pidNamespace(): string | null {
  try {
    return fs.readlinkSync('/proc/self/ns/pid');
  } catch {
    return null;
  }
}

const DEFAULT_STALE_MS = 30_000;

/**
 * How old a heartbeat may be before its lock counts as abandoned, on any host (`MREORG_STALE_MS` overrides it, for
 * tests). Hosts that share a project folder are assumed to have clocks that agree to well within this bound (NTP):
 * the heartbeat is the holder's clock, its age is measured with the reader's.
 */
export function staleAfterMs(): number {
  const v = Number(process.env.MREORG_STALE_MS);
  return Number.isFinite(v) && v > 0 ? v : DEFAULT_STALE_MS;
}

/** How often a holder refreshes its heartbeats: several times per bound, so one late tick does not lose a lock. */
export function heartbeatEveryMs(): number {
  return Math.max(20, Math.min(5000, Math.floor(staleAfterMs() / 6)));
}
