/** Which of the discovered scripts a command acts on: filegroups and paths given on the command line. */
import fs from 'node:fs';
import path from 'node:path';
import type { ResolvedConfig } from '../config/types.js';
import { UserError } from '../util/errors.js';
import { isInside, toRel } from '../util/paths.js';
import type { Script } from './discover.js';
import { fnmatchToRegExp } from './fnmatch.js';

export interface Selection {
  paths?: string[] | undefined;
  groups?: string[] | undefined;
}

interface Target {
  given: string;
  abs: string;
  rel: string;
  isDir: boolean;
}

/** The scripts of the groups and under the paths given (paths relative to `cwd`, which may be below the root). */
export function select(config: ResolvedConfig, cwd: string, scripts: Script[], sel: Selection): Script[] {
  let out = scripts;
  if (sel.groups && sel.groups.length) out = out.filter((s) => s.groups.some((g) => sel.groups!.includes(g)));
  if (sel.paths && sel.paths.length) {
    const targets = sel.paths.map((p) => targetOf(config, cwd, p));
    for (const t of targets) {
      if (!t.isDir && !scripts.some((s) => s.path === t.rel)) throw new UserError(`${t.given} is not one of the project's scripts: ${whyNotAScript(config, t)}.`);
    }
    out = out.filter((s) => targets.some((t) => under(t, s)));
  }
  return out;
}

/**
 * What `build` may run of the paths given: a named script must be tracked, and a folder must hold a tracked
 * script, or the user is told why nothing would run there (exit 2).
 */
export function requireTracked(config: ResolvedConfig, cwd: string, paths: string[], selected: Script[]): void {
  for (const p of paths) {
    const t = targetOf(config, cwd, p);
    if (!t.isDir) {
      const s = selected.find((x) => x.path === t.rel);
      if (s && !s.tracked) {
        throw new UserError(`${t.given} is not tracked, so mreorg does not run it (its folder is monitored without autoTrack, or it was untracked). "mreorg track ${t.given}" tracks it.`);
      }
    } else if (!selected.some((s) => s.tracked && under(t, s))) {
      throw new UserError(`${t.given}: no tracked scripts here (not in a monitored directory, excluded, or untracked; see "monitor" and "exclude" in ${config.file ?? 'the config'}, and "mreorg status").`);
    }
  }
}

function targetOf(config: ResolvedConfig, cwd: string, p: string): Target {
  const abs = path.resolve(cwd, p);
  const monitored = config.monitor.some((m) => isInside(m.abs, abs) || isInside(abs, m.abs));
  if (!isInside(config.root, abs) && !monitored) throw new UserError(`Path ${p} is outside the project ${config.root} and its monitored directories.`);
  if (!fs.existsSync(abs)) throw new UserError(`Path ${p} does not exist.`);
  return { given: p, abs, rel: toRel(config.root, abs), isDir: fs.statSync(abs).isDirectory() };
}

function under(t: Target, s: Script): boolean {
  if (!t.isDir) return s.path === t.rel;
  return t.rel === '' || s.path.startsWith(t.rel + '/') || (t.rel.startsWith('..') && isInside(t.abs, s.abs));
}

/** Why a file is not one of the scripts: the exclude pattern that matched it, or where it lies. */
function whyNotAScript(config: ResolvedConfig, t: Target): string {
  const where = config.file ?? 'the config';
  if (!t.abs.endsWith('.py')) return 'only .py files are scripts';
  for (const pattern of config.exclude) {
    const re = fnmatchToRegExp(pattern);
    if (re.test(path.basename(t.abs)) || re.test(t.rel)) return `it is excluded by the pattern "${pattern}" ("exclude" in ${where})`;
  }
  const dir = path.dirname(t.abs);
  const inMonitor = config.monitor.some((m) => dir === m.abs || (m.recurse && isInside(m.abs, dir)));
  if (!inMonitor) return `it is not in a monitored directory ("monitor" in ${where}; a folder is searched below only with recurse: true)`;
  return 'it lies in a folder mreorg never searches (_output/, node_modules/, a virtualenv, __pycache__/, a hidden folder, the report or the ledger folder)';
}
