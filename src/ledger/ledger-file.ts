/**
 * Reading the ledger's files as they are on disk, whatever that is: ledger.json checked against its schema
 * (schema.ts), and every text a script controls the length of (exception messages, tracebacks) bounded to
 * `output.maxBytes`, also when an older mreorg recorded it whole. Files are streamed when large, so a ledger
 * holding a 250 MB message costs mreorg a bounded amount of memory to read, once: the next write stores it cut.
 */
import fs from 'node:fs';
import { readJsonBounded } from '../util/bounded-json.js';
import { boundText } from '../util/headtail.js';
import type { LedgerData } from './ledger.js';
import { checkLedger } from './schema.js';
import type { Run, RunError } from '../model/run.js';

/**
 * Files smaller than these are parsed whole (fast); larger ones are streamed with their strings bounded. A
 * ledger.json of 100,000 scripts is about 40 MB; a history file of 20 runs with every stream and exception at
 * the default bound is about 20 MB.
 */
const LEDGER_WHOLE_BELOW = 64 * 1024 * 1024;
const HISTORY_WHOLE_BELOW = 32 * 1024 * 1024;

export type LedgerRead =
  | { kind: 'absent' }
  /** `dropped`: entries the schema rejected; `trimmed`: texts cut to the bound (the file should be rewritten). */
  | { kind: 'ok'; data: LedgerData; dropped: string[]; trimmed: number }
  | { kind: 'newer'; version: number }
  /** `reason` completes "the ledger FILE ...". */
  | { kind: 'invalid'; reason: string };

export function readLedgerFile(file: string, version: number, maxBytes: number): LedgerRead {
  let raw;
  try {
    raw = readJsonBounded(file, maxBytes, LEDGER_WHOLE_BELOW);
  } catch (e) {
    if (e instanceof SyntaxError) return { kind: 'invalid', reason: `does not parse (${e.message})` };
    throw e;
  }
  if (raw === null) return { kind: 'absent' };
  const checked = checkLedger(raw.value, version);
  if (checked.kind === 'invalid') return { kind: 'invalid', reason: `is not a mreorg ledger (${checked.reason})` };
  if (checked.kind === 'newer') return checked;
  let trimmed = raw.cut;
  const latest = checked.data.latest;
  for (const p in latest) {
    for (const rc in latest[p]) {
      const entry = latest[p]![rc]!;
      const error = entry.error && boundError(entry.error, maxBytes);
      if (error !== entry.error) (entry.error = error), trimmed++;
    }
  }
  return { kind: 'ok', data: checked.data, dropped: checked.dropped, trimmed };
}

/** Moves a ledger file aside as `<file>.corrupt-<time>` (or copies it there), returning the new name. */
export function setAside(file: string, how: 'move' | 'copy'): string {
  const aside = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  if (how === 'move') fs.renameSync(file, aside);
  else fs.copyFileSync(file, aside, fs.constants.COPYFILE_EXCL);
  return aside;
}

/** A history file (runs/<slug>.json); null when missing or unreadable. Exception texts come back bounded. */
export function readHistoryFile<T extends { runs: Run[] }>(file: string, maxBytes: number): T | null {
  let hist: T | null;
  try {
    hist = readJsonBounded(file, maxBytes, HISTORY_WHOLE_BELOW)?.value as T | null;
  } catch {
    return null;
  }
  if (!hist || !Array.isArray(hist.runs)) return null;
  for (const run of hist.runs) if (run?.error) run.error = boundError(run.error, maxBytes);
  return hist;
}

/** An exception with its message and traceback cut to `maxBytes` each (head and tail, with a marker). */
export function boundError<E extends Pick<RunError, 'message'> & Partial<Pick<RunError, 'traceback'>>>(error: E, maxBytes: number): E {
  const message = boundText(error.message, maxBytes);
  const traceback = error.traceback === undefined ? undefined : boundText(error.traceback, maxBytes);
  if (message === error.message && traceback === error.traceback) return error;
  return { ...error, message, ...(traceback === undefined ? {} : { traceback }) };
}
