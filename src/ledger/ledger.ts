/**
 * The ledger: what mreorg knows of past runs. Layout, in the ledger's folder (default `.mreorg/`):
 *
 *   ledger.json       lowdb file: version, tracked/untracked sets, and the latest entry per script and runconfig
 *                     (what the planner reads; small, so a no-op build parses little)
 *   runs/<slug>.json  each script's bounded run history, newest last (read for `show` and the report)
 *   hashes.json       the stat cache of content hashes
 *   logs/             full stdout/stderr of runs whose output was too long to keep in the ledger
 *   claims/           one file per script being run, naming the build that runs it (see claims.ts, lock.ts)
 *   tmp/              run manifests between a script's end and their reading
 *
 * ledger.json is checked against its schema (schema.ts) when read: a file that is not a ledger is kept aside as
 * `ledger.json.corrupt-<time>`, never silently replaced; texts a script controls the length of are read bounded.
 *
 * Writes are batched and merged: flush() takes the ledger lock, rereads the file, applies this process's pending
 * changes on top and writes atomically, so two builds in one project never lose each other's results.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Low, type Adapter } from 'lowdb';
import { DEFAULT_OUTPUT_MAX_BYTES } from '../config/resolve.js';
import { messageOf, UserError } from '../util/errors.js';
import { readJson, syncDir, writeFileAtomic } from '../util/atomic.js';
import { boundError, readHistoryFile, readLedgerFile, setAside, type LedgerRead } from './ledger-file.js';
import { sweepLedgerLitter } from './litter.js';
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
  /** Folders monitored besides the config's (added from the served Tracking page): project-relative, recursive, not auto-tracked. */
  monitors: string[];
  /** path -> runconfig -> latest entry */
  latest: Record<string, Record<string, LatestEntry>>;
}

interface HistoryFile {
  version: number;
  path: string;
  runs: Run[];
}

const emptyData = (): LedgerData => ({ version: LEDGER_VERSION, tracked: [], untracked: [], monitors: [], latest: {} });

/**
 * lowdb adapter whose writes are atomic (temp + fsync + rename). The Ledger reads through readLedgerFile(), which
 * says what is wrong with a file instead of failing; read() is lowdb's plain view of it.
 */
class AtomicJsonFile implements Adapter<LedgerData> {
  constructor(private readonly file: string) {}
  async read(): Promise<LedgerData | null> {
    const got = readLedgerFile(this.file, LEDGER_VERSION, DEFAULT_OUTPUT_MAX_BYTES);
    if (got.kind === 'ok') return got.data;
    if (got.kind === 'absent') return null;
    throw new Error(`ledger ${this.file} ${got.kind === 'newer' ? `has version ${got.version}` : got.reason}`);
  }
  async write(data: LedgerData): Promise<void> {
    await writeFileAtomic(this.file, JSON.stringify(data));
  }
}

export interface LedgerOptions {
  /** Bound of each exception message and traceback kept (config `output.maxBytes`). */
  maxBytes?: number;
  /** Told what went wrong and what was done about it (a ledger set aside...); default: printed on stderr. */
  onWarning?: (message: string) => void;
}

/** A ledger.json not worth reading: set aside, and what to say about it ("... and <what happens now>"). */
interface Recovery {
  fallback: () => LedgerData;
  then: string;
}

/** A file name for a script's history: readable, collision-free (hash suffix), never too long. */
export function slugFor(relPath: string): string {
  let h = 5381;
  for (let i = 0; i < relPath.length; i++) h = ((h * 33) ^ relPath.charCodeAt(i)) >>> 0;
  const readable = relPath.replace(/[^A-Za-z0-9._-]+/g, '_').slice(-80);
  return `${readable}-${h.toString(36)}`;
}

type TrackOp = { path: string; op: 'track' | 'untrack' | 'monitor' | 'unmonitor' };

export class Ledger {
  readonly file: string;
  readonly dir: string;
  readonly history: number;
  readonly maxBytes: number;
  onWarning: (message: string) => void;
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

  private constructor(file: string, history: number, root: string, opts: LedgerOptions) {
    this.root = root;
    this.file = file;
    this.dir = path.dirname(file);
    this.history = history;
    this.maxBytes = opts.maxBytes ?? DEFAULT_OUTPUT_MAX_BYTES;
    this.onWarning = opts.onWarning ?? ((m) => process.stderr.write(`mreorg: warning: ${m}\n`));
    this.db = new Low(new AtomicJsonFile(file), emptyData());
  }

  /**
   * Opens (or starts) the ledger, after sweeping what dead builds left in its folder. A file that does not parse
   * or is not a ledger is moved aside, not overwritten; entries the schema rejects are dropped (the file as it
   * was is copied aside); a newer version is refused.
   */
  static async open(file: string, history: number, root = path.dirname(path.dirname(file)), opts: LedgerOptions = {}): Promise<Ledger> {
    const ledger = new Ledger(file, history, root, opts);
    sweepLedgerLitter(file);
    // The token first: a write landing between the two reads then only makes the next refresh reread.
    const gen = ledger.readGen();
    const got = readLedgerFile(file, LEDGER_VERSION, ledger.maxBytes);
    if (got.kind === 'newer') throw ledger.newerError(got.version);
    if (got.kind === 'absent' || (got.kind === 'ok' && got.dropped.length === 0 && got.trimmed === 0)) {
      ledger.db.data = got.kind === 'ok' ? got.data : emptyData();
      // Read without the lock, the token may be a writer's that has not renamed its ledger in yet (it writes the
      // token first): trusting it would pair that token with the old ledger and lose that write for good. So the
      // first flush or refresh rereads under the lock (a no-op build never flushes, and pays nothing).
      ledger.knownGen = gen === '' ? '' : `${gen} (unverified)`;
      return ledger;
    }
    // Something to set right: under the lock, on the file as it is now (another build may have done it).
    const recovery: Recovery = { fallback: emptyData, then: 'a new one was started (every script will run again)' };
    await withLock(`${file}.lock`, async () => {
      const { data, rewrite } = ledger.readLocked(recovery);
      ledger.db.data = data;
      ledger.knownGen = ledger.readGen();
      if (rewrite) await ledger.writeLocked().catch((e) => ledger.onWarning(`could not rewrite the ledger ${file}: ${messageOf(e)}`));
    });
    return ledger;
  }

  /**
   * Reads ledger.json under the lock. A file that is not a ledger is moved aside and `recovery` used in its place;
   * dropped entries are reported, the file as it was copied aside. `rewrite`: the file must be written now (its
   * bad parts would be found again by every reader).
   */
  private readLocked(recovery: Recovery): { data: LedgerData; rewrite: boolean } {
    const got: LedgerRead = readLedgerFile(this.file, LEDGER_VERSION, this.maxBytes);
    if (got.kind === 'absent') return { data: emptyData(), rewrite: false };
    if (got.kind === 'newer') throw this.newerError(got.version);
    if (got.kind === 'invalid') {
      const aside = this.setAside('move');
      this.onWarning(`the ledger ${this.file} ${got.reason}; it was kept aside as ${aside} and ${recovery.then}`);
      return { data: recovery.fallback(), rewrite: true };
    }
    if (got.dropped.length > 0) {
      const aside = this.setAside('copy');
      const shown = got.dropped.slice(0, 5).join('; ') + (got.dropped.length > 5 ? `; and ${got.dropped.length - 5} more` : '');
      this.onWarning(`the ledger ${this.file} had entries mreorg cannot use, dropped (those scripts will run again): ${shown}. The file as it was is kept as ${aside}`);
    }
    return { data: got.data, rewrite: got.dropped.length > 0 || got.trimmed > 0 };
  }

  private setAside(how: 'move' | 'copy'): string {
    try {
      return setAside(this.file, how);
    } catch (e) {
      throw new UserError(`The ledger ${this.file} is damaged and could not be kept aside (${messageOf(e)}). Move it away by hand, or point "ledger" in the config at another file.`);
    }
  }

  private newerError(version: number): UserError {
    return new UserError(
      `Ledger ${this.file} was written by a newer mreorg (ledger version ${version}, this mreorg reads up to ${LEDGER_VERSION}). Upgrade mreorg, or point "ledger" in the config at another file.`,
    );
  }

  /** Writes `db.data` with a new generation token (the lock is held). */
  private async writeLocked(): Promise<void> {
    // The new token goes first: a crash between the two writes only makes other builds reread needlessly.
    const gen = `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    fs.writeFileSync(`${this.file}.gen`, gen);
    await this.db.write();
    this.knownGen = gen;
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
    const got = readLedgerFile(this.file, LEDGER_VERSION, this.maxBytes);
    if (got.kind === 'newer') throw this.newerError(got.version);
    // Anything that needs setting right is left to the next flush, which writes what it sets right.
    if (got.kind !== 'ok' || got.dropped.length > 0 || got.trimmed > 0) return;
    const onDisk = got.data;
    for (const op of this.pendingTrack) applyTrack(onDisk, op);
    for (const l of this.pendingLatest) this.applyLatest(onDisk, l.path, l.runconfig, l.entry);
    this.db.data = onDisk;
    this.knownGen = gen;
  }

  get data(): Readonly<LedgerData> {
    return this.db.data;
  }

  trackState(): { tracked: Set<string>; untracked: Set<string>; generated: Map<string, string>; monitors: string[] } {
    const d = this.db.data;
    return { tracked: new Set(d.tracked), untracked: new Set(d.untracked), generated: this.generatedScripts(), monitors: [...d.monitors] };
  }

  /** `.py` files that recorded runs wrote (a cache's generated code, say) -> the script that wrote them. */
  private generatedScripts(): Map<string, string> {
    const out = new Map<string, string>();
    const latest = this.db.data.latest;
    for (const script in latest) {
      const byRc = latest[script]!;
      for (const rc in byRc) for (const w of byRc[rc]!.writes) if (w.endsWith('.py') && w !== script) out.set(w, script);
    }
    return out;
  }

  /** [script, latest entry] of every script under `runconfig` (the warm executor learns its preload set from them). */
  allLatest(runconfig: string): Array<[string, LatestEntry]> {
    return Object.entries(this.db.data.latest).flatMap(([p, byRc]) => (byRc[runconfig] ? [[p, byRc[runconfig]] as [string, LatestEntry]] : []));
  }

  latest(relPath: string, runconfig: string): LatestEntry | undefined {
    return this.db.data.latest[relPath]?.[runconfig];
  }

  /** Run history of one script, newest first. */
  async runs(relPath: string): Promise<Run[]> {
    const hist = readHistoryFile<HistoryFile>(this.historyFile(relPath), this.maxBytes);
    return hist ? [...hist.runs].reverse() : [];
  }

  historyFile(relPath: string): string {
    return path.join(this.dir, 'runs', `${slugFor(relPath)}.json`);
  }

  /** Queues a finished run; it reaches the disk at the next flush(). */
  record(run: Run, entry: LatestEntry): void {
    // Whoever made them, a run's exception texts are kept bounded, as its output is.
    if (run.error) run = { ...run, error: boundError(run.error, this.maxBytes) };
    if (entry.error) entry = { ...entry, error: boundError(entry.error, this.maxBytes) };
    this.pendingRuns.push(run);
    this.pendingLatest.push({ path: run.path, runconfig: run.runconfig, entry });
    this.applyLatest(this.db.data, run.path, run.runconfig, entry);
  }

  /** Adds or removes a folder monitored besides the config's (project-relative); written with the next flush. */
  setMonitored(dir: string, on: boolean): void {
    const op: TrackOp = { path: dir, op: on ? 'monitor' : 'unmonitor' };
    this.pendingTrack.push(op);
    applyTrack(this.db.data, op);
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
          // Replaced by something that is not a ledger: what we hold is the last good state, with our runs.
          const held = this.db.data;
          const { data: onDisk } = this.readLocked({ fallback: () => held, then: `the ledger as this build last read it, with this build's runs, was written in its place` });
          // This batch, and whatever was recorded since it was taken (still pending, written next time).
          for (const op of [...track, ...this.pendingTrack]) applyTrack(onDisk, op);
          for (const l of [...latest, ...this.pendingLatest]) this.applyLatest(onDisk, l.path, l.runconfig, l.entry);
          this.db.data = onDisk;
        }
        await this.appendHistory(runs);
        await this.writeLocked();
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
    // Read bounded: an exception recorded whole by an older mreorg is stored cut from now on.
    const hist = readHistoryFile<HistoryFile>(file, this.maxBytes) ?? { version: LEDGER_VERSION, path: relPath, runs: [] };
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
  if (op.op === 'monitor' || op.op === 'unmonitor') {
    const rest = data.monitors.filter((d) => d !== op.path);
    data.monitors = op.op === 'monitor' ? [...rest, op.path].sort() : rest;
    return;
  }
  const add = op.op === 'track' ? data.tracked : data.untracked;
  const remove = op.op === 'track' ? data.untracked : data.tracked;
  if (!add.includes(op.path)) add.push(op.path);
  const i = remove.indexOf(op.path);
  if (i >= 0) remove.splice(i, 1);
  add.sort();
}
