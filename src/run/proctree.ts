/**
 * The process table from /proc, and a watch that records a run's descendants while it lives: the net where no
 * cgroup can be made. A process re-parented to init (a daemon, a double fork) is nobody's descendant any more, and
 * one that cleared its environment carries no run token; the watch still knows it if it saw it once. It remembers
 * each process by pid and start time, so a pid later reused by an unrelated process is never taken for it.
 *
 * One listing of /proc serves every running script; it is repeated every 200 ms, or less often when the listing
 * itself is slow (a busy machine), so it never takes more than a twentieth of a core.
 */
import fs from 'node:fs';

export interface Proc {
  pid: number;
  ppid: number;
  pgid: number;
  /** Start time in clock ticks since boot: with the pid, names one process for good. */
  start: string;
}

/** Every live process; zombies are left out (they are dead, only not yet reaped). */
export function listProcs(): Proc[] {
  let names: string[];
  try {
    names = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  const out: Proc[] = [];
  for (const name of names) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'latin1');
      // Fields after the command name, which may itself contain spaces and parentheses: state is field 3.
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (f[0] === 'Z' || f[0] === 'X') continue;
      out.push({ pid: Number(name), ppid: Number(f[1]), pgid: Number(f[2]), start: f[19]! });
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

export function hasToken(pid: number, token: string): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(`MREORG_RUN_ID=${token}`);
  } catch {
    return false;
  }
}

/** `from` and every descendant of theirs in `procs`. */
export function withDescendants(from: number[], procs: Proc[]): Proc[] {
  const children = new Map<number, Proc[]>();
  const byPid = new Map<number, Proc>();
  for (const p of procs) {
    byPid.set(p.pid, p);
    const list = children.get(p.ppid);
    if (list) list.push(p);
    else children.set(p.ppid, [p]);
  }
  const found = new Map<number, Proc>();
  const queue = from.filter((pid) => byPid.has(pid));
  for (const pid of queue) found.set(pid, byPid.get(pid)!);
  while (queue.length) {
    for (const c of children.get(queue.pop()!) ?? []) if (!found.has(c.pid)) (found.set(c.pid, c), queue.push(c.pid));
  }
  return [...found.values()];
}

const watching = new Set<TreeWatch>();
let timer: NodeJS.Timeout | null = null;
let intervalMs = 200;

/** The descendants of a running script, as seen by the shared poll. */
export class TreeWatch {
  /** pid -> start time of every descendant seen so far. */
  readonly seen = new Map<number, string>();

  constructor(readonly root: number) {
    watching.add(this);
    timer ??= setTimeout(poll, intervalMs).unref();
  }

  /** Stops watching (the root has exited); what was seen is kept. */
  stop(): void {
    watching.delete(this);
    if (watching.size === 0 && timer) {
      clearTimeout(timer);
      timer = null;
    }
  }

  /** The processes seen earlier that still live (same pid, same start time). */
  survivors(procs: Proc[]): number[] {
    return procs.filter((p) => this.seen.get(p.pid) === p.start).map((p) => p.pid);
  }

  record(procs: Proc[]): void {
    for (const p of withDescendants([this.root, ...this.survivors(procs)], procs)) if (p.pid !== this.root) this.seen.set(p.pid, p.start);
  }
}

function poll(): void {
  const t0 = performance.now();
  const procs = listProcs();
  for (const w of watching) w.record(procs);
  intervalMs = Math.max(200, 20 * (performance.now() - t0));
  timer = watching.size > 0 ? setTimeout(poll, intervalMs).unref() : null;
}
