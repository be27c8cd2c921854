/**
 * Content hashes of files, with git's index trick: keep (size, mtime, inode) -> hash per file and rehash only a
 * file whose stat changed. A touch that keeps the content rehashes once and yields the same hash, so it is not a
 * change; a no-op build only stats.
 */
import fs from 'node:fs';
import { hashFile } from 'hasha';
import pLimit from 'p-limit';

export const HASH_ALGORITHM = 'sha256';

/** [size, mtimeMs, ino, hash] */
export type StatEntry = [number, number, number, string];

export interface HashCacheData {
  version: 1;
  files: Record<string, StatEntry>;
}

/** A digest, or null when the file does not exist (deletion is a change the planner names). */
export type Digest = string | null;

export class FileHasher {
  private readonly files: Map<string, StatEntry>;
  private dirty = false;
  private readonly limit = pLimit(16);

  constructor(data?: HashCacheData | null) {
    this.files = new Map(data && data.version === 1 ? Object.entries(data.files) : []);
  }

  /**
   * The cached digest when the file's stat is unchanged; null when it does not exist; a Stats to hash otherwise.
   * Synchronous on purpose: a no-op build stats thousands of files, and one statSync costs a few microseconds
   * where a promise round trip per file costs more than the stat itself.
   */
  private lookup(abs: string): Digest | fs.Stats {
    const st = fs.statSync(abs, { throwIfNoEntry: false });
    if (!st || !st.isFile()) return null;
    const cached = this.files.get(abs);
    if (cached && cached[0] === st.size && cached[1] === st.mtimeMs && cached[2] === st.ino) return cached[3];
    return st;
  }

  private async compute(abs: string, st: fs.Stats): Promise<Digest> {
    const digest = await this.limit(() => hashFile(abs, { algorithm: HASH_ALGORITHM })).catch(() => null);
    if (digest === null) return null;
    this.files.set(abs, [st.size, st.mtimeMs, st.ino, digest]);
    this.dirty = true;
    return digest;
  }

  /** Hash of the file at `abs`, from the cache when its stat is unchanged. */
  async hash(abs: string): Promise<Digest> {
    const hit = this.lookup(abs);
    return hit === null || typeof hit === 'string' ? hit : this.compute(abs, hit);
  }

  /** Hashes many files at once (only those whose stat changed are read); keyed by the same strings. */
  async hashAll(paths: Iterable<string>): Promise<Map<string, Digest>> {
    const out = new Map<string, Digest>();
    const pending: Array<Promise<void>> = [];
    for (const p of paths) {
      if (out.has(p)) continue;
      const hit = this.lookup(p);
      if (hit === null || typeof hit === 'string') out.set(p, hit);
      else {
        out.set(p, null);
        pending.push(this.compute(p, hit).then((d) => void out.set(p, d)));
      }
    }
    await Promise.all(pending);
    return out;
  }

  /** [size, mtimeMs, ino] of the file as it was when its cached digest was made; null when none is cached. */
  statOf(abs: string): [number, number, number] | null {
    const e = this.files.get(abs);
    return e ? [e[0], e[1], e[2]] : null;
  }

  /** Forget a file (after a run wrote it, so the next lookup rehashes even within the same mtime tick). */
  forget(abs: string): void {
    if (this.files.delete(abs)) this.dirty = true;
  }

  get changed(): boolean {
    return this.dirty;
  }

  toJSON(): HashCacheData {
    return { version: 1, files: Object.fromEntries(this.files) };
  }
}
