/**
 * Writes the report's files: compare before writing, write atomically, delete what is no longer produced.
 *
 * Invariants: a file is (re)written only when its bytes changed, so an identical rebuild writes nothing; files a
 * browser may be reloading while a build runs (top-level pages, figures) are written to a temp file renamed over
 * the target, so a refresh never reads half a page; only files recorded as written by an earlier render are
 * ever deleted. Bytes are compared by reading the old file, and only when the page's inputs changed: hashing
 * every page's output on every render cost more than the rare read.
 */
import type { Stats } from 'node:fs';
import { link, mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isLitter, removeLitter } from '../ledger/litter.js';
import { STATE_FILE, type FileRecord } from './state.js';

/** Every folder the report writes into (besides its root); pages and figures never go deeper. */
export const SUBFOLDERS = ['assets', 'scripts', 'runs', 'figures', 'thumbs', 'coverage'];

/**
 * Temp files of writeAtomic (`<target>.<pid>.tmp`) a killed or failed render left: any in the report's own
 * subfolders; at its top, only those of pages and of the state file (the folder may hold other things).
 */
const TEMP_IN_SUBFOLDER = /^.+\.(?<pid>\d+)\.tmp$/;
const TEMP_AT_TOP = new RegExp(`^(?:.+\\.html|${STATE_FILE.replace(/[.]/g, '\\.')})\\.(?<pid>\\d+)\\.tmp$`);

/** At most this many writes in flight: enough to keep the thread pool busy, few enough for file handles. */
const MAX_PENDING = 64;

export interface SiteCounts {
  written: number;
  unchanged: number;
  removed: number;
}

export class SiteWriter {
  readonly produced = new Map<string, FileRecord>();
  /** Files whose bytes were actually written by this render (complete after `flush`). */
  readonly written = new Set<string>();
  readonly counts: SiteCounts = { written: 0, unchanged: 0, removed: 0 };
  private pending: Promise<void>[] = [];
  private readonly dirs = new Set<string>();

  private constructor(
    readonly outDir: string,
    private readonly previous: Record<string, FileRecord>,
    private readonly existing: Set<string>,
  ) {}

  /**
   * Opens the report folder, listing what is on disk once (cheaper than a stat per page). Only the folder and
   * the subfolders the report writes are listed, so a report folder set to somewhere big costs nothing extra.
   */
  static async open(outDir: string, previous: Record<string, FileRecord>): Promise<SiteWriter> {
    await mkdir(outDir, { recursive: true });
    const existing = new Set<string>();
    const now = Date.now();
    for (const sub of ['', ...SUBFOLDERS]) {
      const dir = join(outDir, sub);
      const names = await readdir(dir).catch(() => [] as string[]);
      for (const name of names) {
        // What a dead render left half-written goes now (a live one's temp files are left alone).
        if (isLitter(dir, name, sub ? TEMP_IN_SUBFOLDER : TEMP_AT_TOP, now)) removeLitter(join(dir, name));
        else existing.add(sub ? `${sub}/${name}` : name);
      }
    }
    return new SiteWriter(outDir, previous, existing);
  }

  /** True if the file exists on disk (as listed when the writer opened, or written since). */
  exists(file: string): boolean {
    return this.existing.has(file) || this.produced.has(file);
  }

  /**
   * If the file was last written from the same inputs and is still there, keeps it and returns true: the
   * caller then skips rendering it at all.
   */
  keepIfCurrent(file: string, key: string): boolean {
    const record = this.previous[file];
    if (!record || record.key !== key || !this.existing.has(file)) return false;
    this.produced.set(file, record);
    this.counts.unchanged++;
    return true;
  }

  /**
   * Claims a content-addressed file that is already on disk (its name is its hash, so its bytes are right),
   * even if the state that recorded it was lost: it is then cleaned up like any file this report wrote.
   */
  adopt(file: string, key: string): void {
    if (this.produced.has(file)) return;
    this.produced.set(file, this.previous[file] ?? { key });
    this.counts.unchanged++;
  }

  /**
   * Writes the file unless it already has these exact bytes. `atomic`: through a temp file and a rename (for
   * files a refreshing browser may read mid-write); otherwise written in place, which is cheaper.
   */
  async write(file: string, key: string, content: string | Uint8Array, atomic = true): Promise<void> {
    this.produced.set(file, { key });
    const known = this.previous[file] !== undefined && this.existing.has(file);
    this.pending.push(this.writeIfChanged(file, content, known, atomic));
    if (this.pending.length >= MAX_PENDING) await this.flush();
  }

  /**
   * Puts `file` in place as a hard link to `source.abs`, if the file system allows it and the source is still
   * the file the caller read (same size and mtime: the bytes it checked). Returns the link's stat, or null
   * when nothing was linked (then the caller writes a copy).
   */
  async link(file: string, key: string, source: { abs: string; size: number; mtimeMs: number }): Promise<Stats | null> {
    const target = join(this.outDir, file);
    const temp = `${target}.${process.pid}.tmp`;
    try {
      await this.ensureDir(dirname(target));
      await link(source.abs, temp);
      const linked = await stat(temp);
      if (linked.size !== source.size || linked.mtimeMs !== source.mtimeMs) throw new Error('changed since it was read');
      await rename(temp, target);
      // rename() between two links to one file leaves both: the temp must not stay behind.
      await unlink(temp).catch(() => undefined);
      this.produced.set(file, { key });
      this.existing.add(file);
      this.written.add(file);
      this.counts.written++;
      return linked;
    } catch {
      // Another file system, no hard links, no permission, or the source changed: the caller copies.
      await unlink(temp).catch(() => undefined);
      return null;
    }
  }

  /** Deletes a file an earlier render wrote whose content can no longer be trusted; it is then not on disk. */
  async discard(file: string): Promise<void> {
    await unlink(join(this.outDir, file)).catch(() => undefined);
    this.existing.delete(file);
  }

  /** Waits for every write started so far; rethrows the first failure. */
  async flush(): Promise<void> {
    const pending = this.pending;
    this.pending = [];
    await Promise.all(pending);
  }

  /** Deletes files an earlier render wrote that this one did not produce (runs dropped from history...). */
  async removeStale(): Promise<void> {
    await this.flush();
    for (const file of Object.keys(this.previous)) {
      if (this.produced.has(file) || !this.existing.has(file)) continue;
      await unlink(join(this.outDir, file)).catch(() => undefined);
      this.counts.removed++;
    }
  }

  private async ensureDir(dir: string): Promise<void> {
    if (this.dirs.has(dir)) return;
    await mkdir(dir, { recursive: true });
    this.dirs.add(dir);
  }

  private async writeIfChanged(file: string, content: string | Uint8Array, known: boolean, atomic: boolean): Promise<void> {
    const target = join(this.outDir, file);
    if (known) {
      const old = await readFile(target).catch(() => null);
      const bytes = typeof content === 'string' ? Buffer.from(content) : content;
      if (old && Buffer.compare(old, bytes) === 0) {
        this.counts.unchanged++;
        return;
      }
    }
    this.counts.written++;
    this.written.add(file);
    await this.ensureDir(dirname(target));
    if (!atomic) return writeFile(target, content);
    await writeAtomic(target, content);
  }
}

/**
 * Writes through a temp file renamed over the target, so a reader sees the old file or the new one. A failed
 * write (a full disk) removes its temp file rather than leave an empty one behind.
 */
export async function writeAtomic(target: string, content: string | Uint8Array): Promise<void> {
  const temp = `${target}.${process.pid}.tmp`;
  try {
    await writeFile(temp, content);
    await rename(temp, target);
  } catch (e) {
    await unlink(temp).catch(() => undefined);
    throw e;
  }
}
