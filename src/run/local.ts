/** The local executor: each job a child process of mreorg, started through the shim's launcher. */
import path from 'node:path';
import type { Interpreter } from '../model/run.js';
import { ensureShimBytecode } from './bytecode.js';
import type { RunCoverage } from './coverage.js';
import type { Executor, Job, RunningJob } from './executor.js';
import { LAUNCHER, runScript } from './script.js';

export interface LocalExecutorOptions {
  root: string;
  /** The root and monitored folders outside it. */
  areas: string[];
  python: string;
  interpreter: Interpreter;
  figureFormats: string[];
  /** Folder for manifests and full logs (the ledger's folder). */
  workDir: string;
  maxBytes: number;
  /** Scripts run at once: with more than one, BLAS thread counts default to 1. */
  jobs: number;
  /** Measure each run with coverage.py; null or absent: off. */
  coverage?: RunCoverage | null;
}

export class LocalExecutor implements Executor {
  constructor(private readonly opts: LocalExecutorOptions) {}

  prepare(): Promise<void> {
    return ensureShimBytecode(this.opts.python, this.opts.interpreter.version, path.dirname(LAUNCHER));
  }

  start(job: Job): RunningJob {
    const abort = new AbortController();
    const result = runScript({
      ...this.opts,
      path: job.path,
      runconfig: job.runconfig,
      hash: job.hash,
      signal: abort.signal,
      ...(job.onOutput ? { onOutput: job.onOutput } : {}),
    });
    return { result, stop: () => abort.abort() };
  }
}
