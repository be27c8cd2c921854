/**
 * The whole picture from the per-script parts: per library file, which scripts ran each line and reached each
 * function; per script, what of the library it exercised. Pure but for reading the library files' current
 * content (to tell which parts saw the file as it is now).
 *
 * A part measured an older version of a file (the file changed since that script last ran) cannot say which of
 * today's lines it ran: for that file it is left out and its script listed as stale, until it reruns (a changed
 * module makes it stale anyway, so the next build does that).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { toRel } from '../util/paths.js';
import type { CoveragePart, PartFile, PartFunction } from './parts.js';

export interface FunctionCoverage {
  name: string;
  line: number;
  end: number;
  /** Statements in the body, and how many of them some script ran. */
  statements: number;
  covered: number;
  /** Scripts that ran a line of its body, sorted. */
  scripts: string[];
}

export interface FileCoverage {
  /** Project-relative (or `../`) path, `/` separators. */
  path: string;
  statements: number[];
  /** Statement line -> the scripts that ran it, sorted; a statement missing here was run by none. */
  lines: Map<number, string[]>;
  covered: number;
  percent: number;
  functions: FunctionCoverage[];
  /** Scripts that imported it (their data is shown). */
  scripts: string[];
  /** Scripts whose last measured run used another version of the file: not counted here. */
  stale: string[];
  /** The version shown is not the file as it is now (changed or removed since every measured run). */
  changedSince: boolean;
}

export interface ScriptCoverage {
  script: string;
  runId: string;
  /** The script ran since without coverage: this is an earlier run's data. */
  outdated: boolean;
  files: { path: string; covered: number; statements: number; functions: string[] }[];
}

export interface CoverageView {
  runconfig: string;
  files: FileCoverage[];
  scripts: ScriptCoverage[];
  totals: { files: number; statements: number; covered: number; percent: number };
}

export interface CombineOptions {
  root: string;
  /** The root and monitored folders outside it: library paths are shown relative to the root through these. */
  areas: string[];
  /** Keep a script's part (project-relative path): the caller drops scripts that are gone or no longer tracked. */
  keep?: (script: string) => boolean;
  /** The file's current SHA-256, null when unreadable (tests replace it). */
  digest?: (abs: string) => string | null;
  /** The id of the script's last run under the runconfig, if known: a part of another run is outdated. */
  lastRunId?: (script: string) => string | null;
}

export function combine(runconfig: string, parts: CoveragePart[], o: CombineOptions): CoverageView {
  const rel = relMapper(o.root, o.areas);
  const digest = o.digest ?? sha256Of;
  // library file -> [script, its data for that file, run id]
  const byFile = new Map<string, { abs: string; seen: { script: string; runId: string; data: PartFile }[] }>();
  const scripts: ScriptCoverage[] = [];
  for (const part of parts) {
    const script = rel(part.script);
    if (o.keep && !o.keep(script)) continue;
    const files: ScriptCoverage['files'] = [];
    for (const [abs, data] of Object.entries(part.files)) {
      const file = rel(abs);
      const entry = byFile.get(file) ?? byFile.set(file, { abs, seen: [] }).get(file)!;
      entry.seen.push({ script, runId: part.runId, data });
      const ran = new Set(data.executed);
      files.push({ path: file, covered: data.statements.filter((l) => ran.has(l)).length, statements: data.statements.length, functions: data.functions.filter((f) => reached(f, ran)).map((f) => f.name) });
    }
    const last = o.lastRunId?.(script) ?? null;
    const outdated = last !== null && part.runId !== '' && last !== part.runId;
    scripts.push({ script, runId: part.runId, outdated, files: files.sort((a, b) => a.path.localeCompare(b.path)) });
  }
  const files = [...byFile].map(([file, e]) => fileCoverage(file, e.seen, digest(e.abs))).sort((a, b) => a.path.localeCompare(b.path));
  const statements = files.reduce((n, f) => n + f.statements.length, 0);
  const covered = files.reduce((n, f) => n + f.covered, 0);
  return { runconfig, files, scripts: scripts.sort((a, b) => a.script.localeCompare(b.script)), totals: { files: files.length, statements, covered, percent: percent(covered, statements) } };
}

function fileCoverage(file: string, seen: { script: string; runId: string; data: PartFile }[], now: string | null): FileCoverage {
  // The version shown: the file as it is now if some run measured it, else the one the latest run measured.
  const newest = [...seen].sort((a, b) => b.runId.localeCompare(a.runId))[0]!;
  const shown = seen.some((s) => s.data.sha256 === now) ? now! : newest.data.sha256;
  const current = seen.filter((s) => s.data.sha256 === shown);
  const model = current.find((s) => s.script === newest.script) ?? current[0]!;
  const statementSet = new Set(model.data.statements);
  const ran = new Map<number, string[]>();
  for (const s of [...current].sort((a, b) => a.script.localeCompare(b.script))) {
    for (const l of s.data.executed) if (statementSet.has(l)) (ran.get(l) ?? ran.set(l, []).get(l)!).push(s.script);
  }
  const lines = new Map([...ran].sort((a, b) => a[0] - b[0]));
  const functions = model.data.functions.map((f) => functionCoverage(f, model.data.statements, lines, current));
  return {
    path: file,
    statements: model.data.statements,
    lines,
    covered: lines.size,
    percent: percent(lines.size, model.data.statements.length),
    functions,
    scripts: current.map((s) => s.script).sort(),
    stale: seen.filter((s) => s.data.sha256 !== shown).map((s) => s.script).sort(),
    changedSince: shown !== now,
  };
}

function functionCoverage(f: PartFunction, statements: number[], lines: Map<number, string[]>, current: { script: string; data: PartFile }[]): FunctionCoverage {
  const body = statements.filter((l) => l >= f.body && l <= f.end);
  const scripts = current.filter((s) => reached(f, new Set(s.data.executed))).map((s) => s.script).sort();
  return { name: f.name, line: f.line, end: f.end, statements: body.length, covered: body.filter((l) => lines.has(l)).length, scripts };
}

/** A function was reached when a line of its body ran (its `def` line runs at import, called or not). */
function reached(f: PartFunction, ran: Set<number>): boolean {
  for (let l = f.body; l <= f.end; l++) if (ran.has(l)) return true;
  return false;
}

function percent(covered: number, total: number): number {
  return total === 0 ? 100 : Math.round((1000 * covered) / total) / 10;
}

function sha256Of(abs: string): string | null {
  try {
    return createHash('sha256').update(fs.readFileSync(abs)).digest('hex');
  } catch {
    return null;
  }
}

/**
 * Absolute path as the interpreter reported it (symlinks resolved) -> project-relative as mreorg spells it: a
 * path under an area's real location is spelled with the area as configured.
 */
export function relMapper(root: string, areas: string[]): (abs: string) => string {
  const pairs = areas.map((a) => [a, realOr(a)] as const);
  return (abs) => {
    for (const [given, real] of pairs) {
      if (real !== given && abs.startsWith(real + path.sep)) return toRel(root, given + abs.slice(real.length));
    }
    return toRel(root, abs);
  };
}

function realOr(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return p;
  }
}
