/**
 * A run of a script, as every stage sees it: the executor makes it, the ledger stores it, the reporters show it.
 * Plain JSON: the ledger file is read by other tools (and people), so names are spelled out and times are ISO
 * strings.
 */
import type { Comparison, ResultSnapshot } from './change.js';

/** How a run ended. `interrupted` = mreorg was stopped (Ctrl-C, SIGTERM) while the script ran. */
export type RunResult = 'success' | 'failed' | 'timeout' | 'interrupted';

/** One frame of a Python traceback, outermost first. `file` is absolute, as Python reports it. */
export interface TraceFrame {
  file: string;
  line: number;
  function: string;
  code?: string;
}

/** An uncaught Python exception, from the shim's manifest or, failing that, parsed from stderr. */
export interface RunError {
  type: string;
  message: string;
  traceback: string;
  frames: TraceFrame[];
}

/** A figure file a run saved. `path` is project-relative with `/` separators. */
export interface RunFigure {
  path: string;
  format: string;
  number: number | null;
  name: string;
  width: number | null;
  height: number | null;
}

/** Captured output of one stream: bounded head + tail, with how many bytes were left out between them. */
export interface CapturedOutput {
  text: string;
  totalBytes: number;
  droppedBytes: number;
  /** Project-relative path of the full log (kept beside the ledger) when bytes were dropped. */
  logFile: string | null;
}

/** The files a run used, learned from the shim's manifest (project-relative, sorted). */
export interface RunDeps {
  modules: string[];
  reads: string[];
  writes: string[];
  missing: string[];
  packages: Record<string, string>;
  /**
   * Read file -> `size:mtimeNs:inode` when the script first opened it. The fingerprint compares it with the file
   * once the run has ended: only a file that differs from what the script opened changed while the run used it.
   */
  opened?: Record<string, string>;
}

/** Interpreter identity: part of the fingerprint. */
export interface Interpreter {
  executable: string;
  version: string;
}

/** The cluster job a run was (SLURM runs only); the run's `durationMs` is its run time on the node. */
export interface RunJob {
  executor: 'slurm';
  id: string;
  node: string | null;
  /** From submission to start; null when it never started. */
  queuedMs: number | null;
  /** SLURM's final state (COMPLETED, TIMEOUT...; `unknown` when it left the queue unseen). */
  state: string;
  /** The last reason SLURM gave while the job waited (`Resources`, `Priority`...). */
  reason?: string;
}

/** One run of one script under one runconfig. */
export interface Run {
  id: string;
  path: string;
  runconfig: string;
  startedAt: string;
  durationMs: number;
  exitCode: number | null;
  signal: string | null;
  result: RunResult;
  /** Content hash of the script when the run started. */
  hash: string;
  env: Record<string, string | null>;
  argv: string[];
  /** The run's timeout in seconds (null = none); absent in runs of older mreorg versions. */
  timeout?: number | null;
  python: Interpreter;
  stdout: CapturedOutput;
  stderr: CapturedOutput;
  error: RunError | null;
  figures: RunFigure[];
  deps: RunDeps | null;
  /**
   * Set on a run that retried an earlier run of the same build (it had failed on a missing file that another
   * script of the build then wrote): that run's id.
   */
  retryOf?: string;
  /** Set when the run was a cluster job. */
  job?: RunJob;
  /** Where the error/exit information came from. */
  source: 'manifest' | 'stderr';
  /** Why the build ran it, as described for people (absent in runs of older mreorg versions). */
  reasons?: string[];
  /** What a successful run produced, by content hash: the next run is compared with it. */
  results?: ResultSnapshot;
  /** How its results compare with the baseline or the previous successful run (successful runs only). */
  comparison?: Comparison;
}
