/**
 * One warm interpreter (shim/mreorg/_zygote.py): a Python process that imported the preload set once and forks
 * a child per script. This file speaks its line protocol; warm-process.ts runs a script through it.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { shimDir } from '../util/paths.js';

export const ZYGOTE = path.join(shimDir, 'mreorg', '_zygote.py');

/** What the zygote says once its preload is done. */
export interface ZygoteReady {
  loaded: string[];
  /** Module -> why it could not be imported. */
  failed: Record<string, string>;
  /** '*' -> why the zygote will not fork at all (a thread started by a preloaded module). */
  refused: Record<string, string>;
  /** OS threads of the zygote (native thread pools, e.g. OpenBLAS, which stop themselves around a fork). */
  threads: number;
}

export interface ForkRequest {
  id: string;
  script: string;
  argv: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdout: string;
  stderr: string;
}

/** How a forked child ended, as the zygote reaped it. */
export interface ChildExit {
  code: number | null;
  signal: number | null;
}

export type ForkAnswer = { pid: number } | { cold: string };

export class Zygote {
  private readonly answers = new Map<string, (a: ForkAnswer) => void>();
  private readonly exits = new Map<number, (e: ChildExit | null) => void>();
  /** Exits reported before anyone waited for them (a child quicker than the 'started' round trip). */
  private readonly early = new Map<number, ChildExit>();
  private deadReason: string | null = null;
  readonly ready: Promise<ZygoteReady | { error: string }>;

  private constructor(private readonly proc: ChildProcessByStdio<Writable, Readable, Readable>) {
    let stderr = '';
    proc.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
    let onReady: (r: ZygoteReady | { error: string }) => void = () => {};
    this.ready = new Promise((r) => (onReady = r));
    readline.createInterface({ input: proc.stdout }).on('line', (line) => {
      const [kind, a, ...rest] = line.split(' ');
      if (kind === 'ready') {
        onReady(JSON.parse(line.slice(6)) as ZygoteReady);
        this.waiting();
      }
      else if (kind === 'started') this.answer(a!, { pid: Number(rest[0]) });
      else if (kind === 'cold') this.answer(a!, { cold: rest.join(' ') });
      else if (kind === 'exited') this.exited(Number(a), rest[0] === 'signal' ? { code: null, signal: Number(rest[1]) } : { code: Number(rest[1]), signal: null });
    });
    proc.on('error', (e) => {
      // Not started at all (no such interpreter...): there may be no 'exit' to wait for.
      this.die(`the warm interpreter could not start: ${e.message}`);
      onReady({ error: this.deadReason! });
    });
    proc.on('exit', (code, sig) => {
      this.die(`the warm interpreter exited (${sig ?? `code ${code}`})${stderr ? `: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`);
      onReady({ error: this.deadReason! });
    });
    proc.stdin.on('error', () => {}); // a dead zygote: 'exit' says so
  }

  /** Starts a zygote: `python _zygote.py modules...` in the runs' environment, in its own process group. */
  static start(python: string, env: NodeJS.ProcessEnv, preload: string[]): Zygote {
    const proc = spawn(python, [ZYGOTE, ...preload], { env, cwd: '/', stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    // Not what keeps mreorg alive while nothing waits on it (see waiting()): when mreorg exits, the zygote reads
    // end-of-file and exits too.
    proc.unref();
    for (const s of [proc.stdin, proc.stderr]) (s as unknown as { unref?: () => void }).unref?.();
    return new Zygote(proc);
  }

  get dead(): string | null {
    return this.deadReason;
  }

  /** Asks for a child; resolves with its pid, or with why the zygote will not fork for this script. */
  fork(req: ForkRequest): Promise<ForkAnswer> {
    if (this.deadReason) return Promise.resolve({ cold: this.deadReason });
    return new Promise((resolve) => {
      this.answers.set(req.id, resolve);
      this.waiting();
      this.proc.stdin.write(`${JSON.stringify(req)}\n`);
    });
  }

  /** The runner has opened the FIFOs of run `id`: the zygote may let go of its ends. */
  opened(id: string): void {
    if (!this.deadReason) this.proc.stdin.write(`${JSON.stringify({ opened: id })}\n`);
  }

  /** Resolves when the child `pid` has been reaped; null when the zygote died first (the status is lost). */
  exit(pid: number): Promise<ChildExit | null> {
    const known = this.early.get(pid);
    if (known) {
      this.early.delete(pid);
      return Promise.resolve(known);
    }
    if (this.deadReason) return Promise.resolve(null);
    return new Promise((resolve) => {
      this.exits.set(pid, resolve);
      this.waiting();
    });
  }

  /** Its output keeps mreorg alive exactly while someone waits for an answer or an exit. */
  private waiting(): void {
    const stdout = this.proc.stdout as unknown as { ref?: () => void; unref?: () => void };
    if (this.answers.size + this.exits.size > 0) stdout.ref?.();
    else stdout.unref?.();
  }

  stop(): void {
    this.proc.stdin.end();
    try {
      process.kill(this.proc.pid!, 'SIGTERM');
    } catch {
      // Already gone.
    }
  }

  private answer(id: string, a: ForkAnswer): void {
    this.answers.get(id)?.(a);
    this.answers.delete(id);
    this.waiting();
  }

  private exited(pid: number, e: ChildExit): void {
    const waiting = this.exits.get(pid);
    if (waiting) {
      this.exits.delete(pid);
      this.waiting();
      waiting(e);
    } else this.early.set(pid, e);
  }

  private die(why: string): void {
    if (this.deadReason) return;
    this.deadReason = why;
    for (const resolve of this.answers.values()) resolve({ cold: why });
    this.answers.clear();
    for (const resolve of this.exits.values()) resolve(null);
    this.exits.clear();
  }
}
