/**
 * `mreorg unlock [--yes] [--force]`: lists the claims and locks in the ledger folder with their holder and whether
 * they are stale, and removes the stale ones after a confirmation. A build takes stale ones over by itself; this is
 * for seeing what is there, and for a holder that is alive but should not be (`--force`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { loadConfig, requireConfig } from '../config/index.js';
import { claimsDir } from '../ledger/claims.js';
import { describeHolder, holderOf, inspect, removeLock, type Inspection } from '../ledger/lock.js';
import { UserError } from '../util/errors.js';

export interface UnlockOptions {
  config?: string | undefined;
  yes: boolean;
  force: boolean;
}

interface Found extends Inspection {
  /** `script@runconfig`, or the lock's file name. */
  what: string;
}

/** Every claim and lock in the ledger folder, and leftovers of interrupted take-overs (`*.stale-*`). */
function findAll(ledgerFile: string): Found[] {
  const dir = path.dirname(ledgerFile);
  const list = (d: string): string[] => {
    try {
      return fs.readdirSync(d).sort().map((n) => path.join(d, n));
    } catch {
      return []; // no such folder: nothing there
    }
  };
  const lock = `${ledgerFile}.lock`;
  const files = [lock, ...list(dir).filter((f) => f.startsWith(`${lock}.stale-`)), ...list(claimsDir(dir))];
  const found: Found[] = [];
  for (const f of files) {
    const i = inspect(f);
    if (i) found.push({ ...i, what: i.info?.label ?? path.relative(dir, f) });
  }
  return found;
}

function line(f: Found): string {
  const state = f.verdict.stale ? `stale: ${f.verdict.why}` : 'LIVE';
  return `  ${f.what}\n      held by ${describeHolder(holderOf(f))}; ${state}\n`;
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

/** Runs the command; returns the exit code. */
export async function unlockCommand(cwd: string, opts: UnlockOptions, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const config = await loadConfig(cwd, opts.config, {});
  requireConfig(config, cwd, 'unlock');
  const dir = path.relative(cwd, path.dirname(config.ledger)) || '.';
  const found = findAll(config.ledger);
  if (found.length === 0) {
    out.write(`No claims or locks in ${dir}.\n`);
    return 0;
  }
  out.write(`Claims and locks in ${dir}:\n${found.map(line).join('')}`);
  const live = found.filter((f) => !f.verdict.stale);
  const targets = opts.force ? found : found.filter((f) => f.verdict.stale);
  const kept = opts.force ? [] : live;
  const keptNote = kept.length
    ? `Kept ${kept.length} held by a running build (its heartbeat is fresh): removing one lets another build run that script, or write the ledger, at the same time. Add --force to remove ${kept.length === 1 ? 'it' : 'them'} anyway.\n`
    : '';
  if (targets.length === 0) {
    out.write(keptNote);
    return 0;
  }
  const question = `Remove ${targets.length} of them${opts.force && live.length ? `, ${live.length} LIVE` : ''}? [y/N] `;
  if (!opts.yes) {
    if (!process.stdin.isTTY) {
      throw new UserError(`mreorg unlock removes files in ${dir}: confirm with --yes when not run from a terminal. Nothing was removed.`);
    }
    if (!(await confirm(question))) {
      out.write('Nothing removed.\n');
      return 0;
    }
  }
  const removed = targets.filter((f) => removeLock(f.file, f.info, opts.force)).length;
  out.write(`Removed ${removed}${removed < targets.length ? ` (${targets.length - removed} changed meanwhile and were left)` : ''}.\n${keptNote}`);
  return 0;
}
