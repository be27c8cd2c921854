/**
 * Finds the project's scripts: every `.py` file in the monitored directories, minus the excludes, each marked
 * tracked or untracked and given its filegroups. Reads the file system only; hashing is the planner's input stage.
 */
import fs from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';
import type { ResolvedConfig } from '../config/types.js';
import { UserError } from '../util/errors.js';
import { isInside, toRel } from '../util/paths.js';
import { statQuietly } from '../util/stat.js';
import { fnmatchAny } from './fnmatch.js';

export interface Script {
  /** Project-relative, `/` separators. */
  path: string;
  abs: string;
  tracked: boolean;
  groups: string[];
  /** Set when a run of this script wrote the file: it is an output (joblib's cache code, say), not tracked. */
  generatedBy?: string;
}

export interface MonitorStatus {
  dir: string;
  /** Added from the served Tracking page (kept in the ledger), not in the config. */
  fromLedger?: boolean;
  exists: boolean;
  recurse: boolean;
  autoTrack: boolean;
  shouldExist: boolean;
  group: string | null;
}

export interface Discovery {
  scripts: Script[];
  monitors: MonitorStatus[];
  warnings: string[];
  /**
   * Every folder the walk listed (and each monitored folder), with its mtime as it was just before listing it;
   * null when it did not exist. A folder whose mtime is unchanged has the same entries: the fast no-op relies on it.
   */
  dirs: Map<string, number | null>;
}

/** Explicit track/untrack decisions, kept in the ledger. */
export interface TrackState {
  tracked: ReadonlySet<string>;
  untracked: ReadonlySet<string>;
  /** `.py` files a tracked script's run wrote -> that script: outputs, not scripts, unless tracked explicitly. */
  generated?: ReadonlyMap<string, string>;
  /** Folders monitored besides the config's (project-relative, from the served Tracking page). */
  monitors?: ReadonlyArray<string>;
}

/** Folders that never hold scripts worth running: outputs, virtualenvs, caches (and hidden folders). */
const SKIP_DIRS = new Set(['_output', 'node_modules', '.venv', 'venv', '__pycache__']);

export interface WalkOptions {
  /** Follow symlinks to folders outside `dir` (by default only those that stay inside it). */
  followSymlinks: boolean;
  /** Told about each folder symlink that was not followed because it leaves `dir`. */
  onLeaving?: (link: string, target: string) => void;
  /** Told about each folder just before it is listed. */
  onDir?: (dir: string) => void;
}

/**
 * Every `*.py` file under `dir` (or directly in it), following symlinks to files, and to folders as long as they
 * stay inside `dir` (a link to an installed package or to /etc would plan and run what is not the project's)
 * unless `followSymlinks`. A folder reached twice through symlinks (a loop, or two links to one place) is walked
 * once: globbing libraries follow a loop until the path gets too long, so this walk is our own.
 */
export function walkScripts(dir: string, recurse: boolean, skip: Set<string>, opts: WalkOptions = { followSymlinks: false }): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  let top = dir;
  try {
    top = fs.realpathSync.native(dir);
  } catch {
    // Walked below as it is (and found empty).
  }
  // Folders reached through a symlink are walked after every real folder, so a script is named by its real
  // path when it has one.
  const linked: string[] = [];
  const visit = (d: string, real: string): void => {
    if (seen.has(real)) return;
    seen.add(real);
    opts.onDir?.(d);
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      // Plain concatenation: `d` is already normalised, and path.join per entry shows in no-op profiles.
      const p = d + path.sep + e.name;
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      if (e.isSymbolicLink()) {
        try {
          const st = fs.statSync(p);
          isDir = st.isDirectory();
          isFile = st.isFile();
        } catch {
          continue; // dangling link
        }
      }
      if (isFile && e.name.endsWith('.py')) out.push(p);
      else if (isDir && recurse && !SKIP_DIRS.has(e.name) && !skip.has(p)) {
        if (e.isSymbolicLink()) linked.push(p);
        else visit(p, real + path.sep + e.name);
      }
    }
  };
  visit(dir, top);
  while (linked.length) {
    const link = linked.shift()!;
    let real: string;
    try {
      real = fs.realpathSync.native(link);
    } catch {
      continue;
    }
    if (!opts.followSymlinks && !isInside(top, real)) opts.onLeaving?.(link, real);
    else visit(link, real);
  }
  return out;
}

export async function discover(config: ResolvedConfig, track: TrackState): Promise<Discovery> {
  const warnings: string[] = [];
  const monitors: MonitorStatus[] = [];
  const isExcluded = fnmatchAny(config.exclude);
  const found = new Map<string, Script>();
  const ownDirs = [config.reportDir, path.dirname(config.ledger)].filter((d) => isInside(config.root, d) && d !== config.root);
  const dirs = new Map<string, number | null>();
  const onDir = (d: string): void => void dirs.set(d, mtimeOf(d));

  for (const m of [...config.monitor, ...extraMonitors(config, track.monitors ?? [])]) {
    const where = config.file ?? 'the default config';
    const stat = statQuietly(m.abs);
    if (stat && !stat.isDirectory()) {
      throw new UserError(`Config file ${where}: monitored directory "${m.dir}" (${m.abs}) is a file, not a directory.`);
    }
    if (!dirs.has(m.abs)) dirs.set(m.abs, stat?.mtimeMs ?? null);
    monitors.push({ dir: m.dir, exists: stat !== undefined, recurse: m.recurse, autoTrack: m.autoTrack, shouldExist: m.shouldExist, group: m.group, ...('fromLedger' in m ? { fromLedger: true } : {}) });
    if (!stat) {
      if (m.shouldExist) {
        throw new UserError(`Config file ${where}: monitored directory "${m.dir}" (${m.abs}) does not exist, and it has shouldExist: true.`);
      }
      warnings.push(`monitored directory "${m.dir}" does not exist; skipped`);
      continue;
    }
    const files = walkScripts(m.abs, m.recurse, new Set(ownDirs), {
      followSymlinks: m.followSymlinks,
      onDir,
      onLeaving: (link, target) =>
        warnings.push(`"${toRel(config.root, link)}" links to ${target}, outside monitored directory "${m.dir}"; not followed (followSymlinks: true follows it)`),
    });
    for (const abs of files) {
      const rel = toRel(config.root, abs);
      // Monitored folders may lie outside the project (the original's monitored directories anywhere on disk): their
      // scripts are named relative to the root, `../lib-examples/ex1.py`.
      if (!isInside(config.root, abs) && !isInside(m.abs, abs)) continue;
      if (isExcluded(path.basename(abs)) || isExcluded(rel) || isExcluded(abs)) continue;
      const prev = found.get(rel);
      const autoTracked = m.autoTrack || (prev?.tracked ?? false);
      const groups = prev?.groups ?? [];
      if (m.group && !groups.includes(m.group)) groups.push(m.group);
      found.set(rel, { path: rel, abs, tracked: autoTracked, groups });
    }
  }
  const scripts = decide([...found.values()], track, config);
  return { scripts, monitors, warnings, dirs };
}

/** A folder's mtime; null when it cannot be stat'ed (the walk finds nothing there either, while that holds). */
function mtimeOf(d: string): number | null {
  return statQuietly(d)?.mtimeMs ?? null;
}

/** Tracking as the ledger decides it (explicit choices, then generated files), and the config's groups; path order. */
function decide(scripts: Script[], track: TrackState, config: ResolvedConfig): Script[] {
  const groupMatchers = Object.entries(config.groups).map(([name, globs]) => ({ name, test: picomatch(globs, { dot: true }) }));
  for (const s of scripts) {
    const writer = track.generated?.get(s.path);
    if (writer !== undefined) s.generatedBy = writer;
    if (track.untracked.has(s.path)) s.tracked = false;
    else if (track.tracked.has(s.path)) s.tracked = true;
    else if (writer !== undefined) s.tracked = false;
    for (const g of groupMatchers) if (g.test(s.path) && !s.groups.includes(g.name)) s.groups.push(g.name);
    s.groups.sort();
  }
  // Code-unit order, not localeCompare: the same on every machine and locale.
  return scripts.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Folders kept in the ledger as monitored (added from the served Tracking page): recursive, not auto-tracked (their
 * scripts are listed to be ticked), never outside the project, and not again when the config monitors them.
 */
function extraMonitors(config: ResolvedConfig, dirs: ReadonlyArray<string>): ResolvedConfig['monitor'] {
  const known = new Set(config.monitor.map((m) => m.abs));
  return dirs
    .map((dir) => ({ dir, abs: path.resolve(config.root, dir) }))
    .filter((m) => isInside(config.root, m.abs) && !known.has(m.abs))
    .map((m) => ({ ...m, recurse: true, autoTrack: false, shouldExist: false, group: null, followSymlinks: false, fromLedger: true }));
}

/** Every group name the config defines, from `groups` and from `monitor[].group`. */
export function groupNames(config: ResolvedConfig): string[] {
  const names = new Set(Object.keys(config.groups));
  for (const m of config.monitor) if (m.group) names.add(m.group);
  return [...names].sort();
}
