/**
 * The scheduler: runs a plan's scripts through an executor, dependencies first and up to `jobs` at once; shares
 * work with other builds through claims; gives a script that failed on a missing file another go once its writer
 * ran; stops starting after a failure with fail-fast; stops everything on interrupt. It knows nothing of processes
 * or files: the executor, the claims, the run store and the clock come in as small interfaces, so tests drive it
 * with fakes.
 */
import pLimit from 'p-limit';
import type { LatestEntry } from '../model/entry.js';
import type { Run } from '../model/run.js';
import { clashes, endedAsExpected, type Plan, type PlanEntry } from '../plan/plan.js';
import type { Executor, RunningJob } from '../run/executor.js';
import type { Emit } from './events.js';
import { retriesAfterMissing } from './retry.js';

/** Another live build holding a script's claim. */
export interface OtherHolder {
  /** "waiting for sims/x.py, claimed by build 3f2a on host node07 (pid 12, heartbeat 4 s ago)" */
  waiting: string;
  /** When it took the claim (its clock), if known. */
  since: string | null;
}

/** Per-script claims under the build's runconfig (see src/ledger/claims.ts). */
export interface ClaimPort {
  /** True when this build now holds the claim; false when another live build does. */
  claim(path: string): boolean;
  release(path: string): void;
  /** The live build other than this one holding the claim; null when it is free, stale (heartbeat stopped) or ours. */
  holder(path: string): OtherHolder | null;
}

/** Where finished runs go (the ledger, with their fingerprints). */
export interface RunStore {
  /** The run of this script, with this content, that another build recorded after `since`; null if none. */
  ranElsewhere(path: string, hash: string, since: string): Promise<LatestEntry | null>;
  record(run: Run): Promise<void>;
  /** Writes what is recorded, soon (runs that end together are written together); an error message or null. */
  flushSoon(): Promise<string | null>;
  /** Writes everything now; throws when it cannot. */
  flushNow(): Promise<void>;
}

export interface Clock {
  /** ISO time now. */
  now(): string;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => new Date().toISOString(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

export interface SchedulerDeps {
  executor: Executor;
  claims: ClaimPort;
  store: RunStore;
  /** The script's content hash as it is about to run (after everything upstream finished). */
  hashScript: (path: string) => Promise<string>;
  clock: Clock;
  emit: Emit;
}

export interface SchedulerOptions {
  jobs: number;
  failFast: boolean;
  /** Aborted on Ctrl-C / SIGTERM. */
  signal?: AbortSignal | undefined;
  /** Where the run store lives, for messages. */
  storeName: string;
}

export interface ScheduleResult {
  /** Runs of this build by path (the last one when a script ran twice). */
  runs: Map<string, Run>;
  /** Scripts another build ran meanwhile (this build waited for it instead), with that build's result. */
  byOther: Map<string, LatestEntry>;
  /** Set when the final ledger write failed: the runs of this build are not recorded. */
  storeError: unknown;
}

interface Attempt {
  run: Run | null;
  /** We hold the script's claim: it is released once the run is on disk. */
  claimed: boolean;
  /** Another build is running it now. */
  busy?: OtherHolder;
}

/** How often a build waiting for another build's script says so again. */
const WAIT_REPORT_MS = 30_000;
/** How long a build holding unrecorded claims waits for another build's script before giving up (see below). */
const HELD_WAIT_MS = 60_000;

export class Scheduler {
  private readonly runs = new Map<string, Run>();
  private readonly byOther = new Map<string, LatestEntry>();
  /** Scripts being retried after a missing file -> the id of the run they retry. */
  private readonly retryOf = new Map<string, string>();
  private readonly tasks = new Map<string, Promise<Run | null>>();
  private readonly running = new Set<RunningJob>();
  /** Claims of runs not yet on disk: released after the final write succeeds. */
  private readonly heldClaims: string[] = [];
  private readonly limit: ReturnType<typeof pLimit>;
  /** Scripts running now (their files): one that clashes with any of them waits (see clashes()). */
  private readonly active = new Map<string, PlanEntry>();
  private wakeOnFinish: Array<() => void> = [];
  private stopStarting = false;
  private flushWarned = false;
  private startedAt = '';

  constructor(
    private readonly deps: SchedulerDeps,
    private readonly opts: SchedulerOptions,
  ) {
    this.limit = pLimit(opts.jobs);
  }

  private get aborted(): boolean {
    return Boolean(this.opts.signal?.aborted);
  }

  async run(plan: Plan): Promise<ScheduleResult> {
    this.startedAt = this.deps.clock.now();
    const onAbort = (): void => {
      this.deps.emit({ type: 'interrupted' });
      for (const job of this.running) job.stop('interrupt');
    };
    this.opts.signal?.addEventListener('abort', onAbort);
    try {
      const entries = new Map(plan.entries.map((e) => [e.path, e]));
      for (const p of plan.order) this.schedule(entries.get(p)!, entries.get(p)!.upstream);
      await Promise.all(this.tasks.values());
      if (!this.aborted && !this.stopStarting) await this.retryAfterMissing(entries);
      return { runs: this.runs, byOther: this.byOther, storeError: await this.finalWrite() };
    } finally {
      this.opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  private schedule(entry: PlanEntry, after: string[]): Promise<Run | null> {
    const p = entry.path;
    const deps = after.map((u) => this.tasks.get(u)).filter((x): x is Promise<Run | null> => x !== undefined);
    const task = Promise.all(deps).then(async () => {
      const hash = await this.deps.hashScript(p).catch((e: unknown) => {
        // An unreadable script (a folder's permissions changed mid-build): say so; the others go on.
        this.deps.emit({ type: 'warning', message: `could not read ${p}: ${e instanceof Error ? e.message : String(e)}` });
        return null;
      });
      if (hash === null) return null;
      let attempt = await this.inSlot(entry, hash);
      // Another build runs it: wait for that build, then take its result, or run it ourselves if it left none
      // (it died, or ran other content). Bounded: each wait ends when the holder stops beating.
      for (let tries = 0; attempt.busy && tries < 3; tries++) {
        const seen = attempt.busy;
        await this.waitForOtherBuild(p, seen);
        const other = this.aborted ? null : await this.deps.store.ranElsewhere(p, hash, seen.since ?? this.startedAt);
        if (other) {
          this.doneElsewhere(p, other);
          break;
        }
        attempt = await this.inSlot(entry, hash);
      }
      await this.settle(p, attempt);
      return attempt.run;
    });
    this.tasks.set(p, task);
    return task;
  }

  /** attempt() in a job slot; something failing around the script is a warning, not the end of the build. */
  private inSlot(entry: PlanEntry, hash: string): Promise<Attempt> {
    return this.limit(() => this.attempt(entry, hash)).catch((e: unknown): Attempt => {
      // Something around the script failed (its temp folder could not be made...): say so and go on with the
      // others; a rejected task would end the build with the other scripts still running.
      this.deps.emit({ type: 'warning', message: `could not run ${entry.path}: ${e instanceof Error ? e.message : String(e)}` });
      return { run: null, claimed: false };
    });
  }

  /** Runs the script if no other build does (inside a job slot). */
  private async attempt(entry: PlanEntry, hash: string): Promise<Attempt> {
    const p = entry.path;
    if (this.stopStarting || this.aborted) return { run: null, claimed: false };
    const { claims, store, emit } = this.deps;
    // A claim kept from this build's own run (its record not yet on disk) is still ours: claiming again would fail.
    const kept = this.heldClaims.indexOf(p);
    if (kept >= 0) this.heldClaims.splice(kept, 1);
    else if (!claims.claim(p)) {
      const busy = claims.holder(p);
      if (busy !== null) {
        emit({ type: 'skipped', path: p, why: 'claimed-by-other', detail: busy.waiting });
        return { run: null, claimed: false, busy };
      }
      // Released between the two calls: claim it now, or leave it if yet another build was quicker.
      if (!claims.claim(p)) return { run: null, claimed: false };
    }
    try {
      // Another build may have run it since we planned (and released its claim): then it is done.
      const other = this.runs.has(p) ? null : await store.ranElsewhere(p, hash, this.startedAt);
      if (other) {
        this.doneElsewhere(p, other);
        return { run: null, claimed: true };
      }
      await this.exclusive(entry);
      let ran: Run;
      try {
        // Waiting for a clashing script may have outlasted the build (Ctrl-C, fail-fast): then start nothing.
        if (this.stopStarting || this.aborted) return { run: null, claimed: true };
        ran = await this.execute(entry, hash);
      } finally {
        this.leave(entry);
      }
      const first = this.retryOf.get(p);
      const run = first ? { ...ran, retryOf: first } : ran;
      await store.record(run);
      this.runs.set(p, run);
      // A first-pass failure on a missing file may be retried once its writer has run: say so, so reporters can
      // wait for that decision before calling it a failure.
      const mayRetry = !first && run.result === 'failed' && (run.deps?.missing.length ?? 0) > 0;
      emit({ type: 'finished', run, mayRetry });
      const failed = (run.result === 'failed' || run.result === 'timeout') && !endedAsExpected(run.result, entry.expect);
      if (this.opts.failFast && failed) this.stopStarting = true;
      return { run, claimed: true };
    } catch (e) {
      claims.release(p);
      throw e;
    }
  }

  /** Waits (in its job slot) until no running script writes what this one touches, or touches what it writes. */
  private async exclusive(entry: PlanEntry): Promise<void> {
    for (;;) {
      const clash = [...this.active.values()].some((other) => clashes(entry.touches, other.touches));
      if (!clash) break;
      await new Promise<void>((wake) => this.wakeOnFinish.push(wake));
    }
    this.active.set(entry.path, entry);
  }

  private leave(entry: PlanEntry): void {
    this.active.delete(entry.path);
    for (const wake of this.wakeOnFinish.splice(0)) wake();
  }

  private async execute(entry: PlanEntry, hash: string): Promise<Run> {
    const { emit } = this.deps;
    const p = entry.path;
    emit({ type: 'started', path: p });
    const job = this.deps.executor.start({
      path: p,
      hash,
      runconfig: entry.runconfig,
      onOutput: (stream, chunk) => emit({ type: 'output', path: p, stream, chunk }),
      onJob: (job) => emit({ type: 'job', path: p, job }),
    });
    this.running.add(job);
    // Ctrl-C between the check in attempt() and here: stop it at once.
    if (this.aborted) job.stop('interrupt');
    try {
      return await job.result;
    } finally {
      this.running.delete(job);
    }
  }

  /**
   * Outside the job slot: the next script starts while this run is written (writes are coalesced), and the claim
   * is released only once the run is on disk, so no other build can start it again in between.
   */
  private async settle(p: string, attempt: Attempt): Promise<void> {
    let onDisk = true;
    if (attempt.run) {
      const error = await this.deps.store.flushSoon();
      onDisk = error === null;
      // A failed ledger write (full disk, read-only folder) must not stop the build: the runs stay queued and the
      // final write tries again; only if that fails too does the build end with an error.
      if (error !== null && !this.flushWarned) {
        this.deps.emit({ type: 'warning', message: `could not write the ledger ${this.opts.storeName} (${error}); will retry at the end` });
        this.flushWarned = true;
      }
      if (onDisk) this.deps.emit({ type: 'recorded', paths: [p] });
    }
    if (attempt.claimed && onDisk) this.deps.claims.release(p);
    else if (attempt.claimed) this.heldClaims.push(p);
  }

  private doneElsewhere(p: string, entry: LatestEntry): void {
    this.byOther.set(p, entry);
    this.deps.emit({ type: 'elsewhere', path: p, result: entry.result, error: entry.error });
  }

  /**
   * This script and those downstream of it must not start on old output while another build runs it: wait
   * (outside any job slot) until that build releases the claim or stops beating, saying what it waits for.
   */
  private async waitForOtherBuild(p: string, first: OtherHolder): Promise<void> {
    let wait = 50;
    let sinceReport = 0;
    let waited = 0;
    for (let h: OtherHolder | null = first; h !== null && !this.aborted; h = this.deps.claims.holder(p)) {
      // While this build holds claims of runs it could not record (a full disk), the other build may be waiting
      // for those: two such builds would wait for each other forever. Give up after a while instead.
      if (this.heldClaims.length > 0 && waited >= HELD_WAIT_MS) {
        this.deps.emit({ type: 'warning', message: `gave up ${h.waiting}: this build holds claims of runs it could not record, which that build may be waiting for` });
        return;
      }
      if (sinceReport >= WAIT_REPORT_MS) {
        this.deps.emit({ type: 'warning', message: h.waiting });
        sinceReport = 0;
      }
      await this.deps.clock.sleep(wait);
      sinceReport += wait;
      waited += wait;
      wait = Math.min(1000, wait * 2);
    }
  }

  private async retryAfterMissing(entries: Map<string, PlanEntry>): Promise<void> {
    for (const r of retriesAfterMissing(this.runs.values())) {
      if (this.stopStarting || this.aborted) break;
      entries.get(r.path)?.reasons.push({ kind: 'retried-after-write', writers: r.writers, files: r.files });
      this.retryOf.set(r.path, this.runs.get(r.path)!.id);
      this.deps.emit({ type: 'retried', ...r });
      this.tasks.delete(r.path);
      await this.schedule(entries.get(r.path)!, []);
    }
  }

  /** The last write; claims of runs it could not record stay, so the next build reruns those scripts. */
  private async finalWrite(): Promise<unknown> {
    try {
      await this.deps.store.flushNow();
    } catch (e) {
      return e;
    }
    for (const p of this.heldClaims.splice(0)) this.deps.claims.release(p);
    return null;
  }
}
