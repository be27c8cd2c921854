/**
 * The fingerprint of a finished run: the script's hash, the runconfig's env and argv, the interpreter, and the
 * digests of the modules and files the run used. Built after the run has ended, when everything upstream has
 * finished, so a digest is what the next plan will compare against.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Fingerprint, LatestEntry } from '../model/entry.js';
import { figureCount } from '../model/figures.js';
import type { Run } from '../model/run.js';
import { CHANGED_DURING_RUN } from './diff.js';

/** The part of the file hasher a fingerprint needs (absolute paths). */
export interface Digester {
  hashAll(paths: Iterable<string>): Promise<Map<string, string | null>>;
  forget(abs: string): void;
}

export interface FingerprintContext {
  root: string;
  digester: Digester;
  /** Declared inputs of the run's script (expanded, project-relative). */
  declared: string[];
  /** Interpreter version the run used. */
  python: string;
}

export async function fingerprintOf(run: Run, ctx: FingerprintContext): Promise<Fingerprint> {
  const abs = (p: string): string => path.join(ctx.root, p);
  // The script may have rewritten files within one mtime tick: forget their cached digests.
  for (const w of run.deps?.writes ?? []) ctx.digester.forget(abs(w));
  const own = new Set(run.deps?.writes ?? []);
  const modules = run.deps?.modules ?? [];
  // A file the script both read and wrote is its output, not its input.
  const data = [...(run.deps?.reads ?? []), ...(run.deps?.missing ?? [])].filter((f) => !own.has(f));
  // A declared file the run wrote itself is its output too.
  const declared = ctx.declared.filter((f) => !own.has(f));
  const digests = await ctx.digester.hashAll([...modules, ...data, ...declared].map(abs));
  // Inputs are hashed after the run, so guard against what changed during it: a file modified after the run
  // started may not be what the script read (it gets a digest nothing matches, so the next plan reruns the
  // script), and a file the script found missing is recorded as missing even if it exists now.
  const startedMs = Date.parse(run.startedAt);
  const read = new Set([...modules, ...(run.deps?.reads ?? [])]);
  const missing = new Set((run.deps?.missing ?? []).filter((f) => !read.has(f)));
  const opened = run.deps?.opened;
  const digestOf = (f: string): string | null => {
    if (missing.has(f)) return null;
    const st = fs.statSync(abs(f), { throwIfNoEntry: false, bigint: true });
    const atOpen = opened?.[f];
    // Precise when the shim saw the file opened: changed only if it differs from what the script read (a file
    // written before the script opened it, by another script or by the run's own child program, is fine).
    if (atOpen !== undefined) return st && `${st.size}:${st.mtimeNs}:${st.ino}` === atOpen ? (digests.get(abs(f)) ?? null) : CHANGED_DURING_RUN;
    // Else conservative: anything modified since the run started.
    if (st && Number(st.mtimeMs) > startedMs) return CHANGED_DURING_RUN;
    return digests.get(abs(f)) ?? null;
  };
  const pick = (files: string[]): Record<string, string | null> =>
    Object.fromEntries([...new Set(files)].sort().map((f) => [f, digestOf(f)]));
  return {
    hash: run.hash,
    env: run.env,
    argv: run.argv,
    python: ctx.python,
    modules: pick(modules),
    data: pick([...data, ...declared]),
    packages: run.deps?.packages ?? {},
    ...(run.timeout !== undefined ? { timeout: run.timeout } : {}),
  };
}

/** The ledger entry the next plan compares against: the run's outcome and its fingerprint. */
export function latestEntryOf(run: Run, fingerprint: Fingerprint): LatestEntry {
  return {
    runId: run.id,
    result: run.result,
    startedAt: run.startedAt,
    durationMs: run.durationMs,
    fingerprint,
    writes: run.deps?.writes ?? [],
    figures: figureCount(run.figures),
    error: run.error ? { type: run.error.type, message: run.error.message } : null,
    ...(run.job ? { job: run.job } : {}),
  };
}
