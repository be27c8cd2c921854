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

  /** Hash of the file at `abs`, from the cache when its stat is unchanged. */
  async hash(abs: string): Promise<Digest> {
    let st: fs.Stats;
    try {
      st = await fs.promises.stat(abs);
    } catch {
      return null;
    }
    if (!st.isFile()) return null;
    const cached = this.files.get(abs);
    if (cached && cached[0] === st.size && cached[1] === st.mtimeMs && cached[2] === st.ino) return cached[3];
    const digest = await this.limit(() => hashFile(abs, { algorithm: HASH_ALGORITHM })).catch(() => null);
    if (digest === null) return null;
    this.files.set(abs, [st.size, st.mtimeMs, st.ino, digest]);
    this.dirty = true;
    return digest;
  }

  /** Hashes many files at once; the result is keyed by the same strings. */
  async hashAll(paths: Iterable<string>): Promise<Map<string, Digest>> {
    const list = [...new Set(paths)];
    const digests = await Promise.all(list.map((p) => this.hash(p)));
    return new Map(list.map((p, i) => [p, digests[i] ?? null]));
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
