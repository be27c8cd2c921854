import fs from 'node:fs';

/** fs.statSync with every failure (missing, a file where a folder should be, no permission) as undefined. */
export function statQuietly(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}
