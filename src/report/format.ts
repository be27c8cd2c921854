/**
 * Text formats shared by the pages. Pure and deterministic (no clock, no locale), so a page's text depends only
 * on its data and unchanged pages come out byte-identical. Relative times ("3 hours ago") are made in the
 * browser by templates/assets/report.js, for the same reason.
 */
import type { RunResult } from '../model/run.js';
import type { ScriptState } from './model.js';

import { unreachable } from '../util/errors.js';

export { formatDuration } from '../util/format.js';

/**
 * A byte count in binary units: `512 B`, `1.5 KiB`, `3.2 MiB`.
 * @example formatBytes(1536) === '1.5 KiB'
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 1024) return `${Math.max(0, Math.round(bytes || 0))} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/**
 * An ISO time as `2026-11-25 10:00:03 UTC` (the browser replaces it by local and relative time).
 * Unparsable input is returned as it is.
 */
export function formatTimestamp(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** Epoch milliseconds for sorting, 0 when unparsable. */
export function timestampValue(iso: string | null): number {
  const ms = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(ms) ? 0 : ms;
}

/** The states in the order the overview counts and the failures page list them: worst first. */
export const STATE_ORDER: readonly ScriptState[] = ['failed', 'changed', 'never-run', 'expected-failure', 'up-to-date', 'untracked'];

/** What the state pill says; a failed state says how the last run failed. */
export function stateLabel(state: ScriptState, lastResult: RunResult | null): string {
  switch (state) {
    case 'failed':
      return lastResult === 'timeout' ? 'timed out' : lastResult === 'interrupted' ? 'interrupted' : 'failed';
    case 'changed':
      return 'changed';
    case 'never-run':
      return 'never run';
    case 'up-to-date':
      return 'up to date';
    case 'expected-failure':
      return 'expected failure';
    case 'untracked':
      return 'untracked';
    default:
      return unreachable(state);
  }
}

/** How a run ended, as the run history and run page say it. */
export function resultLabel(result: RunResult, retried = false): string {
  switch (result) {
    case 'success':
      return 'success';
    case 'failed':
      return retried ? 'failed, retried' : 'failed';
    case 'timeout':
      return 'timed out';
    case 'interrupted':
      return 'interrupted';
    default:
      return unreachable(result);
  }
}

/**
 * Lines in a text as an editor counts them: a final newline does not start another line.
 * @example countLines('a\nb\n') === 2
 */
export function countLines(text: string): number {
  if (!text) return 0;
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < text.length - 1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** Plural helper for counts in sentences: `plural(1, 'figure') === '1 figure'`. */
export function plural(count: number, noun: string, nouns = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : nouns}`;
}


/**
 * The last `n` lines of a text, trailing blank lines left out: the end of a stream, where a program that exits
 * with a message (argparse's `error: ...`) says why.
 * @example lastLines('a\nb\nc\n\n', 2) => 'b\nc'
 */
export function lastLines(text: string, n: number): string {
  const lines = text.replace(/\s+$/, '').split('\n');
  return lines.slice(Math.max(0, lines.length - n)).join('\n');
}
