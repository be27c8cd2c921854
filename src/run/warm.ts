/**
 * The warm executor: scripts forked from warm interpreters (zygote.ts) that imported the preload set once,
 * instead of each paying Python's start-up and its imports again. As far as a script can tell it ran as
 * `python script.py` (see shim/mreorg/_zygote.py); everything around it (capture, limits, timeouts, the record)
 * is the local executor's. Falls back to a cold run per script: when the runconfig or script says warm=false,
 * when a matplotlibrc in the script's folder would be read at import, when the zygote will not fork, and once
 * more when a warm run crashed by a signal or lost its zygote (then the packages it used are dropped from the
 * preload set, for this build and the next ones, with a note in the run's stderr).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Run } from '../model/run.js';
import { ensureShimBytecode } from './bytecode.js';
import type { Executor, Job, RunningJob } from './executor.js';
import type { LocalExecutorOptions } from './local.js';
import { readManifest } from './manifest.js';
import { moduleOf } from './preload.js';
import { runProcess, type ProcessOutcome, type ProcessSpec } from './process.js';
import { LAUNCHER, runScript } from './script.js';
import { runWarmProcess } from './warm-process.js';
import { Zygote } from './zygote.js';

/**
 * Zygotes per build at most: each holds its preload (~50 MB with numpy and pyplot) and paid its imports once, so
 * scripts that each set their own environment would cost more warm than cold. Beyond it they run cold.
 */
export const MAX_ZYGOTES = 4;

export interface WarmExecutorOptions extends LocalExecutorOptions {
  /** Modules to import in each zygote (preload.ts). */
  preload: string[];
}

/** Remembered across builds in the ledger's folder: packages taken out of the preload set, and why. */
export interface WarmState {
  dropped: Record<string, string>;
}

export function warmStateFile(workDir: string): string {
  return path.join(workDir, 'warm.json');
}

export function readWarmState(workDir: string): WarmState {
  try {
    const d = JSON.parse(fs.readFileSync(warmStateFile(workDir), 'utf8')) as Partial<WarmState>;
    return { dropped: typeof d.dropped === 'object' && d.dropped ? d.dropped : {} };
  } catch {
    return { dropped: {} };
  }
}

export class WarmExecutor implements Executor {
  private readonly zygotes = new Map<string, Zygote>();
  private preload: string[];

  constructor(private readonly opts: WarmExecutorOptions) {
    this.preload = opts.preload;
  }

  prepare(): Promise<void> {
    return ensureShimBytecode(this.opts.python, this.opts.interpreter.version, path.dirname(LAUNCHER));
  }

  start(job: Job): RunningJob {
    const abort = new AbortController();
    const notes: string[] = [];
    const cold = job.runconfig.warm === false || fs.existsSync(path.join(this.opts.root, path.dirname(job.path), 'matplotlibrc'));
    const result = runScript(
      { ...this.opts, path: job.path, runconfig: job.runconfig, hash: job.hash, signal: abort.signal, ...(job.onOutput ? { onOutput: job.onOutput } : {}) },
      cold ? runProcess : (spec) => this.runWarm(spec, notes),
    ).then((run: Run) => {
      for (const n of notes) run.stderr.text += `\n[mreorg: ${n}]\n`;
      return run;
    });
    return { result, stop: () => abort.abort() };
  }

  /** Stops the zygotes (running children are not theirs to stop: they finish, supervised as usual). */
  close(): void {
    for (const z of this.zygotes.values()) z.stop();
    this.zygotes.clear();
  }

  private async runWarm(spec: ProcessSpec, notes: string[]): Promise<ProcessOutcome> {
    const zygote = await this.zygoteFor(spec.env);
    if (!zygote) return runProcess(spec);
    const r = await runWarmProcess(zygote, spec);
    if ('cold' in r) return runProcess(spec);
    const { out, lost } = r;
    const crashed = out.signal !== null && !out.timedOut && !out.interrupted && out.spawnError === null;
    if (!lost && !crashed) return out;
    const again = await runProcess(spec);
    const why = lost ? 'its warm interpreter died' : `it was killed by ${out.signal} under the warm interpreter`;
    if (again.signal === out.signal && !lost) {
      notes.push(`${why}, and again when run cold: the preload set is not to blame`);
      return again;
    }
    notes.push(`${why}; ran again cold. ${this.drop(spec, why)}`);
    return again;
  }

  /** Takes the packages the cold run imported out of the preload set, now and in later builds. */
  private drop(spec: ProcessSpec, why: string): string {
    const m = spec.env.MREORG_MANIFEST ? readManifest(spec.env.MREORG_MANIFEST, spec.maxBytes) : null;
    const used = new Set(Object.keys(m?.packages ?? {}).map(moduleOf));
    const dropped = this.preload.filter((p) => used.has(p.split('.')[0]!));
    if (dropped.length === 0) return 'It imported nothing preloaded: the preload set stays.';
    this.preload = this.preload.filter((p) => !dropped.includes(p));
    const state = readWarmState(this.opts.workDir);
    for (const d of dropped) state.dropped[d] = `${path.basename(spec.args[1] ?? '')}: ${why}`;
    try {
      fs.writeFileSync(warmStateFile(this.opts.workDir), `${JSON.stringify(state, null, 1)}\n`);
    } catch {
      // Not remembered: the next build tries again, and falls back again.
    }
    return `No longer preloaded: ${dropped.join(', ')} (remove them from ${warmStateFile(this.opts.workDir)} to try again).`;
  }

  /** The zygote for this environment and the current preload set; null if it could not start. */
  private async zygoteFor(env: NodeJS.ProcessEnv): Promise<Zygote | null> {
    const own = Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('MREORG_')));
    const key = JSON.stringify([this.opts.python, this.preload, Object.entries(own).sort(([a], [b]) => (a < b ? -1 : 1))]);
    let z = this.zygotes.get(key);
    if (!z) {
      if (this.zygotes.size >= MAX_ZYGOTES) return null;
      z = Zygote.start(this.opts.python, { ...own, MREORG_ZYGOTE_AREAS: this.opts.areas.join(path.delimiter) }, this.preload);
      this.zygotes.set(key, z);
    }
    const ready = await z.ready;
    return 'error' in ready || z.dead ? null : z;
  }
}
