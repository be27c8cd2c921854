/**
 * Stopping a script and everything it started. Three nets, because each alone misses something:
 *  - the process group (the script is spawned as a group leader): catches ordinary children at once;
 *  - the parent/child links in /proc: catch children that moved to another group or session;
 *  - a per-run token in the environment (MREORG_RUN_ID): catches grandchildren that were re-parented to init
 *    after their parent exited (daemons, double forks), which no parent walk can find.
 * Linux-only by design (/proc); elsewhere only the process group is signalled.
 */
import fs from 'node:fs';

interface ProcInfo {
  pid: number;
  ppid: number;
}

function listProcs(): ProcInfo[] {
  let names: string[];
  try {
    names = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  const out: ProcInfo[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      // Fields after the command name, which may itself contain spaces and parentheses.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.push({ pid: Number(name), ppid: Number(rest[1]) });
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

function hasToken(pid: number, token: string): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(`MREORG_RUN_ID=${token}`);
  } catch {
    return false;
  }
}

/** Every live process of the run: descendants of `rootPid` and every process carrying the run's token. */
export function runProcesses(rootPid: number, token: string): number[] {
  const procs = listProcs();
  const children = new Map<number, number[]>();
  for (const p of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
  const found = new Set<number>();
  const queue = [rootPid];
  while (queue.length) {
    const pid = queue.pop()!;
    for (const c of children.get(pid) ?? []) if (!found.has(c)) (found.add(c), queue.push(c));
  }
  for (const p of procs) if (p.pid !== process.pid && !found.has(p.pid) && hasToken(p.pid, token)) found.add(p.pid);
  if (isAlive(rootPid)) found.add(rootPid);
  found.delete(process.pid);
  return [...found];
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function signalAll(rootPid: number, pids: number[], sig: NodeJS.Signals): void {
  try {
    process.kill(-rootPid, sig);
  } catch {
    // Group already gone.
  }
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      // Already gone.
    }
  }
}

/**
 * SIGTERM to the whole run, then SIGKILL to whatever is left after `graceMs`. Resolves when nothing of the run
 * is left (or after a last SIGKILL sweep). Returns how many processes were signalled.
 */
export async function killTree(rootPid: number, token: string, graceMs: number): Promise<number> {
  const first = runProcesses(rootPid, token);
  signalAll(rootPid, first, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    if (runProcesses(rootPid, token).filter(isAlive).length === 0) return first.length;
  }
  for (let i = 0; i < 3; i++) {
    const left = runProcesses(rootPid, token);
    if (left.length === 0) break;
    signalAll(rootPid, left, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 50));
  }
  return first.length;
}
