/**
 * The project's run queue: scripts asked to run (from `mreorg queue add` or the served page), in order, and which
 * worker runs each. One file, `queue.json` in the ledger folder, changed only under its lock (`queue.json.lock`,
 * lock.ts) and written atomically (temp + fsync + rename), so a reader sees the whole old queue or the whole new one.
 *
 * An entry stays in the file until its run is recorded: a worker marks it as its own (`taker`), runs the script
 * under the script's claim, and removes the entry only once the run is in the ledger. A worker killed mid-run
 * leaves its mark, and its worker file (`workers/<id>`, a lock whose heartbeat stops) goes stale: the entry then
 * counts as waiting again, and the next worker takes it over (and the dead worker's claim, see claims.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { buildIdentity } from '../ledger/identity.js';
import { inspect, removeLock, tryLock, unlock, withLock } from '../ledger/lock.js';
import { readJson, writeFileAtomic } from '../util/atomic.js';
import { UserError } from '../util/errors.js';

export const QUEUE_VERSION = 1;

/** The worker running an entry (its build identity: the same one its claims carry). */
export interface Taker {
  worker: string;
  host: string;
  pid: number;
  /** When it took the entry (ISO, its clock). */
  at: string;
}

export interface QueueEntry {
  id: string;
  /** Project-relative script path. */
  path: string;
  runconfig: string;
  addedAt: string;
  taker?: Taker;
  /** Asked to stop while running: its worker stops the script (recorded `interrupted`) and drops the entry. */
  cancel?: boolean;
}

interface QueueFile {
  version: number;
  entries: QueueEntry[];
}

/** An entry as seen now: `running` only while its worker is alive. */
export interface QueueItem extends QueueEntry {
  status: 'waiting' | 'running';
}

export interface AddResult {
  added: QueueEntry[];
  /** Already in the queue (waiting or running): adding again is a no-op. */
  already: QueueItem[];
  /** Not queued but being run now by a build (its claim is held): a no-op too. */
  busy: Array<{ path: string; runconfig: string }>;
}

export interface CancelResult {
  /** Waiting entries taken off the queue. */
  removed: QueueEntry[];
  /** Running entries whose worker was asked to stop them. */
  stopping: QueueEntry[];
}

/** Picks the entry a worker runs next among the waiting ones, given every entry as seen now (null: none fits). */
export type Chooser = (waiting: QueueItem[], all: QueueItem[]) => QueueItem | null;

export class Queue {
  readonly file: string;
  private readonly lockFile: string;
  readonly workersDir: string;

  constructor(readonly ledgerDir: string) {
    this.file = path.join(ledgerDir, 'queue.json');
    this.lockFile = `${this.file}.lock`;
    this.workersDir = path.join(ledgerDir, 'workers');
  }

  /** Every entry, in order, with whether it runs now. Reads without the lock (writes are atomic). */
  async list(): Promise<QueueItem[]> {
    return (await this.read()).entries.map((e) => this.judge(e));
  }

  /**
   * Appends the scripts not already queued under that runconfig; those that are, and those `runningNow` says a
   * build is running, are reported instead.
   */
  add(items: Array<{ path: string; runconfig: string }>, runningNow: (path: string, runconfig: string) => boolean = () => false): Promise<AddResult> {
    return this.change((q) => {
      const out: AddResult = { added: [], already: [], busy: [] };
      for (const it of items) {
        const found = q.entries.find((e) => e.path === it.path && e.runconfig === it.runconfig);
        if (found) {
          if (!out.already.some((a) => a.id === found.id)) out.already.push(this.judge(found));
          continue;
        }
        if (runningNow(it.path, it.runconfig)) {
          out.busy.push(it);
          continue;
        }
        const entry: QueueEntry = { id: crypto.randomBytes(6).toString('hex'), path: it.path, runconfig: it.runconfig, addedAt: new Date().toISOString() };
        q.entries.push(entry);
        out.added.push(entry);
      }
      return out;
    });
  }

  /**
   * Takes matching waiting entries off the queue, and asks the workers of matching running ones to stop them
   * (unless `waitingOnly`: `mreorg queue clear` leaves running scripts alone).
   */
  cancel(match: (e: QueueEntry) => boolean, waitingOnly = false): Promise<CancelResult> {
    return this.change((q) => {
      const out: CancelResult = { removed: [], stopping: [] };
      q.entries = q.entries.filter((e) => {
        if (!match(e)) return true;
        if (this.judge(e).status === 'waiting') {
          out.removed.push(e);
          return false;
        }
        if (waitingOnly) return true;
        e.cancel = true;
        out.stopping.push(e);
        return true;
      });
      return out;
    });
  }

  /** Moves a waiting entry to `index` among the entries (0 = next). False when it is not waiting. */
  move(id: string, index: number): Promise<boolean> {
    return this.change((q) => {
      const at = q.entries.findIndex((e) => e.id === id);
      if (at < 0 || this.judge(q.entries[at]!).status !== 'waiting') return false;
      const [e] = q.entries.splice(at, 1);
      q.entries.splice(Math.max(0, Math.min(index, q.entries.length)), 0, e!);
      return true;
    });
  }

  /** Marks the entry `choose` picks as this worker's (clearing a dead worker's mark), and returns it. */
  take(choose: Chooser): Promise<QueueEntry | null> {
    return this.change((q) => {
      // A stop asked of a worker that died meanwhile: nothing runs it any more, so the entry goes.
      q.entries = q.entries.filter((e) => !(e.cancel && this.judge(e).status === 'waiting'));
      const all = q.entries.map((e) => this.judge(e));
      const waiting = all.filter((e) => e.status === 'waiting' && !e.cancel);
      const pick = waiting.length ? choose(waiting, all) : null;
      if (!pick) return null;
      const me = buildIdentity();
      const entry = q.entries.find((e) => e.id === pick.id)!;
      entry.taker = { worker: me.buildId, host: me.host, pid: me.pid, at: new Date().toISOString() };
      return { ...entry };
    });
  }

  /** The entry's run is recorded (or the script is gone): off the queue. */
  finish(id: string): Promise<void> {
    return this.change((q) => {
      q.entries = q.entries.filter((e) => e.id !== id);
    });
  }

  /** The worker stopped before the run ended (Ctrl-C): the entry waits for the next worker, at its place. */
  release(id: string): Promise<void> {
    return this.change((q) => {
      const e = q.entries.find((x) => x.id === id);
      if (e) delete e.taker;
    });
  }

  /** Whether a stop was asked for this entry (or it was taken off the queue some other way). */
  async cancelRequested(id: string): Promise<boolean> {
    const e = (await this.read()).entries.find((x) => x.id === id);
    return !e || Boolean(e.cancel);
  }

  /**
   * Registers this process as a worker: a lock file whose heartbeat says it is alive. Returns the undo.
   * Entries this worker takes count as running as long as the file is fresh.
   */
  registerWorker(): () => void {
    // Files of workers that died (SIGKILL): their entries count as waiting already; the files go now.
    for (const name of listDir(this.workersDir)) {
      const i = inspect(path.join(this.workersDir, name));
      if (i?.verdict.stale) removeLock(i.file, i.info, false);
    }
    const file = path.join(this.workersDir, buildIdentity().buildId);
    if (!tryLock(file, 'worker')) throw new Error(`could not register the worker file ${file}`);
    return () => unlock(file);
  }

  /** Whether the worker with this id is alive (its file's heartbeat is fresh, or it is this process). */
  workerAlive(worker: string): boolean {
    const i = inspect(path.join(this.workersDir, worker));
    return i !== null && (i.ours || !i.verdict.stale);
  }

  private judge(e: QueueEntry): QueueItem {
    return { ...e, status: e.taker && this.workerAlive(e.taker.worker) ? 'running' : 'waiting' };
  }

  private async read(): Promise<QueueFile> {
    let got: QueueFile | null;
    try {
      got = await readJson<QueueFile>(this.file);
    } catch (e) {
      throw new UserError(`The queue ${this.file} is not valid JSON (${(e as Error).message}). Remove it to start an empty queue ("mreorg queue clear" cannot read it either).`);
    }
    if (got === null) return { version: QUEUE_VERSION, entries: [] };
    if (typeof got !== 'object' || !Array.isArray(got.entries)) throw new UserError(`The queue ${this.file} is not a queue file (no "entries" list). Remove it to start an empty queue.`);
    if (got.version > QUEUE_VERSION) throw new UserError(`The queue ${this.file} was written by a newer mreorg (version ${got.version}); use that version.`);
    got.entries = got.entries.filter((e) => e && typeof e.id === 'string' && typeof e.path === 'string' && typeof e.runconfig === 'string');
    return got;
  }

  /** Reads, changes and writes the queue under its lock; writes only when something changed. */
  private async change<T>(fn: (q: QueueFile) => T): Promise<T> {
    fs.mkdirSync(this.ledgerDir, { recursive: true });
    return withLock(this.lockFile, async () => {
      const q = await this.read();
      const before = JSON.stringify(q);
      const out = fn(q);
      const after = JSON.stringify(q);
      if (after !== before) await writeFileAtomic(this.file, after);
      return out;
    });
  }
}

function listDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}
