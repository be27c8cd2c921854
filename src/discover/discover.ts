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
import { fnmatchAny } from './fnmatch.js';

export interface Script {
  /** Project-relative, `/` separators. */
  path: string;
  abs: string;
  tracked: boolean;
  groups: string[];
}

export interface MonitorStatus {
  dir: string;
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
}

/** Explicit track/untrack decisions, kept in the ledger. */
export interface TrackState {
  tracked: ReadonlySet<string>;
  untracked: ReadonlySet<string>;
}

/** Folders that never hold scripts worth running: outputs, virtualenvs, caches, hidden folders. */
const BUILTIN_IGNORES = ['**/_output/**', '**/node_modules/**', '**/.venv/**', '**/venv/**', '**/__pycache__/**', '**/.*/**'];

export async function discover(config: ResolvedConfig, track: TrackState): Promise<Discovery> {
  const { globby } = await import('globby');
  const warnings: string[] = [];
  const monitors: MonitorStatus[] = [];
  const isExcluded = fnmatchAny(config.exclude);
  const groupMatchers = Object.entries(config.groups).map(([name, globs]) => ({ name, test: picomatch(globs, { dot: true }) }));
  const found = new Map<string, Script>();
  const ownDirs = [config.reportDir, path.dirname(config.ledger)].filter((d) => isInside(config.root, d) && d !== config.root);

  for (const m of config.monitor) {
    const where = config.file ?? 'the default config';
    let stat: fs.Stats | null = null;
    try {
      stat = fs.statSync(m.abs);
    } catch {
      stat = null;
    }
    if (stat && !stat.isDirectory()) {
      throw new UserError(`Config file ${where}: monitored directory "${m.dir}" (${m.abs}) is a file, not a directory.`);
    }
    monitors.push({ dir: m.dir, exists: stat !== null, recurse: m.recurse, autoTrack: m.autoTrack, shouldExist: m.shouldExist, group: m.group });
    if (!stat) {
      if (m.shouldExist) {
        throw new UserError(`Config file ${where}: monitored directory "${m.dir}" (${m.abs}) does not exist, and it has shouldExist: true.`);
      }
      warnings.push(`monitored directory "${m.dir}" does not exist; skipped`);
      continue;
    }
    const ignore = [...BUILTIN_IGNORES, ...ownDirs.filter((d) => isInside(m.abs, d)).map((d) => toRel(m.abs, d) + '/**')];
    const files = await globby(m.recurse ? '**/*.py' : '*.py', {
      cwd: m.abs,
      ignore,
      onlyFiles: true,
      dot: false,
      followSymbolicLinks: true,
      suppressErrors: true,
      absolute: true,
    });
    for (const abs of files) {
      const rel = toRel(config.root, abs);
      if (!isInside(config.root, abs)) continue;
      if (isExcluded(path.basename(abs)) || isExcluded(rel) || isExcluded(abs)) continue;
      const prev = found.get(rel);
      const autoTracked = m.autoTrack || (prev?.tracked ?? false);
      const groups = prev?.groups ?? [];
      if (m.group && !groups.includes(m.group)) groups.push(m.group);
      found.set(rel, { path: rel, abs, tracked: autoTracked, groups });
    }
  }
  const scripts = [...found.values()];
  for (const s of scripts) {
    if (track.untracked.has(s.path)) s.tracked = false;
    else if (track.tracked.has(s.path)) s.tracked = true;
    for (const g of groupMatchers) if (g.test(s.path) && !s.groups.includes(g.name)) s.groups.push(g.name);
    s.groups.sort();
  }
  // Code-unit order, not localeCompare: the same on every machine and locale.
  scripts.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { scripts, monitors, warnings };
}

/** Every group name the config defines, from `groups` and from `monitor[].group`. */
export function groupNames(config: ResolvedConfig): string[] {
  const names = new Set(Object.keys(config.groups));
  for (const m of config.monitor) if (m.group) names.add(m.group);
  return [...names].sort();
}
