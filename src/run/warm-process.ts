/**
 * One script's process forked by a warm interpreter (zygote.ts) instead of spawned: the same supervision as a
 * cold run (process.ts: capture, timeout, abort, leftovers), fed by the zygote's report of the child's exit and
 * by two FIFOs in place of pipes.
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { prepareRun, trackRun } from './killtree.js';
import { superviseProcess, type ProcessOutcome, type ProcessSpec } from './process.js';
import type { Zygote } from './zygote.js';

/** A warm run that lost its zygote mid-way: its exit status is unknown, so it must be run again cold. */
export const LOST = 'the warm interpreter exited while the script ran';

/** Signal numbers to names, the first name of each (SIGABRT, not its alias SIGIOT), as Node reports them. */
const signalNames = new Map<number, string>();
for (const [name, n] of Object.entries(os.constants.signals)) if (!signalNames.has(n)) signalNames.set(n, name);

/**
 * Runs `spec` (as runProcess would: `python launcher script args...`) in a child of `zygote`. Resolves with the
 * outcome, or with why the zygote did not fork (then nothing ran; the caller runs it cold).
 */
export async function runWarmProcess(zygote: Zygote, spec: ProcessSpec): Promise<{ out: ProcessOutcome; lost: boolean } | { cold: string }> {
  const prepared = prepareRun(spec.token);
  const base = spec.env.MREORG_MANIFEST ?? path.join(os.tmpdir(), `mreorg-${spec.token}`);
  const fifos = { stdout: `${base}.stdout`, stderr: `${base}.stderr` };
  const answer = await zygote.fork({
    id: spec.token,
    script: spec.args[1]!,
    argv: spec.args.slice(2),
    cwd: spec.cwd,
    env: { ...spec.env, ...prepared.env, MREORG_RUN_ID: spec.token },
    ...fifos,
  });
  if ('cold' in answer) {
    trackRun(prepared, undefined, spec.token); // releases the run's cgroup
    for (const f of Object.values(fifos)) fs.rmSync(f, { force: true });
    return answer;
  }
  let streams: { stdout: Readable; stderr: Readable };
  try {
    streams = { stdout: openFifo(fifos.stdout), stderr: openFifo(fifos.stderr) };
  } catch (e) {
    // Cannot read what it writes: stop it before its first line, and let it run cold.
    killGroup(answer.pid);
    trackRun(prepared, undefined, spec.token);
    return { cold: `could not open its output: ${(e as Error).message}` };
  }
  const child = Object.assign(new EventEmitter(), { pid: answer.pid, ...streams });
  zygote.opened(spec.token);
  let lost = false;
  const supervised = superviseProcess(spec, child, prepared);
  void zygote.exit(answer.pid).then(async (e) => {
    if (e === null) {
      // The zygote died: the child lives on, re-parented; wait for it to go, then call the run lost.
      lost = true;
      while (alive(answer.pid)) await new Promise((r) => setTimeout(r, 100));
    }
    child.emit('exit', e?.code ?? null, e?.signal ? (signalNames.get(e.signal) ?? `signal ${e.signal}`) : null);
  });
  const out = await supervised;
  return { out, lost };
}

/** The read end of a FIFO as a stream; the path is removed at once (the zygote and the child hold it open). */
function openFifo(file: string): Readable {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  fs.rmSync(file, { force: true });
  return new net.Socket({ fd, readable: true, writable: false });
}

/** The child and, once it has made it (setsid, its first step), its group. */
function killGroup(pid: number): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // Gone already, or no group yet.
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
