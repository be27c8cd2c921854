/**
 * What the ledger keeps of a script's last run under a runconfig: the outcome, and the fingerprint of what the run
 * depended on. The planner compares it with the project as it is now.
 */
import type { RunJob, RunResult } from './run.js';

/**
 * The fingerprint of what a run depended on. Compared field by field so the planner can say *why* a script is
 * stale. `modules` and `data` map project-relative paths to content hashes (null = did not exist then).
 */
export interface Fingerprint {
  hash: string;
  env: Record<string, string | null>;
  argv: string[];
  /** Interpreter version, e.g. "3.11.2". */
  python: string;
  modules: Record<string, string | null>;
  data: Record<string, string | null>;
  packages: Record<string, string>;
  /** The timeout the run had (seconds, null = none); absent in entries of older mreorg versions. */
  timeout?: number | null;
}

/** The latest state of one script under one runconfig: what the planner reads. Kept apart from the history. */
export interface LatestEntry {
  runId: string;
  result: RunResult;
  startedAt: string;
  durationMs: number;
  fingerprint: Fingerprint;
  /** Files this run wrote (project-relative): used to order scripts that read them. */
  writes: string[];
  /** Figures the run saved (a figure saved in two formats counts once; entries of older versions counted files). */
  figures: number;
  error: { type: string; message: string } | null;
  /** The cluster job the run was, with its run time (SLURM runs only). */
  job?: RunJob;
  /** Set when this run's results differed from what they were compared with (see change.ts). */
  changed?: { against: 'baseline' | 'previous'; changes: number };
}
