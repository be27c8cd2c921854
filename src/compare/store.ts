/**
 * A folder of files named by their content hash (`<hash>.png`): figures kept so the next run can be compared
 * with them after the script has overwritten its own files, baselines, and diff images. The hash is the one the
 * report names its figures by (sha256, 20 hex digits), so the report can copy a stored image under the same name.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export function contentHash(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 20);
}

export class BlobStore {
  private readonly known = new Set<string>();

  /** `dir` absolute; `root` the project root that stored paths are relative to. */
  constructor(
    readonly dir: string,
    private readonly root: string,
  ) {}

  /** Project-relative path of the stored copy of `hash`. */
  file(hash: string, ext = 'png'): string {
    return path.relative(this.root, path.join(this.dir, `${hash}.${ext}`)).split(path.sep).join('/');
  }

  /** Stores the bytes (once per content) and returns their hash and project-relative file. */
  async put(bytes: Buffer, ext = 'png'): Promise<{ hash: string; file: string }> {
    const hash = contentHash(bytes);
    const abs = path.join(this.dir, `${hash}.${ext}`);
    if (!this.known.has(abs) && !fs.existsSync(abs)) {
      await fs.promises.mkdir(this.dir, { recursive: true });
      // Through a temp file: a reader never sees half an image under its final name.
      const temp = `${abs}.${process.pid}.tmp`;
      await fs.promises.writeFile(temp, bytes);
      await fs.promises.rename(temp, abs);
    }
    this.known.add(abs);
    return { hash, file: this.file(hash, ext) };
  }
}

/** The bytes of a project-relative stored file, or null when it is gone (or outside the project). */
export async function readStored(root: string, file: string): Promise<Buffer | null> {
  const abs = path.resolve(root, file);
  const rel = path.relative(root, abs);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return null;
  return fs.promises.readFile(abs).catch(() => null);
}
