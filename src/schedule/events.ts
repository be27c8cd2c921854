/**
 * Everything observable about a build, as one stream of events. The scheduler and the build emit them; the
 * terminal, JSON, JUnit, dry-run and live HTML reporters consume them, and nothing else prints.
 */
import type { Change } from '../model/change.js';
import type { LatestEntry } from '../model/entry.js';
import type { Interpreter, Run, RunResult } from '../model/run.js';
import type { Plan, PlanEntry } from '../plan/plan.js';
import type { JobProgress } from '../run/executor.js';
import type { ScriptVerdict } from './verdict.js';

export interface BuildSummary {
  ok: boolean;
  runconfig: string;
  interrupted: boolean;
  dryRun: boolean;
  entries: PlanEntry[];
  /** Runs of this build by path (the last one when a script ran twice). */
  runs: Map<string, Run>;
  /** Scripts another build ran while this one waited for it, with that build's result. */
  byOther: Map<string, LatestEntry>;
  /** Every selected script's outcome (see verdict.ts); `ok` is false when any of them fails the build. */
  verdicts: ScriptVerdict[];
  /** The interpreter the scripts ran with, and where that choice came from. */
  python: Interpreter & { origin: string };
  elapsedMs: number;
  /** Scripts whose results changed (this build's runs), or still differ from their baseline (the others). */
  changed?: ChangedScript[];
  /** --fail-on-change (or the config's failOnChange): `changed` fails the build. */
  failOnChange?: boolean;
}

/** A script whose results differ from its baseline or previous run. `changes` is empty when it did not run now. */
export interface ChangedScript {
  path: string;
  ran: boolean;
  against: 'baseline' | 'previous';
  changes: Change[];
  count: number;
  /** When the run that changed started (ISO). */
  at: string;
}

/** Why a planned script was not run by this build. */
export type SkipReason = 'claimed-by-other';

export type BuildEvent =
  | { type: 'warning'; message: string }
  | { type: 'planned'; plan: Plan; runconfig: string; dryRun: boolean; python: Interpreter & { origin: string } }
  | { type: 'started'; path: string }
  | { type: 'output'; path: string; stream: 'stdout' | 'stderr'; chunk: Buffer }
  /** A cluster job's state changed (SLURM runs): queued with SLURM's reason, running on a node. */
  | { type: 'job'; path: string; job: JobProgress }
  /** `mayRetry`: it failed on a missing file in the build's first pass; a `retried` event may follow. */
  | { type: 'finished'; run: Run; mayRetry?: boolean }
  /** Not run by this build now; `detail` says more (which build holds it). */
  | { type: 'skipped'; path: string; why: SkipReason; detail?: string }
  /** Another build ran the script meanwhile: its result stands for this build's. */
  | { type: 'elsewhere'; path: string; result: RunResult; error: { type: string; message: string } | null }
  /** First builds: the script failed on a missing file that another script then wrote; it runs once more. */
  | { type: 'retried'; path: string; writers: string[]; files: string[] }
  /** Finished runs reached the ledger on disk. */
  | { type: 'recorded'; paths: string[] }
  /** Ctrl-C or SIGTERM: running scripts are being stopped. */
  | { type: 'interrupted' }
  | { type: 'done'; summary: BuildSummary };

export type BuildEventType = BuildEvent['type'];

/**
 * A consumer of build events. `on` may return a promise for `done` (writing a file); the build awaits it, and a
 * rejection means that reporter's output could not be written.
 */
export interface Reporter {
  on(event: BuildEvent): void | Promise<void>;
}

export type Emit = (event: BuildEvent) => void;
