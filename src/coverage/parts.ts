/**
 * Coverage data on disk: one small JSON file per script and runconfig, written by the shim
 * (`shim/mreorg/_coverage.py`) at the end of each run measured with coverage on:
 *
 *   <ledger folder>/coverage/<runconfig slug>/<script slug>.json
 *     { version: 1, runId, script: "/abs/sims/a.py", coverage: "6.5.0",
 *       files: { "/abs/lib/neuron.py": { sha256, statements: [1, 2, ...], executed: [1, 2], functions: [
 *         { name: "Model.fit", line: 9, body: 10, end: 12 } ] } } }
 *
 * A rerun of a script overwrites its own file only, so "the whole picture" is the set of files, and combining is
 * reading them (a few KB each). Paths inside are absolute as the interpreter saw them (symlinks resolved).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const PART_VERSION = 1;

export interface PartFunction {
  /** Qualified: `simulate`, `Model.fit`, `outer.<locals>.inner`. */
  name: string;
  /** The `def` line. */
  line: number;
  /** First line of the body: a function counts as reached when a line from here to `end` ran. */
  body: number;
  end: number;
}

export interface PartFile {
  sha256: string;
  statements: number[];
  executed: number[];
  functions: PartFunction[];
}

export interface CoveragePart {
  runId: string;
  /** Absolute path of the script as the interpreter saw it. */
  script: string;
  files: Record<string, PartFile>;
}

/** The folder of one runconfig's parts. */
export function partsDir(ledgerDir: string, runconfig: string): string {
  return path.join(ledgerDir, 'coverage', nameOf(runconfig));
}

/** The part file of one script (project-relative path) in a runconfig's folder. */
export function partFile(dir: string, script: string): string {
  return path.join(dir, `${nameOf(script)}.json`);
}

/** A readable, unique file name for a key: its characters reduced to [A-Za-z0-9_-], then a short hash of it. */
function nameOf(key: string): string {
  const slug = key.replace(/[^A-Za-z0-9_]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 48);
  return `${slug}-${createHash('sha1').update(key).digest('hex').slice(0, 10)}`;
}

/** Every readable part in a runconfig's folder; a file that is not one (half-written, foreign) is skipped. */
export function readParts(dir: string): CoveragePart[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort();
  } catch {
    return [];
  }
  const out: CoveragePart[] = [];
  for (const name of names) {
    const part = parsePart(readText(path.join(dir, name)));
    if (part) out.push(part);
  }
  return out;
}

function readText(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

const isLines = (v: unknown): v is number[] => Array.isArray(v) && v.every((n) => Number.isInteger(n));
const isFunction = (f: unknown): f is PartFunction => {
  const o = f as PartFunction;
  return typeof o?.name === 'string' && [o.line, o.body, o.end].every((n) => Number.isInteger(n));
};

/** A part, checked field by field (the file is written by a script's process, so it is input), or null. */
export function parsePart(text: string | null): CoveragePart | null {
  if (text === null) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  const o = raw as { version?: unknown; runId?: unknown; script?: unknown; files?: unknown };
  if (o?.version !== PART_VERSION || typeof o.script !== 'string' || typeof o.files !== 'object' || o.files === null) return null;
  const files: Record<string, PartFile> = {};
  for (const [file, v] of Object.entries(o.files as Record<string, unknown>)) {
    const f = v as PartFile;
    if (typeof f?.sha256 !== 'string' || !isLines(f.statements) || !isLines(f.executed)) continue;
    if (!Array.isArray(f.functions) || !f.functions.every(isFunction)) continue;
    files[file] = { sha256: f.sha256, statements: f.statements, executed: f.executed, functions: f.functions };
  }
  return { runId: typeof o.runId === 'string' ? o.runId : '', script: o.script, files };
}
