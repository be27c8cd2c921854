/**
 * Temporary files a build killed mid-write leaves behind, swept at the start of the next one: atomic writes'
 * temp files (their names carry the writer's pid), lock files renamed away to be removed, and run manifests no
 * build will read. A file is removed only when the process that wrote it is dead or the file is older than any
 * write takes, so a concurrent build's files are never touched; and only names mreorg's own writers make.
 */
import fs from 'node:fs';
import path from 'node:path';
import { heldByOther, ownerDead, processAlive } from './lock.js';

/** Older than this, a temp file is litter whoever wrote it (a write takes seconds; a pid may have been reused). */
const STALE_MS = 60 * 60 * 1000;

/** writeFileAtomic (atomic.ts): `.ledger.json.<pid>.<random>.tmp`. */
const ATOMIC_TEMP = /^\..+\.(?<pid>\d+)\.[a-z0-9]+\.tmp$/;
/** The shim's manifest writer (shim/mreorg/manifest.py): `.<run id>.manifest.json.<pid>.tmp`. */
const SHIM_TEMP = /^\..+\.manifest\.json\.(?<pid>\d+)\.tmp$/;
/** A lock being taken over (lock.ts takeOver): `<lock>.stale-<pid>-<random>`. */
const LOCK_GRAVE = /\.stale-(?<pid>\d+)-[a-z0-9]+$/;
/** A run's manifest (src/run/script.ts): `<run id>.manifest.json`. */
const MANIFEST = /^\d{8}T\d{9}Z-[a-z0-9]+\.manifest\.json$/;

/**
 * The ledger's folder (`ledgerFile`'s): atomic writes' temp files in it and in runs/, lock graves in it and in claims/, the shim's
 * temp files in tmp/, and the manifests in tmp/ when no live build holds a claim (a manifest is read by the build
 * that ran the script, which holds the script's claim until then). Returns how many files were removed. The
 * report's folder is swept by its writer (src/report/site.ts), which lists it anyway.
 *
 * runs/ holds a file per script (10,000 in a large project): it is listed only when a build died while it may
 * have been writing there. History files are written by a flush, under the ledger lock, for runs whose claims
 * are held until the flush ends: a build killed mid-write leaves its lock or those claims, owned by a dead pid.
 */
export function sweepLedgerLitter(ledgerFile: string): number {
  const ledgerDir = path.dirname(ledgerFile);
  const claimsDir = path.join(ledgerDir, 'claims');
  // Claims only: not a lock being taken over, nor a temp file of a claim being written.
  const claims = listDir(claimsDir).filter((n) => !LOCK_GRAVE.test(n) && !n.endsWith('.tmp'));
  const tmpDir = path.join(ledgerDir, 'tmp');
  const tmp = listDir(tmpDir);
  let removed = sweep(ledgerDir, [ATOMIC_TEMP, LOCK_GRAVE]) + sweep(claimsDir, [LOCK_GRAVE]) + sweep(tmpDir, [SHIM_TEMP], tmp);
  const died = [`${ledgerFile}.lock`, ...claims.map((n) => path.join(claimsDir, n))].some(ownerDead);
  if (died) removed += sweep(path.join(ledgerDir, 'runs'), [ATOMIC_TEMP]);
  const manifests = tmp.filter((n) => MANIFEST.test(n));
  if (manifests.length > 0 && !claims.some((n) => heldByOther(path.join(claimsDir, n)))) {
    for (const n of manifests) removed += removeLitter(path.join(tmpDir, n));
  }
  return removed;
}

/**
 * Whether the file `name` in `dir`, matched by `pattern` (whose group `pid` is its writer's), is litter: its
 * writer is dead, or it is too old to be a write in progress.
 */
export function isLitter(dir: string, name: string, pattern: RegExp, now = Date.now()): boolean {
  const pid = Number(pattern.exec(name)?.groups?.pid ?? 0);
  if (!(pid > 0)) return false;
  if (!processAlive(pid)) return true;
  try {
    return now - fs.statSync(path.join(dir, name)).mtimeMs > STALE_MS;
  } catch {
    return false;
  }
}

/** Removes a file, counting it; quietly not (another build swept it first, or it is not ours to remove). */
export function removeLitter(file: string): number {
  try {
    fs.rmSync(file);
    return 1;
  } catch {
    return 0;
  }
}

function sweep(dir: string, patterns: RegExp[], names = listDir(dir)): number {
  let removed = 0;
  const now = Date.now();
  for (const n of names) {
    if (patterns.some((p) => isLitter(dir, n, p, now))) removed += removeLitter(path.join(dir, n));
  }
  return removed;
}

function listDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}
