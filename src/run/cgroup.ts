/**
 * A cgroup (v2) per run, where the machine lets mreorg make one. Every process the script starts stays in its
 * run's cgroup whatever it does to its process group, session, parent or environment, so "is anything of the run
 * left?" is one read of `cgroup.events` and stopping all of it is one write to `cgroup.kill`.
 *
 * Layout: `<mreorg's own cgroup>/mreorg-<pid>-<random>/<run id>`, removed when the run (and the build) ends.
 * Unavailable (no cgroup2 mount, a read-only one, no permission, MREORG_NO_CGROUP=1): every function says so by
 * returning null or false, and the caller falls back to walking /proc.
 */
import fs from 'node:fs';
import path from 'node:path';

/** The build's cgroup folder; null once known to be unavailable, undefined before the first try. */
let buildDir: string | null | undefined;
/** Run cgroups not yet removed, for the last sweep at exit. */
const live = new Set<string>();

/** mreorg's own cgroup folder in the cgroup2 mount, from /proc/self/cgroup and /proc/self/mountinfo. */
function ownCgroupDir(): string | null {
  try {
    const own = /^0::(\/.*)$/m.exec(fs.readFileSync('/proc/self/cgroup', 'utf8'))?.[1];
    // Outside the cgroup namespace's root (`/../x`): not a folder we can reach.
    if (own === undefined || own.includes('/..')) return null;
    for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
      const f = line.split(' ');
      if (f[f.indexOf('-') + 1] !== 'cgroup2') continue;
      const root = unescapeMount(f[3]!);
      const rel = root === '/' ? own : own.startsWith(`${root}/`) || own === root ? own.slice(root.length) : null;
      if (rel !== null) return path.join(unescapeMount(f[4]!), rel);
    }
  } catch {
    // No /proc: not Linux.
  }
  return null;
}

/** Mount points escape spaces and the like as \040 (octal). */
function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

function initBuildDir(): string | null {
  if (process.env.MREORG_NO_CGROUP) return null;
  const own = ownCgroupDir();
  if (!own) return null;
  removeStale(own);
  const dir = path.join(own, `mreorg-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  try {
    fs.mkdirSync(dir);
  } catch {
    return null; // read-only, or not ours to change: the /proc walk will do
  }
  process.on('exit', () => {
    for (const d of live) removeTree(d);
    removeTree(dir);
  });
  return dir;
}

/** Empty build folders of mreorg processes that died (SIGKILL): a folder still holding processes is left. */
function removeStale(own: string): void {
  let names: string[] = [];
  try {
    names = fs.readdirSync(own).filter((n) => /^mreorg-\d+-/.test(n));
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(name.split('-')[1]);
    try {
      process.kill(pid, 0);
      continue; // its mreorg still runs
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EPERM') continue;
    }
    removeTree(path.join(own, name));
  }
}

/** rmdir, children first (a nested mreorg makes its own folders inside a run's); populated folders stay. */
function removeTree(dir: string): boolean {
  let entries: fs.Dirent[] = [];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return true; // already gone
  }
  for (const e of entries) if (e.isDirectory()) removeTree(path.join(dir, e.name));
  try {
    fs.rmdirSync(dir);
    return true;
  } catch {
    return false;
  }
}

/** Makes the cgroup of the run `id`, before its script is spawned. Returns its folder, or null. */
export function makeRunCgroup(id: string): string | null {
  if (buildDir === undefined) buildDir = initBuildDir();
  if (buildDir === null) return null;
  const dir = path.join(buildDir, id);
  try {
    fs.mkdirSync(dir);
  } catch {
    return null;
  }
  live.add(dir);
  return dir;
}

/**
 * Moves the freshly spawned `pid` into the run's cgroup. Called right after spawn: the interpreter needs
 * milliseconds to start, so the script cannot have started a process yet. False when the move is refused.
 */
export function enterCgroup(dir: string, pid: number): boolean {
  try {
    fs.writeFileSync(path.join(dir, 'cgroup.procs'), String(pid));
    return true;
  } catch {
    leaveRunCgroup(dir);
    return false;
  }
}

/** True while any process of the cgroup (or of a cgroup inside it) lives; zombies do not count. */
export function populated(dir: string): boolean {
  try {
    return /^populated 1$/m.test(fs.readFileSync(path.join(dir, 'cgroup.events'), 'utf8'));
  } catch {
    return false;
  }
}

/** The live processes of the cgroup and of every cgroup inside it. */
export function cgroupPids(dir: string): number[] {
  const out: number[] = [];
  let entries: fs.Dirent[] = [];
  try {
    for (const line of fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n')) if (line) out.push(Number(line));
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) if (e.isDirectory()) out.push(...cgroupPids(path.join(dir, e.name)));
  return out;
}

/** SIGKILL to every process of the cgroup at once (Linux 5.14+); false where `cgroup.kill` does not exist. */
export function killCgroup(dir: string): boolean {
  try {
    fs.writeFileSync(path.join(dir, 'cgroup.kill'), '1');
    return true;
  } catch {
    return false;
  }
}

/** Removes the run's cgroup once it is empty; a populated one is retried at exit. */
export function leaveRunCgroup(dir: string): void {
  if (removeTree(dir)) live.delete(dir);
}
