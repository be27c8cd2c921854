/**
 * Finding and stopping everything a script started. Nets, because each alone misses something:
 *  - the process group (the script is spawned as a group leader): catches ordinary children at once;
 *  - a cgroup per run, where the machine allows one (cgroup.ts): every process the run started, whatever it did
 *    to its group, session, parent or environment. With it, the nets below are not needed;
 *  - otherwise the parent/child links in /proc, polled while the script runs (proctree.ts), which also remember
 *    processes that were later re-parented to init, by pid and start time;
 *  - and a per-run token in the environment (MREORG_RUN_ID): catches re-parented processes the poll never saw.
 * Linux-only by design (/proc, cgroups); elsewhere only the process group is signalled.
 */
import { cgroupPids, enterCgroup, killCgroup, leaveRunCgroup, makeRunCgroup, populated } from './cgroup.js';
import { TreeWatch, hasToken, listProcs, withDescendants } from './proctree.js';

export interface RunTree {
  /** The script's process, leader of its own process group. */
  readonly root: number;
  readonly token: string;
  /** The run's cgroup folder, or null where none could be made. */
  readonly cgroup: string | null;
  /** The polled descendants when there is no cgroup. */
  readonly watch: TreeWatch | null;
  /** Set once the root has been reaped: its pid, and then its group id, may be reused by unrelated processes. */
  exited: boolean;
}

/**
 * Before the script of run `token` is spawned: its cgroup, if one can be made, and what to add to its
 * environment. With a cgroup, MREORG_CGROUP asks the shim's launcher to join it before the script's first line
 * (the runner moves the process too, but only once spawn() has returned, and on a loaded machine the script may
 * have started processes by then). Without one, MREORG_SUBREAPER asks the shim to make the script a child
 * subreaper once it starts a process, so that processes orphaned under it stay in its tree, where the poll sees them.
 */
export function prepareRun(token: string): { cgroup: string | null; env: Record<string, string> } {
  const cgroup = makeRunCgroup(token);
  return { cgroup, env: cgroup ? { MREORG_CGROUP: cgroup } : { MREORG_SUBREAPER: '' } };
}

/** Starts following the run whose script was just spawned as `root` (undefined: it could not be spawned). */
export function trackRun(prepared: { cgroup: string | null }, root: number | undefined, token: string): RunTree | null {
  if (root === undefined) {
    if (prepared.cgroup) leaveRunCgroup(prepared.cgroup);
    return null;
  }
  const cgroup = prepared.cgroup && enterCgroup(prepared.cgroup, root) ? prepared.cgroup : null;
  return { root, token, cgroup, watch: cgroup ? null : new TreeWatch(root), exited: false };
}

export function rootExited(tree: RunTree): void {
  tree.exited = true;
  tree.watch?.stop();
}

export function releaseRun(tree: RunTree): void {
  tree.watch?.stop();
  if (tree.cgroup) leaveRunCgroup(tree.cgroup);
}

/** Every live process of the run (never mreorg itself). */
export function runProcesses(tree: RunTree): number[] {
  if (tree.cgroup) return cgroupPids(tree.cgroup).filter((pid) => pid !== process.pid);
  const procs = listProcs();
  const starts = tree.watch?.survivors(procs) ?? [];
  if (!tree.exited) starts.push(tree.root);
  const found = new Set(withDescendants(starts, procs).map((p) => p.pid));
  // Members of the script's group: the group id is still the run's as long as no new process holds the number.
  if (tree.exited && !procs.some((p) => p.pid === tree.root)) for (const p of procs) if (p.pgid === tree.root) found.add(p.pid);
  for (const p of procs) if (!found.has(p.pid) && p.pid !== process.pid && hasToken(p.pid, tree.token)) found.add(p.pid);
  found.delete(process.pid);
  return [...found];
}

/**
 * What the script left running, looked for after every run. Cheap when nothing is left: with a cgroup one small
 * read; without, the /proc search (every process's environment) runs only when there is a sign of children: the
 * pipes are still held, the group has members, the shim saw the script start a process, or the poll saw one.
 */
export function leftovers(tree: RunTree, signs: { pipesHeld: boolean; spawned: boolean }): number[] {
  if (tree.cgroup) return populated(tree.cgroup) ? runProcesses(tree) : [];
  const seenAny = (tree.watch?.seen.size ?? 0) > 0;
  return signs.pipesHeld || signs.spawned || seenAny || groupAlive(tree.root) ? runProcesses(tree) : [];
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function signalAll(tree: RunTree, pids: number[], sig: NodeJS.Signals): void {
  if (sig === 'SIGKILL' && tree.cgroup) killCgroup(tree.cgroup);
  if (!tree.exited) {
    try {
      process.kill(-tree.root, sig);
    } catch {
      // Group already gone.
    }
  }
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      // Already gone.
    }
  }
}

/** SIGKILL to everything of the run, now (when the user insists on quitting). */
export function killNow(tree: RunTree): void {
  signalAll(tree, runProcesses(tree), 'SIGKILL');
}

/**
 * SIGTERM to the whole run, then SIGKILL to whatever is left after `graceMs`. Resolves when nothing of the run
 * is left (or after a last SIGKILL sweep). Returns how many processes were signalled.
 */
export async function killTree(tree: RunTree, graceMs: number): Promise<number> {
  const first = runProcesses(tree);
  signalAll(tree, first, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    if (runProcesses(tree).length === 0) return first.length;
  }
  for (let i = 0; i < 3; i++) {
    const left = runProcesses(tree);
    if (left.length === 0) break;
    signalAll(tree, left, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 50));
  }
  return first.length;
}
