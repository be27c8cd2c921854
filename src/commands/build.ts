/**
 * `mreorg build`: plan, then run every stale script (dependencies first, up to `jobs` at once), record each run
 * as it finishes, rewrite the report as results come in, and end with a summary and an exit code.
 */
import fs from 'node:fs';
import path from 'node:path';
import pLimit from 'p-limit';
import type { Run, LatestEntry, Fingerprint } from '../ledger/types.js';
import { CHANGED_DURING_RUN, type PlanEntry } from '../plan/plan.js';
import type { BuildSummary, Reporter } from '../reporters/events.js';
import { ensureShimBytecode } from '../run/interpreter.js';
import { LAUNCHER, runScript } from '../run/script.js';
import { UserError, messageOf } from '../util/errors.js';
import { openProject, planFor, resolveRunconfig, saveCaches, survey, type GlobalOptions, type Project, type Survey } from './project.js';

export interface BuildOptions extends GlobalOptions {
  paths?: string[];
  groups?: string[];
  runconfig?: string | undefined;
  force?: boolean;
  retryFailed?: boolean;
  dryRun?: boolean;
  failFast?: boolean;
  /** Aborted on Ctrl-C / SIGTERM. */
  signal?: AbortSignal;
  /** Called (debounced by the caller) whenever the ledger changed, to refresh the report. */
  onProgress?: (project: Project, building: boolean) => void;
}

export interface BuildResult {
  summary: BuildSummary;
  project: Project;
  dryRun: boolean;
  /** The build's survey, when it still describes the whole project (no filters, nothing ran): the report reuses it. */
  survey: Survey | null;
}

export async function build(cwd: string, opts: BuildOptions, reporter: Reporter): Promise<BuildResult> {
  const t0 = performance.now();
  const project = await openProject(cwd, opts);
  const { config, ledger, hasher, claims } = project;
  const runconfig = resolveRunconfig(config, opts.runconfig);
  const rc = config.runconfigs[runconfig]!;
  const sv = await survey(project, cwd, { paths: opts.paths, groups: opts.groups, packages: config.rerunOn.packages });
  for (const w of [...project.warnings, ...sv.discovery.warnings]) reporter.warning(w);
  const thePlan = planFor(project, sv, runconfig, opts);
  reporter.planned(thePlan, runconfig);
  const runs = new Map<string, Run>();
  const summary = (interrupted: boolean): BuildSummary => ({
    ok: !interrupted && [...runs.values()].every((r) => r.result === 'success'),
    runconfig,
    interrupted,
    entries: thePlan.entries,
    runs,
    elapsedMs: performance.now() - t0,
  });
  if (opts.dryRun || thePlan.order.length === 0) {
    await saveCaches(project);
    const whole = !opts.paths?.length && !opts.groups?.length;
    return { summary: summary(false), project, dryRun: Boolean(opts.dryRun), survey: whole ? sv : null };
  }

  await ensureShimBytecode(config.python, sv.interpreter.version, path.dirname(LAUNCHER));
  const entries = new Map(thePlan.entries.map((e) => [e.path, e]));
  const limit = pLimit(config.jobs);
  let stopStarting = false;
  const finished = new Map<string, Promise<Run | null>>();

  const buildStart = new Date().toISOString();
  // A failed ledger write (full disk, read-only folder) must not stop the build: the runs stay queued and the
  // final flush tries again; only if that fails too does the build end with an error.
  let flushWarned = false;
  // Runs that end close together are written together: each flush serialises the whole ledger.json, so on a
  // cold build of many short scripts one write per run would cost more than the runs. A run waits at most this
  // long to be on disk (and its claim is held until it is).
  const FLUSH_SPACING_MS = 200;
  let lastFlush = 0;
  /** Writes what is queued; false when the ledger could not be written (the runs stay queued). */
  const flush = async (): Promise<boolean> => {
    const wait = lastFlush + FLUSH_SPACING_MS - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    lastFlush = Date.now();
    try {
      await ledger.flush();
      return true;
    } catch (e) {
      if (!flushWarned) reporter.warning(`could not write the ledger ${ledger.file} (${messageOf(e)}); will retry at the end`);
      flushWarned = true;
      return false;
    }
  };
  /** Claims of runs not yet on disk: released after the final write succeeds. */
  const heldClaims: string[] = [];
  interface Attempt {
    run: Run | null;
    /** We hold the script's claim: it is released once the run is on disk. */
    claimed: boolean;
    /** Another build is running it now. */
    busy?: boolean;
  }
  /**
   * Scripts downstream of one that another build is running must not start on its old output: wait (outside
   * any job slot) until that build releases it. Polling is fine: the other build's run takes as long as it takes.
   */
  const waitForOtherBuild = async (p: string): Promise<void> => {
    let wait = 50;
    while (claims.heldByOther(p, runconfig) && !opts.signal?.aborted) {
      await new Promise((r) => setTimeout(r, wait));
      wait = Math.min(1000, wait * 2);
    }
  };
  const runOne = async (p: string, hashNow: string): Promise<Attempt> => {
    if (stopStarting || opts.signal?.aborted) return { run: null, claimed: false };
    if (!claims.claim(p, runconfig)) {
      reporter.skipped(p, 'another mreorg build is running it now');
      return { run: null, claimed: false, busy: true };
    }
    try {
      // Another build may have run it since we planned (and released its claim): then it is done. Only an
      // optimisation: if the ledger cannot be read now, run the script anyway.
      await ledger.refresh().catch(() => {});
      const now = ledger.latest(p, runconfig);
      if (now && now.startedAt > buildStart && now.fingerprint.hash === hashNow && !runs.has(p)) {
        reporter.skipped(p, 'another mreorg build just ran it');
        return { run: null, claimed: true };
      }
      reporter.started(p);
      const run = await runScript({
        root: config.root,
        path: p,
        runconfig: rc,
        python: config.python,
        interpreter: sv.interpreter,
        hash: hashNow,
        figureFormats: config.figureFormats,
        workDir: ledger.dir,
        maxBytes: config.outputMaxBytes,
        jobs: config.jobs,
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      const entry = await latestEntry(project, sv, run);
      runs.set(p, run);
      ledger.record(run, entry);
      reporter.finished(run);
      if (opts.failFast && (run.result === 'failed' || run.result === 'timeout')) stopStarting = true;
      return { run, claimed: true };
    } catch (e) {
      claims.release(p, runconfig);
      throw e;
    }
  };

  const schedule = (p: string, after: string[]): Promise<Run | null> => {
    const deps = after.map((u) => finished.get(u)).filter((x): x is Promise<Run | null> => x !== undefined);
    const task = Promise.all(deps).then(async () => {
      // Hash the script when it is about to run, after everything upstream finished (a script may be written
      // by another one).
      const hashNow = (await hasher.hash(path.join(config.root, p))) ?? '';
      const attempt = await limit(() => runOne(p, hashNow)).catch((e: unknown): Attempt => {
        // Something around the script failed (its temp folder could not be made...): say so and go on with the
        // others; a rejected task would end the build with the other scripts still running.
        reporter.warning(`could not run ${p}: ${messageOf(e)}`);
        return { run: null, claimed: false };
      });
      if (attempt.busy) await waitForOtherBuild(p);
      // Outside the job slot: the next script starts while this run is written (writes are coalesced), and the
      // claim is released only once the run is on disk, so no other build can start it again in between.
      let onDisk = true;
      if (attempt.run) {
        onDisk = await flush();
        opts.onProgress?.(project, true);
      }
      if (attempt.claimed && onDisk) claims.release(p, runconfig);
      else if (attempt.claimed) heldClaims.push(p);
      return attempt.run;
    });
    finished.set(p, task);
    return task;
  };
  for (const p of thePlan.order) schedule(p, entries.get(p)!.upstream);
  await Promise.all(finished.values());

  // First builds know no order yet: a script that failed because a file it wanted was missing, when another
  // script of this build then wrote that file, gets one more go now. Its next plan knows the order.
  if (!opts.signal?.aborted && !stopStarting) {
    const written = new Map<string, string>();
    for (const r of runs.values()) for (const w of r.deps?.writes ?? []) written.set(w, r.path);
    const again = [...runs.values()].filter(
      (r) => r.result === 'failed' && (r.deps?.missing ?? []).some((m) => written.has(m) && written.get(m) !== r.path),
    );
    for (const r of again) {
      const writers = [...new Set((r.deps?.missing ?? []).map((m) => written.get(m)).filter((w): w is string => !!w))];
      const e = entries.get(r.path);
      if (e) e.reasons.push(`ran again after ${writers.join(', ')} wrote ${r.deps!.missing.filter((m) => written.has(m)).join(', ')}`);
      finished.delete(r.path);
      await schedule(r.path, []);
    }
  }
  try {
    await ledger.flush();
    for (const p of heldClaims.splice(0)) claims.release(p, runconfig);
  } catch (e) {
    // The claims stay: they belong to runs that are not recorded, which the next build reruns.
    throw new UserError(
      `Could not write the ledger ${ledger.file}: ${messageOf(e)}. The ledger on disk is the one before this build (intact); the runs of this build are not recorded. Free some space or fix the folder's permissions and build again.`,
      1,
    );
  }
  await saveCaches(project);
  return { summary: summary(Boolean(opts.signal?.aborted)), project, dryRun: false, survey: null };
}

/** The ledger entry the next plan compares against: the run's outcome and the digests of what it used. */
async function latestEntry(project: Project, sv: Survey, run: Run): Promise<LatestEntry> {
  const { config, hasher } = project;
  const abs = (p: string): string => path.join(config.root, p);
  // The script may have rewritten files within one mtime tick: forget their cached digests.
  for (const w of run.deps?.writes ?? []) hasher.forget(abs(w));
  const own = new Set(run.deps?.writes ?? []);
  const modules = run.deps?.modules ?? [];
  // A file the script both read and wrote is its output, not its input.
  const data = [...(run.deps?.reads ?? []), ...(run.deps?.missing ?? [])].filter((f) => !own.has(f));
  const declared = sv.declared.get(run.path) ?? [];
  const digests = await hasher.hashAll([...modules, ...data, ...declared].map(abs));
  // Inputs are hashed after the run, so guard against what changed during it: a file modified after the run
  // started may not be what the script read (it gets a digest nothing matches, so the next plan reruns the
  // script), and a file the script found missing is recorded as missing even if it exists now.
  const startedMs = Date.parse(run.startedAt);
  const read = new Set([...modules, ...(run.deps?.reads ?? [])]);
  const missing = new Set((run.deps?.missing ?? []).filter((f) => !read.has(f)));
  const digestOf = (f: string): string | null => {
    if (missing.has(f)) return null;
    const st = fs.statSync(abs(f), { throwIfNoEntry: false });
    if (st && st.mtimeMs > startedMs) return CHANGED_DURING_RUN;
    return digests.get(abs(f)) ?? null;
  };
  const pick = (files: string[]): Record<string, string | null> =>
    Object.fromEntries([...new Set(files)].sort().map((f) => [f, digestOf(f)]));
  const fingerprint: Fingerprint = {
    hash: run.hash,
    env: run.env,
    argv: run.argv,
    python: sv.interpreter.version,
    modules: pick(modules),
    data: pick([...data, ...declared]),
    packages: run.deps?.packages ?? {},
  };
  return {
    runId: run.id,
    result: run.result,
    startedAt: run.startedAt,
    durationMs: run.durationMs,
    fingerprint,
    writes: run.deps?.writes ?? [],
    figures: run.figures.length,
    error: run.error ? { type: run.error.type, message: run.error.message } : null,
  };
}

export type { PlanEntry };
