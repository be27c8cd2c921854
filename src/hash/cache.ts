/** The hasher's stat cache on disk (`hashes.json` in the ledger's folder). Only a cache: unreadable = start cold. */
import path from 'node:path';
import { readJson, writeFileAtomic } from '../util/atomic.js';
import type { HashCacheData } from './filehash.js';

export async function readHashCache(dir: string): Promise<HashCacheData | null> {
  return readJson<HashCacheData>(path.join(dir, 'hashes.json')).catch(() => null);
}

export async function writeHashCache(dir: string, data: HashCacheData): Promise<void> {
  await writeFileAtomic(path.join(dir, 'hashes.json'), JSON.stringify(data));
}
