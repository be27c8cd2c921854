/**
 * The ledger: what mreorg knows of past runs. Layout, in the ledger's folder (default `.mreorg/`):
 *
 *   ledger.json       lowdb file: version, tracked/untracked sets, and the latest entry per script and runconfig
 *                     (what the planner reads; small, so a no-op build parses little)
 *   runs/<slug>.json  each script's bounded run history, newest last (read for `show` and the report)
 *   hashes.json       the stat cache of content hashes
 *   logs/             full stdout/stderr of runs whose output was too long to keep in the ledger
 *   claims/           one file per script being run, naming the build that runs it (see claims.ts, lock.ts)
 *
 * Writes are batched and merged: flush() takes the ledger lock, rereads the file, applies this process's pending
 * changes on top and writes atomically, so two builds in one project never lose each other's results.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Low, type Adapter } from 'lowdb';
import { UserError } from '../util/errors.js';
import { readJson, syncDir, writeFileAtomic } from '../util/atomic.js';
import { withLock } from './lock.js';
import type { LatestEntry } from '../model/entry.js';
import type { Run } from '../model/run.js';

export const LEDGER_VERSION = 1;

/** See flushSpaced(). */
const FLUSH_SPACING_MS = 200;

export interface LedgerData {
  version: number;
  tracked: string[];
  untracked: string[];
  /** path -> runconfig -> latest entry */
  latest: Record<string, Record<string, LatestEntry>>;
}

interface HistoryFile {
  version: number;
  path: string;
  runs: Run[];
}

const emptyData = (): LedgerData => ({ version: LEDGER_VERSION, tracked: [], untracked: [], latest: {} });

/** lowdb adapter whose writes are atomic (temp + fsync + rename) and whose reads reject a corrupt file loudly. */
class AtomicJsonFile implements Adapter<LedgerData> {
  constructor(private readonly file: string) {}
  async read(): Promise<LedgerData | null> {
    try {
      return await readJson<LedgerData>(this.file);
    } catch (e) {
      if (e instanceof SyntaxError) throw new LedgerCorrupt(this.file, e.message);
      throw e;
    }
  }
  async write(data: LedgerData): Promise<void> {
    await writeFileAtomic(this.file, JSON.stringify(data));
  }
}

export class LedgerCorrupt extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`ledger ${file} does not parse: ${detail}`);
  }
}

/** A file name for a script's history: readable, collision-free (hash suffix), never too long. */
export function slugFor(relPath: string): string {
  let h = 5381;
  for (let i = 0; i < relPath.length; i++) h = ((h * 33) ^ relPath.charCodeAt(i)) >>> 0;
  const readable = relPath.replace(/[^A-Za-z0-9._-]+/g, '_').slice(-80);
  return `${readable}-${h.toString(36)}`;
}

type TrackOp = { path: string; op: 'track' | 'untrack' };

export class Ledger {
  readonly file: string;
  readonly dir: string;
  readonly history: number;
  /** Set when a corrupt ledger was moved aside at open: the caller reports it. */
  corruptMovedTo: string | null = null;
  private readonly db: Low<LedgerData>;
  private pendingRuns: Run[] = [];
  private pendingLatest: Array<{ path: string; runconfig: string; entry: LatestEntry }> = [];
  private pendingTrack: TrackOp[] = [];
  private flushing: Promise<void> | null = null;
  private flushAgain = false;
  private lastSpacedFlush = 0;
  /**
   * The write generation of ledger.json as we last read or wrote it, kept in `ledger.json.gen` (a random token
   * every writer replaces, under the lock, before it renames the new ledger in). A different token means another
   * build wrote. mtimes cannot tell: two writes within one clock tick share one.
   */
  private knownGen = '';
  private chain: Promise<unknown> = Promise.resolve();

  /** Project root: log paths in runs are relative to it. */
  readonly root: string;

  private constructor(file: string, history: number, root: string) {
    this.root = root;
    this.file = file;
    this.dir = path.dirname(file);
    this.history = history;
    this.db = new Low(new AtomicJsonFile(file), emptyData());
  }

  /** Opens (or starts) the ledger. A corrupt file is moved aside, not overwritten; a newer version is refused. */
  static async open(file: string, history: number, root = path.dirname(path.dirname(file))): Promise<Ledger> {
    const ledger = new Ledger(file, history, root);
    try {
      await ledger.db.read();
    } catch (e) {
      if (!(e instanceof LedgerCorrupt)) throw e;
      const aside = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      fs.renameSync(file, aside);
      ledger.corruptMovedTo = aside;
      ledger.db.data = emptyData();
    }
    ledger.checkVersion(ledger.db.data);
    ledger.knownGen = ledger.readGen();
    return ledger;
  }

  /**
   * Picks up what another build wrote since we last looked (cheap when nobody did: one stat). Our own queued
   * changes stay applied on top.
   */
  async refresh(): Promise<void> {
    return this.exclusive(() => this.refreshNow());
  }

  /**
   * refresh() and the body of a flush replace or write `db.data` across awaits: run them one at a time, or a
   * refresh could swap in a copy of the file that lacks the runs a flush is writing.
   */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => {});
    return next;
  }

  private readGen(): string {
    try {
      return fs.readFileSync(`${this.file}.gen`, 'utf8');
    } catch {
      return '';
    }
  }

  private async refreshNow(): Promise<void> {
    if (this.readGen() === this.knownGen) return;
    // Under the lock: a writer replaces the token before it renames the new ledger in, so reading without the
    // lock could pair the new token with the old ledger and miss that write for good.
    await withLock(`${this.file}.lock`, () => this.rereadLocked());
  }

  private async rereadLocked(): Promise<void> {
    const gen = this.readGen();
    const onDisk = await new AtomicJsonFile(this.file).read().catch(() => null);
    if (!onDisk) return;
    this.checkVersion(onDisk);
    for (const op of this.pendingTrack) applyTrack(onDisk, op);
    for (const l of this.pendingLatest) this.applyLatest(onDisk, l.path, l.runconfig, l.entry);
    this.db.data = onDisk;
    this.knownGen = gen;
  }

  private checkVersion(data: LedgerData): void {
    if (typeof data.version !== 'number' || data.version > LEDGER_VERSION) {
      throw new UserError(
        `Ledger ${this.file} was written by a newer mreorg (ledger version ${String(data.version)}, this mreorg reads up to ${LEDGER_VERSION}). Upgrade mreorg, or point "ledger" in the config at another file.`,
      );
    }
    data.tracked ??= [];
    data.untracked ??= [];
    data.latest ??= {};
  }

  get data(): Readonly<LedgerData> {
    return this.db.data;
  }

  trackState(): { tracked: Set<string>; untracked: Set<string> } {
    return { tracked: new Set(this.db.data.tracked), untracked: new Set(this.db.data.untracked) };
  }

  latest(relPath: string, runconfig: string): LatestEntry | undefined {
    return this.db.data.latest[relPath]?.[runconfig];
  }

  /** Run history of one script, newest first. */
  async runs(relPath: string): Promise<Run[]> {
    const hist = await readJson<HistoryFile>(this.historyFile(relPath)).catch(() => null);
    return hist ? [...hist.runs].reverse() : [];
  }

  historyFile(relPath: string): string {
    return path.join(this.dir, 'runs', `${slugFor(relPath)}.json`);
  }

  /** Queues a finished run; it reaches the disk at the next flush(). */
  record(run: Run, entry: LatestEntry): void {
    this.pendingRuns.push(run);
    this.pendingLatest.push({ path: run.path, runconfig: run.runconfig, entry });
    this.applyLatest(this.db.data, run.path, run.runconfig, entry);
  }

  setTracked(paths: string[], tracked: boolean): void {
    for (const p of paths) {
      const op: TrackOp = { path: p, op: tracked ? 'track' : 'untrack' };
      this.pendingTrack.push(op);
      applyTrack(this.db.data, op);
    }
  }

  /**
   * Writes everything queued, but no sooner than FLUSH_SPACING_MS after the previous spaced flush. Each flush
   * serialises the whole ledger.json, so on a cold build of many short scripts one write per run would cost more
   * than the runs: runs that end close together are written together, and a run waits at most this long.
   */
  async flushSpaced(): Promise<void> {
    const wait = this.lastSpacedFlush + FLUSH_SPACING_MS - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    this.lastSpacedFlush = Date.now();
    return this.flush();
  }

  /**
   * Writes everything queued. Calls made while a flush runs are coalesced into one more flush, so callers may
   * flush after every run without queueing a write each.
   */
  async flush(): Promise<void> {
    if (this.flushing) {
      this.flushAgain = true;
      return this.flushing;
    }
    this.flushing = (async () => {
      try {
        do {
          this.flushAgain = false;
          await this.exclusive(() => this.flushOnce());
        } while (this.flushAgain);
      } finally {
        this.flushing = null;
      }
    })();
    return this.flushing;
  }

  private async flushOnce(): Promise<void> {
    const runs = this.pendingRuns;
    const latest = this.pendingLatest;
    const track = this.pendingTrack;
    if (runs.length === 0 && latest.length === 0 && track.length === 0) return;
    this.pendingRuns = [];
    this.pendingLatest = [];
    this.pendingTrack = [];
    try {
      await withLock(`${this.file}.lock`, async () => {
        // Another build may have written since we read: merge our changes onto what is on disk now. When
        // nobody did (the usual case: same mtime), what we hold already has our changes applied.
        if (this.readGen() !== this.knownGen || !fs.existsSync(this.file)) {
          const onDisk =
            (await new AtomicJsonFile(this.file).read().catch((e) => {
              if (e instanceof LedgerCorrupt) return null;
              throw e;
            })) ?? emptyData();
          this.checkVersion(onDisk);
          // This batch, and whatever was recorded since it was taken (still pending, written next time).
          for (const op of [...track, ...this.pendingTrack]) applyTrack(onDisk, op);
          for (const l of [...latest, ...this.pendingLatest]) this.applyLatest(onDisk, l.path, l.runconfig, l.entry);
          this.db.data = onDisk;
        }
        await this.appendHistory(runs);
        // The new token goes first: a crash between the two writes only makes other builds reread needlessly.
        const gen = `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`;
        fs.writeFileSync(`${this.file}.gen`, gen);
        await this.db.write();
        this.knownGen = gen;
      });
    } catch (e) {
      // Keep what failed to write queued, so a later flush (or the final one) can try again.
      this.pendingRuns.unshift(...runs);
      this.pendingLatest.unshift(...latest);
      this.pendingTrack.unshift(...track);
      throw e;
    }
  }

  private applyLatest(data: LedgerData, relPath: string, runconfig: string, entry: LatestEntry): void {
    const byRc = (data.latest[relPath] ??= {});
    const prev = byRc[runconfig];
    // Two builds may finish the same script: the later start wins, whatever order the flushes land in.
    if (!prev || prev.startedAt <= entry.startedAt) byRc[runconfig] = entry;
  }

  private async appendHistory(runs: Run[]): Promise<void> {
    const byPath = new Map<string, Run[]>();
    for (const r of runs) byPath.set(r.path, [...(byPath.get(r.path) ?? []), r]);
    // Each history file is its own atomic write; they go in parallel (the file system batches the fsyncs) and
    // the runs/ folder is synced once.
    await Promise.all([...byPath].map(([relPath, newRuns]) => this.appendOne(relPath, newRuns)));
    if (byPath.size > 0) await syncDir(path.join(this.dir, 'runs'));
  }

  private async appendOne(relPath: string, newRuns: Run[]): Promise<void> {
    const file = this.historyFile(relPath);
    const hist = (await readJson<HistoryFile>(file).catch(() => null)) ?? { version: LEDGER_VERSION, path: relPath, runs: [] };
    const seen = new Set(hist.runs.map((r) => r.id));
    for (const r of newRuns) if (!seen.has(r.id)) hist.runs.push(r);
    hist.runs.sort((a, b) => (a.startedAt < b.startedAt ? -1 : a.startedAt > b.startedAt ? 1 : 0));
    let dropped: Run[] = [];
    if (hist.runs.length > this.history) {
      dropped = hist.runs.slice(0, hist.runs.length - this.history);
      hist.runs = hist.runs.slice(-this.history);
    }
    await writeFileAtomic(file, JSON.stringify(hist), { syncDir: false });
    // Full logs of runs that left the history go with them, so the ledger folder stays bounded too.
    for (const r of dropped) {
      for (const log of [r.stdout.logFile, r.stderr.logFile]) {
        if (log) await fs.promises.rm(path.join(this.root, log), { force: true }).catch(() => {});
      }
    }
  }
}


function applyTrack(data: LedgerData, op: TrackOp): void {
  const add = op.op === 'track' ? data.tracked : data.untracked;
  const remove = op.op === 'track' ? data.untracked : data.tracked;
  if (!add.includes(op.path)) add.push(op.path);
  const i = remove.indexOf(op.path);
  if (i >= 0) remove.splice(i, 1);
  add.sort();
}
