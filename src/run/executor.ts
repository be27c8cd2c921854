/**
 * How a script gets run, as the scheduler sees it. The scheduler decides what runs when; an executor only starts
 * one job and reports its Run. Local child processes today; a cluster, warm interpreters and remote workers are
 * further implementations of the same interface.
 */
import type { Runconfig } from '../config/types.js';
import type { Run } from '../model/run.js';

export interface Job {
  /** Project-relative path of the script. */
  path: string;
  /** Content hash of the script as it starts (recorded in the run). */
  hash: string;
  runconfig: Runconfig;
  /** Called with each chunk the script writes, as it writes it (for live views). */
  onOutput?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
  /** Called when a cluster job's state changes (queued with SLURM's reason, running on a node). */
  onJob?: (job: JobProgress) => void;
}

/** A cluster job as it goes: SLURM's state (PENDING, RUNNING...), why it waits, where it runs. */
export interface JobProgress {
  id: string;
  state: string;
  reason: string | null;
  node: string | null;
}

export interface RunningJob {
  /** Resolves with the run however the script ended (failure, timeout and interruption are results, not errors). */
  readonly result: Promise<Run>;
  /** Stops the script and everything it started; the run then resolves as `interrupted`. */
  stop(reason: 'interrupt'): void;
}

export interface Executor {
  /** One-time preparation before the first job (compiling the shim, checking a cluster...). */
  prepare(): Promise<void>;
  start(job: Job): RunningJob;
}
