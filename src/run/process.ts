/**
 * One script process: spawn, capture both streams (bounded), enforce the timeout, obey an abort (Ctrl-C), and
 * clean up whatever the script left running. Never throws for anything the script does: every ending is data.
 */
import { spawn } from 'node:child_process';
import { OutputCapture } from './capture.js';
import { killTree, runProcesses } from './killtree.js';

export interface ProcessSpec {
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** null = no limit. */
  timeoutMs: number | null;
  /** Unique per run; set as MREORG_RUN_ID in the child so its whole tree can be found. */
  token: string;
  maxBytes: number;
  stdoutLog: string;
  stderrLog: string;
  /** Aborting stops the run (it is then `interrupted`). */
  signal?: AbortSignal;
  /** Sees each chunk of output as it arrives. */
  onOutput?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
  /** Grace between SIGTERM and SIGKILL. */
  graceMs?: number;
}

export interface ProcessOutcome {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  interrupted: boolean;
  durationMs: number;
  stdout: OutputCapture;
  stderr: OutputCapture;
  /** Set when the process could not be started at all. */
  spawnError: string | null;
  /** Processes still running after the script exited, which mreorg stopped. */
  strays: number;
}

/** Process groups of the scripts running now, so a second Ctrl-C can kill them all at once. */
const activeGroups = new Set<number>();

/** SIGKILL every running script's process group, synchronously (used when the user insists on quitting). */
export function killAllNow(): void {
  for (const pgid of activeGroups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

export async function runProcess(spec: ProcessSpec): Promise<ProcessOutcome> {
  const stdout = new OutputCapture(spec.maxBytes, spec.stdoutLog);
  const stderr = new OutputCapture(spec.maxBytes, spec.stderrLog);
  const started = performance.now();
  const out: ProcessOutcome = {
    exitCode: null,
    signal: null,
    timedOut: false,
    interrupted: false,
    durationMs: 0,
    stdout,
    stderr,
    spawnError: null,
    strays: 0,
  };
  const grace = spec.graceMs ?? 2000;
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd,
    env: { ...spec.env, MREORG_RUN_ID: spec.token },
    // stdin is /dev/null: a script that reads input gets EOF instead of hanging the build.
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so the timeout can signal the script and its children together.
    detached: true,
  });
  if (child.pid !== undefined) activeGroups.add(child.pid);
  child.stdout.on('data', (c: Buffer) => {
    stdout.write(c);
    spec.onOutput?.('stdout', c);
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr.write(c);
    spec.onOutput?.('stderr', c);
  });

  let killing: Promise<unknown> | null = null;
  const stop = (why: 'timeout' | 'interrupt'): void => {
    if (why === 'timeout') out.timedOut = true;
    else out.interrupted = true;
    if (!killing && child.pid !== undefined) killing = killTree(child.pid, spec.token, why === 'interrupt' ? Math.min(grace, 1000) : grace);
  };
  const timer = spec.timeoutMs !== null ? setTimeout(() => stop('timeout'), spec.timeoutMs) : null;
  const onAbort = (): void => stop('interrupt');
  if (spec.signal?.aborted) onAbort();
  spec.signal?.addEventListener('abort', onAbort);

  await new Promise<void>((resolve) => {
    child.on('error', (e) => {
      out.spawnError = e.message;
      resolve();
    });
    // 'exit', not 'close': a background process the script left behind may hold the pipes open forever.
    child.on('exit', (code, sig) => {
      out.exitCode = code;
      out.signal = sig;
      resolve();
    });
  });
  out.durationMs = performance.now() - started;
  if (child.pid !== undefined) activeGroups.delete(child.pid);
  if (timer) clearTimeout(timer);
  spec.signal?.removeEventListener('abort', onAbort);

  if (child.pid !== undefined && out.spawnError === null) {
    // Let the pipes drain; if something still holds them, it is a leftover of the script: stop it.
    const drained = await raceTimeout(Promise.all([once(child.stdout), once(child.stderr)]).then(() => true), 200, false);
    // The full search (/proc, every process's environment) costs milliseconds, so it runs only when something
    // of the script is visibly left: its pipes are still held open, or its process group still has members.
    // (A daemon that closed its pipes and left the group is found by the timeout and interrupt paths.)
    const left = !drained || groupAlive(child.pid) ? runProcesses(child.pid, spec.token) : [];
    if (!drained || left.length > 0) {
      out.strays = left.length;
      if (left.length > 0) await killTree(child.pid, spec.token, 500);
      await raceTimeout(Promise.all([once(child.stdout), once(child.stderr)]).then(() => true), 500, false);
      child.stdout.destroy();
      child.stderr.destroy();
    }
  }
  if (killing) await killing;
  await stdout.close();
  await stderr.close();
  return out;
}

/** `p`, or `fallback` after `ms`; the timer is cleared either way so it never keeps mreorg alive. */
async function raceTimeout<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<T>((r) => (timer = setTimeout(() => r(fallback), ms)));
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function once(stream: NodeJS.ReadableStream & { readableEnded?: boolean; destroyed?: boolean }): Promise<void> {
  if (stream.readableEnded || stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    stream.once('end', () => resolve());
    stream.once('close', () => resolve());
  });
}
