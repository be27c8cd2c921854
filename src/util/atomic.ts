/**
 * Crash-safe file writes: write a temp file in the same folder, fsync it, rename it over the target, fsync the
 * folder. A reader (or a machine that lost power) sees the old file or the new one, never half of either.
 */
import fs from 'node:fs';
import path from 'node:path';

export async function writeFileAtomic(file: string, data: string, opts: { syncDir?: boolean } = {}): Promise<void> {
  const dir = path.dirname(file);
  await fs.promises.mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  const fh = await fs.promises.open(tmp, 'w');
  try {
    await fh.writeFile(data, 'utf8');
    await fh.sync();
  } catch (e) {
    await fh.close().catch(() => {});
    await fs.promises.rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  try {
    await fs.promises.rename(tmp, file);
  } catch (e) {
    await fs.promises.rm(tmp, { force: true });
    throw e;
  }
  if (opts.syncDir !== false) await syncDir(dir);
}

/** Makes renames in `dir` durable; callers that rename many files into one folder sync it once at the end. */
export async function syncDir(dir: string): Promise<void> {
  try {
    const dh = await fs.promises.open(dir, 'r');
    await dh.sync().catch(() => {});
    await dh.close();
  } catch {
    // Some file systems refuse to open or sync a directory; the rename is still atomic there.
  }
}

/** Reads a JSON file; null when it does not exist. Throws SyntaxError when it exists but does not parse. */
export async function readJson<T>(file: string): Promise<T | null> {
  let text: string;
  try {
    text = await fs.promises.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  return JSON.parse(text) as T;
}
