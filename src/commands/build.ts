/**
 * `mreorg build`, wired: open the project and plan (planBuild), then hand the plan to the scheduler with a local
 * executor and the ledger as its run store (runPlan). Reporters, signals and the exit code are build-cli.ts's.
 */
import path from 'node:path';
import { Baselines } from '../compare/baselines.js';
import { BlobStore } from '../compare/store.js';
import { requireConfig } from '../config/index.js';
import { requireTracked } from '../discover/select.js';
import { fingerprintOf, latestEntryOf } from '../fingerprint/fingerprint.js';
import { waitingFor } from '../ledger/claims.js';
import { LockHeldError } from '../ledger/lock.js';
import type { LatestEntry } from '../model/entry.js';
import { describeReason } from '../model/reason.js';
import type { Run } from '../model/run.js';
import { planFor } from '../plan/project-plan.js';
import type { Plan } from '../plan/plan.js';
import { openProject, resolveRunconfig, saveCaches, type GlobalOptions, type Project } from '../project/project.js';
import { reportFolderRefusal } from '../report/folder.js';
import { requireCoverage, runCoverage, unmeasuredWarning, type RunCoverage } from '../run/coverage.js';
import { executorFor, slurmExecutorFor } from './build-executor.js';
import type { BuildSummary, ChangedScript, Emit } from '../schedule/events.js';
import { realClock, Scheduler, type ClaimPort, type RunStore } from '../schedule/scheduler.js';
import { FAILING, verdictOf } from '../schedule/verdict.js';
import { survey, type Survey } from '../survey/survey.js';
import { UserError, messageOf } from '../util/errors.js';

export interface BuildOptions extends GlobalOptions {
  paths?: string[];
  groups?: string[];
  runconfig?: string | undefined;
  force?: boolean;
  retryFailed?: boolean;
  dryRun?: boolean;
  failFast?: boolean;
  /** The HTML report will be written (its folder is checked before anything runs). */
  report?: boolean;
  /** Aborted on Ctrl-C / SIGTERM. */
  signal?: AbortSignal;
  /** Fail (exit 1) when a result differs from its baseline (or, without one, from the previous run). */
  failOnChange?: boolean;
  /** Overrides the runconfig's executor for this build (`--executor`). */
  executor?: 'local' | 'slurm' | undefined;
  /** Run the scripts under coverage.py (as config `coverage.enabled`). */
  coverage?: boolean;
  /** Run scripts forked from warm interpreters (true), never (false), or as the runconfig says (undefined). */
  warm?: boolean | undefined;
}

/** What a build decided before running anything. */
export interface PlannedBuild {
  project: Project;
  runconfig: string;
  survey: Survey;
  plan: Plan;
  /**
   * Accepted results, read once when first needed: before anything runs when something will (a broken baselines
   * file stops the build at once), else only if a script's last run differed from its baseline (a no-op build
   * does not parse a large committed file).
   */
  baselines: () => Baselines;
  /** Warnings of opening and discovery, for the reporters. */
  warnings: string[];
  startedMs: number;
  /** What each run measures when coverage is on, else null. */
  coverage?: RunCoverage | null;
}

export interface BuildResult {
  summary: BuildSummary;
  /** The build's survey, when it still describes the whole project (no filters, nothing ran): the report reuses it. */
  survey: Survey | null;
}

export async function planBuild(cwd: string, opts: BuildOptions): Promise<PlannedBuild> {
  const startedMs = performance.now();
  const project = await openProject(cwd, opts);
  requireConfig(project.config, cwd, 'build');
  // A report folder that is not mreorg's is refused before anything runs, not after.
  if (opts.report && !opts.dryRun) {
    const refusal = reportFolderRefusal(project.config.reportDir);
    if (refusal) throw refusal;
  }
  const runconfig = resolveRunconfig(project.config, opts.runconfig);
  const sv = await survey(project, cwd, { paths: opts.paths, groups: opts.groups, packages: project.config.rerunOn.packages });
  if (opts.paths?.length) requireTracked(project.config, cwd, opts.paths, sv.scripts);
  const plan = planFor(project, sv, runconfig, opts);
  let read: Baselines | null = null;
  const baselines = (): Baselines => (read ??= Baselines.read(project.config.baselinesDir, project.config.root));
  if (plan.order.length > 0 && !opts.dryRun) baselines();
  const { config } = project;
  const coverage = opts.coverage || config.coverage.enabled ? runCoverage({ ...config, ledgerDir: project.ledger.dir, runconfig }) : null;
  if (coverage && plan.order.length > 0 && !opts.dryRun) await requireCoverage(config.python, config.pythonOrigin, config.coverage.rcfile);
  const running = new Set(plan.order);
  const unmeasured = coverage && !opts.dryRun ? unmeasuredWarning(coverage, plan.entries.filter((e) => e.state !== 'untracked' && !running.has(e.path)).map((e) => e.path)) : null;
  const warnings = [...project.warnings, ...sv.discovery.warnings, ...(unmeasured ? [unmeasured] : [])];
  return { project, runconfig, survey: sv, plan, baselines, warnings, startedMs, coverage };
}

/** Runs what the plan says must run (nothing on a dry run) and records it. */
export async function runPlan(b: PlannedBuild, opts: BuildOptions, emit: Emit): Promise<BuildResult> {
  const { project, plan } = b;
  const { config } = project;
  const summary = (runs: Map<string, Run>, byOther: Map<string, LatestEntry>, dryRun: boolean): BuildSummary => {
    const interrupted = Boolean(opts.signal?.aborted);
    const verdicts = verdictOf({ entries: plan.entries, runs, byOther });
    const changed = changedScripts(b, runs);
    const failOnChange = Boolean(opts.failOnChange || config.failOnChange);
    const ok = !interrupted && !verdicts.some((v) => FAILING.has(v.outcome)) && !(failOnChange && changed.length > 0);
    const python = { ...b.survey.interpreter, origin: config.pythonOrigin };
    return { ok, runconfig: b.runconfig, interrupted, dryRun, entries: plan.entries, runs, byOther, verdicts, python, elapsedMs: performance.now() - b.startedMs, changed, failOnChange };
  };
  if (opts.dryRun || plan.order.length === 0) {
    await saveCaches(project);
    const whole = !opts.paths?.length && !opts.groups?.length;
    return { summary: summary(new Map(), new Map(), Boolean(opts.dryRun)), survey: whole ? b.survey : null };
  }
  const local = {
    root: config.root,
    areas: config.areas,
    python: config.python,
    interpreter: b.survey.interpreter,
    figureFormats: config.figureFormats,
    workDir: project.ledger.dir,
    maxBytes: config.outputMaxBytes,
    jobs: config.jobs,
    coverage: b.coverage ?? null,
  };
  const slurm = slurmExecutorFor(project, b.runconfig, local, opts, (message) => emit({ type: 'warning', message }));
  const executor: ReturnType<typeof executorFor> = slurm?.executor ?? executorFor(project, b.runconfig, opts.warm, local);
  const jobs = slurm?.jobs ?? config.jobs;
  await executor.prepare();
  const scheduler = new Scheduler(
    {
      executor,
      claims: claimPort(project, b.runconfig),
      store: ledgerStore(b),
      hashScript: async (p) => (await project.hasher.hash(path.join(config.root, p))) ?? '',
      clock: realClock,
      emit,
    },
    { jobs, failFast: Boolean(opts.failFast), signal: opts.signal, storeName: project.ledger.file },
  );
  const { runs, byOther, storeError } = await scheduler.run(plan);
  executor.close?.();
  if (storeError !== null) {
    // The claims stay: they belong to runs that are not recorded, which the next build reruns.
    const fix = storeError instanceof LockHeldError ? 'Build again once that build has finished.' : "Free some space or fix the folder's permissions and build again.";
    throw new UserError(
      `Could not write the ledger ${project.ledger.file}: ${messageOf(storeError)}. The ledger on disk is the one before this build (intact); the runs of this build are not recorded. ${fix}`,
      1,
    );
  }
  await saveCaches(project);
  return { summary: summary(runs, byOther, false), survey: null };
}

function claimPort(project: Project, runconfig: string): ClaimPort {
  const { claims } = project;
  return {
    claim: (p) => claims.claim(p, runconfig),
    release: (p) => claims.release(p, runconfig),
    holder: (p) => {
      const h = claims.holder(p, runconfig);
      return h ? { waiting: waitingFor(p, h), since: h.at } : null;
    },
  };
}

/**
 * Scripts whose results changed: those this build ran whose results differ from what they were compared with,
 * and those not rerun whose last run still differs from their accepted baseline (until it is accepted).
 */
function changedScripts(b: PlannedBuild, runs: Map<string, Run>): ChangedScript[] {
  const out: ChangedScript[] = [];
  for (const e of b.plan.entries) {
    const run = runs.get(e.path);
    if (run) {
      const c = run.comparison;
      if (c && c.changes.length > 0) out.push({ path: e.path, ran: true, against: c.against, changes: c.changes, count: c.changes.length, at: run.startedAt });
      continue;
    }
    const latest = b.project.ledger.latest(e.path, b.runconfig);
    if (e.state === 'untracked' || latest?.changed?.against !== 'baseline') continue;
    const baseline = b.baselines().get(e.path, b.runconfig);
    // Accepting that run since makes it the baseline: then nothing differs.
    if (baseline && baseline.runId !== latest.runId) {
      out.push({ path: e.path, ran: false, against: 'baseline', changes: [], count: latest.changed.changes, at: latest.startedAt });
    }
  }
  return out;
}

/**
 * The ledger as the scheduler's run store: each run is fingerprinted, its results kept and compared with its
 * baseline or previous run, then queued and written in batches.
 */
function ledgerStore(b: PlannedBuild): RunStore {
  const { project, survey: sv, runconfig } = b;
  const { ledger, config, hasher } = project;
  const reasons = new Map(b.plan.entries.map((e) => [e.path, e.reasons.map(describeReason)]));
  const compare = {
    root: config.root,
    store: new BlobStore(path.join(ledger.dir, 'figures'), config.root),
    baselines: b.baselines(),
    history: (p: string) => ledger.runs(p),
    digest: (abs: string) => hasher.hash(abs),
    tolerance: config.figureTolerance,
    numberTolerance: config.numberTolerance,
  };
  return {
    async ranElsewhere(p, hash, since) {
      // Only an optimisation: if the ledger cannot be read now, run the script anyway.
      await ledger.refresh().catch(() => {});
      const now = ledger.latest(p, runconfig);
      // An interrupted run there is no result: this build runs the script itself.
      return now && now.result !== 'interrupted' && now.startedAt >= since && now.fingerprint.hash === hash ? now : null;
    },
    async record(run) {
      const fingerprint = await fingerprintOf(run, { root: config.root, digester: hasher, declared: sv.declared.get(run.path) ?? [], python: sv.interpreter.version });
      // The run object is the one the scheduler passes on to the reporters: what is learnt here goes with it.
      run.reasons = reasons.get(run.path) ?? [];
      // Loaded with the first finished run: a no-op build needs none of the comparison (nor its PNG decoder).
      const { compareRun } = await import('../compare/run.js');
      const compared = await compareRun(run, compare).catch((e: unknown) => {
        ledger.onWarning(`could not compare the results of ${run.path} with its last ones: ${messageOf(e)}`);
        return null;
      });
      if (compared) run.results = compared.results;
      if (compared?.comparison) run.comparison = compared.comparison;
      const changes = compared?.comparison?.changes.length ?? 0;
      const entry = latestEntryOf(run, fingerprint);
      ledger.record(run, changes > 0 ? { ...entry, changed: { against: compared!.comparison!.against, changes } } : entry);
    },
    flushSoon: () => ledger.flushSpaced().then(
      () => null,
      (e: unknown) => messageOf(e),
    ),
    flushNow: () => ledger.flush(),
  };
}
