/**
 * What the ledger stores. Everything here is plain JSON: the ledger file is read by other tools (and people),
 * so names are spelled out and times are ISO strings.
 */

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
}

/** Interpreter identity: part of the fingerprint. */
export interface Interpreter {
  executable: string;
  version: string;
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
  python: Interpreter;
  stdout: CapturedOutput;
  stderr: CapturedOutput;
  error: RunError | null;
  figures: RunFigure[];
  deps: RunDeps | null;
  /** Where the error/exit information came from. */
  source: 'manifest' | 'stderr';
}

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
  figures: number;
  error: { type: string; message: string } | null;
}
