/**
 * One script process: spawn, capture both streams (bounded), enforce the timeout, obey an abort (Ctrl-C), and
 * clean up whatever the script left running. Never throws for anything the script does: every ending is data.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { OutputCapture } from './capture.js';
import { killNow, killTree, leftovers, prepareRun, releaseRun, rootExited, trackRun, type RunTree } from './killtree.js';

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

/** What supervising a script's process needs of it: its pid, its exit, its two output streams. */
export interface ScriptProcess {
  readonly pid?: number | undefined;
  readonly stdout: Readable;
  readonly stderr: Readable;
  on(event: 'error', listener: (e: Error) => void): unknown;
  on(event: 'exit', listener: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
}
type Child = ScriptProcess;

/** The scripts running now, so a second Ctrl-C can kill them all at once. */
const active = new Set<RunTree>();

/** SIGKILL every running script and what it started, synchronously (used when the user insists on quitting). */
export function killAllNow(): void {
  for (const tree of active) killNow(tree);
}

export async function runProcess(spec: ProcessSpec): Promise<ProcessOutcome> {
  const prepared = prepareRun(spec.token);
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd,
    env: { ...spec.env, ...prepared.env, MREORG_RUN_ID: spec.token },
    // stdin is /dev/null: a script that reads input gets EOF instead of hanging the build.
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so the timeout can signal the script and its children together.
    detached: true,
  });
  return superviseProcess(spec, child, prepared);
}

/**
 * Everything after the start, for a script's process however it was started (spawned here, or forked by a warm
 * interpreter, warm-process.ts): capture, timeout, abort, leftovers. `prepared` is prepareRun's for its token.
 */
export async function superviseProcess(spec: ProcessSpec, child: ScriptProcess, prepared: ReturnType<typeof prepareRun>): Promise<ProcessOutcome> {
  const stdout = new OutputCapture(spec.maxBytes, spec.stdoutLog);
  const stderr = new OutputCapture(spec.maxBytes, spec.stderrLog);
  const started = performance.now();
  const out: ProcessOutcome = { exitCode: null, signal: null, timedOut: false, interrupted: false, durationMs: 0, stdout, stderr, spawnError: null, strays: 0 };
  const tree = trackRun(prepared, child.pid, spec.token);
  if (tree) active.add(tree);
  child.stdout.on('data', (c: Buffer) => {
    stdout.write(c);
    spec.onOutput?.('stdout', c);
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr.write(c);
    spec.onOutput?.('stderr', c);
  });
  const killing = await waitForExit(spec, child, tree, out);
  out.durationMs = performance.now() - started;
  // A timeout or an interrupt is stopping the run: let it finish before looking for what is left.
  if (killing) await killing;
  const spawned = takeSpawnedMark(spec.env);
  if (tree && out.spawnError === null) await stopLeftovers(child, tree, spawned, out);
  if (tree) {
    active.delete(tree);
    releaseRun(tree);
  }
  await stdout.close();
  await stderr.close();
  return out;
}

/**
 * Waits for the script's process to exit, stopping its tree on timeout or abort (the outcome says which).
 * Returns the stopping in progress, if any.
 */
async function waitForExit(spec: ProcessSpec, child: Child, tree: RunTree | null, out: ProcessOutcome): Promise<Promise<unknown> | null> {
  const grace = spec.graceMs ?? 2000;
  let killing: Promise<unknown> | null = null;
  const stop = (why: 'timeout' | 'interrupt'): void => {
    if (why === 'timeout') out.timedOut = true;
    else out.interrupted = true;
    if (!killing && tree) killing = killTree(tree, why === 'interrupt' ? Math.min(grace, 1000) : grace);
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
      if (tree) rootExited(tree);
      out.exitCode = code;
      out.signal = sig;
      resolve();
    });
  });
  if (timer) clearTimeout(timer);
  spec.signal?.removeEventListener('abort', onAbort);
  return killing;
}

/** After the script exited: whatever of its run is left (holding its pipes, or still in its tree) is stopped. */
async function stopLeftovers(child: Child, tree: RunTree, spawned: boolean, out: ProcessOutcome): Promise<void> {
  const drained = await raceTimeout(Promise.all([once(child.stdout), once(child.stderr)]).then(() => true), 200, false);
  const left = leftovers(tree, { pipesHeld: !drained, spawned });
  if (drained && left.length === 0) return;
  out.strays = left.length;
  if (left.length > 0) await killTree(tree, 500);
  await raceTimeout(Promise.all([once(child.stdout), once(child.stderr)]).then(() => true), 500, false);
  child.stdout.destroy();
  child.stderr.destroy();
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

/**
 * Whether the shim saw the script start a process (it makes the folder `<manifest>.spawned` when it does; see
 * docs/manifest.md); the mark is removed. True when there is no shim to ask: then only a search can tell.
 */
function takeSpawnedMark(env: NodeJS.ProcessEnv): boolean {
  if (!env.MREORG_MANIFEST) return true;
  try {
    fs.rmdirSync(`${env.MREORG_MANIFEST}.spawned`);
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
