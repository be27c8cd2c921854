/**
 * Watches every outstanding SLURM job of a build with one `squeue` call per round, however many jobs there are:
 * a round every few seconds, less often as the queue grows and while nothing changes, so a build of 10,000 jobs
 * costs the controller one small query every half minute, not 10,000. A job that has left squeue (it finished more
 * than MinJobAge ago, or the controller restarted) is looked up in `sacct` when accounting exists; failing that the
 * caller reads the exit status its launcher wrote.
 */
import { execFile } from 'node:child_process';
import { isFinal, parseSacctLine, parseSqueueLine, SACCT_FIELDS, SQUEUE_FIELDS, type JobStatus } from './slurm-states.js';

/** Runs a SLURM command: its stdout, or null when it failed (with stderr for messages). */
export type RunCommand = (cmd: string, args: string[], env?: NodeJS.ProcessEnv) => Promise<{ ok: boolean; stdout: string; stderr: string }>;

export const runCommand: RunCommand = (cmd, args, env) =>
  new Promise((resolve) => {
    execFile(cmd, args, { maxBuffer: 256 * 1024 * 1024, encoding: 'utf8', ...(env ? { env } : {}) }, (err, stdout, stderr) => {
      resolve({ ok: !err, stdout: String(stdout ?? ''), stderr: String(stderr ?? '') || (err?.message ?? '') });
    });
  });

/** A job's final status, or `gone`: it left squeue and sacct cannot say how it ended. */
export type JobEnd = JobStatus | 'gone';

interface Watch {
  resolve: (end: JobEnd) => void;
  onStatus: (s: JobStatus) => void;
  /** Rounds in a row the job was missing from squeue's answer. */
  misses: number;
  last: string;
}

export interface PollerOptions {
  /** The shortest wait between rounds. */
  baseMs: number;
  /** The longest. */
  maxMs: number;
  onWarning: (message: string) => void;
}

/**
 * Job ids per squeue call: Linux limits one argument to 128 KiB, which 10,000 eight-digit ids with their commas
 * come close to.
 */
const CHUNK = 5000;
const FIELDS = SQUEUE_FIELDS.map((f) => `${f}:|`).join(',');

/** Missing from squeue this many rounds in a row: the job has left it (one miss may be a job just submitted). */
const MISSES = 2;

export class JobPoller {
  private readonly watched = new Map<string, Watch>();
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  private waitMs: number;
  /** null until sacct was first tried; false once it said accounting is off. */
  private sacctWorks: boolean | null = null;
  private failures = 0;
  /** Rounds made, and the time they took (for the benchmark). */
  readonly stats = { rounds: 0, busyMs: 0 };

  constructor(
    private readonly run: RunCommand,
    private readonly opts: PollerOptions,
  ) {
    this.waitMs = opts.baseMs;
  }

  get size(): number {
    return this.watched.size;
  }

  /** Resolves once the job has ended; `onStatus` sees every change before that (queued reason, node...). */
  watch(id: string, onStatus: (s: JobStatus) => void = () => {}): Promise<JobEnd> {
    return new Promise((resolve) => {
      this.watched.set(id, { resolve, onStatus, misses: 0, last: '' });
      this.schedule(this.opts.baseMs);
    });
  }

  /** Asks again soon (after a cancel: the build wants to see its jobs end). */
  kick(ms = 300): void {
    this.waitMs = this.opts.baseMs;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.schedule(ms);
  }

  private schedule(ms: number): void {
    if (this.timer || this.busy || this.watched.size === 0) return;
    this.timer = setTimeout(() => void this.round(), ms);
  }

  private async round(): Promise<void> {
    this.timer = null;
    this.busy = true;
    const t0 = performance.now();
    let changed = false;
    try {
      changed = await this.ask();
    } finally {
      this.busy = false;
      this.stats.rounds += 1;
      this.stats.busyMs += performance.now() - t0;
    }
    // Back off while nothing changes and as the queue grows; any change brings the pace back.
    const n = this.watched.size;
    const floor = Math.min(this.opts.maxMs, this.opts.baseMs + n * 3);
    const cap = Math.min(this.opts.maxMs, 5 * this.opts.baseMs + n * 20);
    this.waitMs = changed ? floor : Math.min(cap, Math.max(floor, this.waitMs * 1.5));
    this.schedule(this.waitMs);
  }

  /** One round: squeue for all jobs (in calls of at most CHUNK ids); true when any job changed. */
  private async ask(): Promise<boolean> {
    const ids = [...this.watched.keys()];
    const seen = new Set<string>();
    let changed = false;
    for (let i = 0; i < ids.length; i += CHUNK) {
      const chunk = ids.slice(i, i + CHUNK);
      const r = await this.run('squeue', ['-h', '-t', 'all', '-j', chunk.join(','), '-O', FIELDS]);
      // squeue fails when none of the ids is known any more: then all are missing. Any other failure (the
      // controller down) is waited out.
      if (!r.ok && !/Invalid job id/i.test(r.stderr)) {
        this.failures += 1;
        if (this.failures === 3) this.opts.onWarning(`squeue fails (${r.stderr.trim() || 'no message'}); still trying`);
        return changed;
      }
      this.failures = 0;
      for (const line of r.ok ? r.stdout.split('\n') : []) {
        const s = parseSqueueLine(line);
        const w = s ? this.watched.get(s.id) : undefined;
        if (!s || !w) continue;
        seen.add(s.id);
        w.misses = 0;
        changed = this.update(s.id, w, s) || changed;
      }
    }
    const missing = ids.filter((id) => this.watched.has(id) && !seen.has(id) && ++this.watched.get(id)!.misses >= MISSES);
    if (missing.length > 0) changed = (await this.askSacct(missing)) || changed;
    return changed;
  }

  private update(id: string, w: Watch, s: JobStatus): boolean {
    const key = `${s.state}|${s.reason}|${s.node}`;
    if (key === w.last) return false;
    w.last = key;
    w.onStatus(s);
    if (isFinal(s.state)) this.finish(id, s);
    return true;
  }

  private finish(id: string, end: JobEnd): void {
    const w = this.watched.get(id);
    this.watched.delete(id);
    w?.resolve(end);
  }

  /** Jobs gone from squeue: sacct, when the cluster keeps accounting; else they are `gone`. */
  private async askSacct(ids: string[]): Promise<boolean> {
    if (this.sacctWorks !== false) {
      const r = await this.run('sacct', ['-n', '-P', '-X', '-j', ids.join(','), '-o', SACCT_FIELDS]);
      this.sacctWorks = r.ok;
      for (const line of r.ok ? r.stdout.split('\n') : []) {
        const s = parseSacctLine(line);
        const w = s ? this.watched.get(s.id) : undefined;
        if (s && w && isFinal(s.state)) this.update(s.id, w, s);
      }
    }
    for (const id of ids) if (this.watched.has(id)) this.finish(id, 'gone');
    return true;
  }
}
