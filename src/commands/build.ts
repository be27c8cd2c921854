/**
 * `mreorg build`, wired: open the project and plan (planBuild), then hand the plan to the scheduler with a local
 * executor and the ledger as its run store (runPlan). Reporters, signals and the exit code are build-cli.ts's.
 */
import path from 'node:path';
import { requireConfig } from '../config/index.js';
import { requireTracked } from '../discover/select.js';
import { fingerprintOf, latestEntryOf } from '../fingerprint/fingerprint.js';
import { waitingFor } from '../ledger/claims.js';
import { LockHeldError } from '../ledger/lock.js';
import type { LatestEntry } from '../model/entry.js';
import type { Run } from '../model/run.js';
import { planFor } from '../plan/project-plan.js';
import type { Plan } from '../plan/plan.js';
import { openProject, resolveRunconfig, saveCaches, type GlobalOptions, type Project } from '../project/project.js';
import { reportFolderRefusal } from '../report/folder.js';
import { LocalExecutor } from '../run/local.js';
import type { BuildSummary, Emit } from '../schedule/events.js';
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
}

/** What a build decided before running anything. */
export interface PlannedBuild {
  project: Project;
  runconfig: string;
  survey: Survey;
  plan: Plan;
  /** Warnings of opening and discovery, for the reporters. */
  warnings: string[];
  startedMs: number;
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
  return { project, runconfig, survey: sv, plan, warnings: [...project.warnings, ...sv.discovery.warnings], startedMs };
}

/** Runs what the plan says must run (nothing on a dry run) and records it. */
export async function runPlan(b: PlannedBuild, opts: BuildOptions, emit: Emit): Promise<BuildResult> {
  const { project, plan } = b;
  const { config } = project;
  const summary = (runs: Map<string, Run>, byOther: Map<string, LatestEntry>, dryRun: boolean): BuildSummary => {
    const interrupted = Boolean(opts.signal?.aborted);
    const verdicts = verdictOf({ entries: plan.entries, runs, byOther });
    const ok = !interrupted && !verdicts.some((v) => FAILING.has(v.outcome));
    const python = { ...b.survey.interpreter, origin: config.pythonOrigin };
    return { ok, runconfig: b.runconfig, interrupted, dryRun, entries: plan.entries, runs, byOther, verdicts, python, elapsedMs: performance.now() - b.startedMs };
  };
  if (opts.dryRun || plan.order.length === 0) {
    await saveCaches(project);
    const whole = !opts.paths?.length && !opts.groups?.length;
    return { summary: summary(new Map(), new Map(), Boolean(opts.dryRun)), survey: whole ? b.survey : null };
  }
  const executor = new LocalExecutor({
    root: config.root,
    areas: config.areas,
    python: config.python,
    interpreter: b.survey.interpreter,
    figureFormats: config.figureFormats,
    workDir: project.ledger.dir,
    maxBytes: config.outputMaxBytes,
    jobs: config.jobs,
  });
  await executor.prepare();
  const scheduler = new Scheduler(
    {
      executor,
      claims: claimPort(project, b.runconfig),
      store: ledgerStore(project, b.survey, b.runconfig),
      hashScript: async (p) => (await project.hasher.hash(path.join(config.root, p))) ?? '',
      clock: realClock,
      emit,
    },
    { jobs: config.jobs, failFast: Boolean(opts.failFast), signal: opts.signal, storeName: project.ledger.file },
  );
  const { runs, byOther, storeError } = await scheduler.run(plan);
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

/** The ledger as the scheduler's run store: each run is fingerprinted, then queued and written in batches. */
function ledgerStore(project: Project, sv: Survey, runconfig: string): RunStore {
  const { ledger, config, hasher } = project;
  return {
    async ranElsewhere(p, hash, since) {
      // Only an optimisation: if the ledger cannot be read now, run the script anyway.
      await ledger.refresh().catch(() => {});
      const now = ledger.latest(p, runconfig);
      return now && now.startedAt >= since && now.fingerprint.hash === hash ? now : null;
    },
    async record(run) {
      const fingerprint = await fingerprintOf(run, { root: config.root, digester: hasher, declared: sv.declared.get(run.path) ?? [], python: sv.interpreter.version });
      ledger.record(run, latestEntryOf(run, fingerprint));
    },
    flushSoon: () => ledger.flushSpaced().then(
      () => null,
      (e: unknown) => messageOf(e),
    ),
    flushNow: () => ledger.flush(),
  };
}
