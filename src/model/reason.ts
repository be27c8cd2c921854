/**
 * Why a script runs (or would run): one tagged value per cause, so each consumer (terminal, JSON, report, web
 * page) can word or group them as it needs. `describeReason` gives the sentence every consumer shows today.
 */
import { unreachable } from '../util/errors.js';

export type Reason =
  | { kind: 'never-run'; runconfig: string }
  /** A previous build started the script and died before recording the run. */
  | { kind: 'abandoned' }
  | { kind: 'interrupted' }
  | { kind: 'script-changed'; script: string }
  | { kind: 'script-unreadable'; script: string }
  | { kind: 'input-changed'; file: string }
  | { kind: 'input-created'; file: string }
  | { kind: 'input-deleted'; file: string }
  /** The file was modified while the last run was using it, so what the run read is unknown. */
  | { kind: 'input-changed-during-run'; file: string }
  | { kind: 'declared-input-new'; file: string }
  | { kind: 'env-changed'; key: string }
  | { kind: 'argv-changed'; was: string[]; now: string[] }
  | { kind: 'python-changed'; was: string; now: string }
  /** The last run timed out and the limit is higher now (null = no limit). */
  | { kind: 'timeout-raised'; was: number; now: number | null }
  /** `now` null = no longer installed. Only a rerun trigger with rerunOn.packages. */
  | { kind: 'package-changed'; name: string; was: string; now: string | null }
  | { kind: 'forced' }
  | { kind: 'retry-failed'; timedOut: boolean }
  | { kind: 'upstream-reruns'; script: string }
  /** First builds: the script failed on a missing file, then another script of the build wrote it. */
  | { kind: 'retried-after-write'; writers: string[]; files: string[] };

export type ReasonKind = Reason['kind'];

/** The sentence users read for a reason (status, build, show, JSON, report). */
export function describeReason(r: Reason): string {
  switch (r.kind) {
    case 'never-run':
      return `never run under runconfig ${r.runconfig}`;
    case 'abandoned':
      return 'the last run did not finish (mreorg was stopped while it ran)';
    case 'interrupted':
      return 'the last run was interrupted';
    case 'script-changed':
      return `${r.script} changed`;
    case 'script-unreadable':
      return `${r.script} cannot be read`;
    case 'input-changed':
      return `${r.file} changed`;
    case 'input-created':
      return `${r.file} created`;
    case 'input-deleted':
      return `${r.file} deleted`;
    case 'input-changed-during-run':
      return `${r.file} changed while the last run was using it`;
    case 'declared-input-new':
      return `declared input ${r.file} is new`;
    case 'env-changed':
      return `runconfig env ${r.key} changed`;
    case 'argv-changed':
      return `runconfig argv changed: ${JSON.stringify(r.was)} -> ${JSON.stringify(r.now)}`;
    case 'python-changed':
      return `python ${r.was} -> ${r.now}`;
    case 'timeout-raised':
      return `the last run timed out after ${r.was} s; the timeout is now ${r.now === null ? 'unlimited' : `${r.now} s`}`;
    case 'package-changed':
      return `package ${r.name} ${r.was} -> ${r.now ?? 'not installed'}`;
    case 'forced':
      return 'forced (--force)';
    case 'retry-failed':
      return `retrying the ${r.timedOut ? 'timed-out' : 'failed'} run (--retry-failed)`;
    case 'upstream-reruns':
      return `upstream ${r.script} will rerun`;
    case 'retried-after-write':
      return `ran again after ${r.writers.join(', ')} wrote ${r.files.join(', ')}`;
    default:
      return unreachable(r);
  }
}

/** A change that is noted but does not make the script run (package versions while rerunOn.packages is off). */
export function describeNote(r: Reason): string {
  return r.kind === 'package-changed' ? `${describeReason(r)} (not a rerun trigger: rerunOn.packages is off)` : describeReason(r);
}
