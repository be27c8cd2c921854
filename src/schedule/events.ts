/**
 * Everything observable about a build, as one stream of events. The scheduler and the build emit them; the
 * terminal, JSON, JUnit, dry-run and live HTML reporters consume them, and nothing else prints.
 */
import type { Run } from '../model/run.js';
import type { Plan, PlanEntry } from '../plan/plan.js';

export interface BuildSummary {
  ok: boolean;
  runconfig: string;
  interrupted: boolean;
  dryRun: boolean;
  entries: PlanEntry[];
  /** Runs of this build by path (the last one when a script ran twice). */
  runs: Map<string, Run>;
  elapsedMs: number;
}

/** Why a planned script was not run by this build. */
export type SkipReason = 'claimed-by-other' | 'ran-by-other';

export type BuildEvent =
  | { type: 'warning'; message: string }
  | { type: 'planned'; plan: Plan; runconfig: string; dryRun: boolean }
  | { type: 'started'; path: string }
  | { type: 'output'; path: string; stream: 'stdout' | 'stderr'; chunk: Buffer }
  | { type: 'finished'; run: Run }
  | { type: 'skipped'; path: string; why: SkipReason }
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
