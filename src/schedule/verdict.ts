/**
 * The verdict of a build: every selected script's outcome, not only the runs of this build. A script that is
 * still failing (nothing changed since it failed), or that was expected to fail and succeeded, fails the build as
 * surely as a script that failed now; an expected failure does not. Pure.
 */
import type { RunResult } from '../model/run.js';
import type { ScriptState } from '../model/state.js';
import { endedAsExpected, type PlanEntry } from '../plan/plan.js';
import type { Expectation } from '../model/settings.js';
import type { BuildSummary } from './events.js';

export type Outcome =
  /** Ran now (or another build ran it meanwhile) and... */
  | 'succeeded'
  | 'failed'
  | 'timed-out'
  | 'interrupted'
  /** Failed the way its `expect` says: fine. */
  | 'expected-failure'
  /** Has an `expect` and succeeded: the expectation is out of date, which fails the build. */
  | 'unexpected-success'
  /** Not rerun (nothing changed) and its last run failed or timed out. */
  | 'still-failing'
  | 'up-to-date'
  /** Stale but not run by this build (fail-fast, interrupted, or another build held it and left no result). */
  | 'not-run'
  | 'untracked';

export interface ScriptVerdict {
  path: string;
  outcome: Outcome;
  /** The result this outcome rests on: this build's run, another build's, or the last recorded one. */
  result: RunResult | null;
  error: { type: string; message: string } | null;
  /** When that run started (ISO), if there is one. */
  at: string | null;
  /** True when another build ran it while this one waited. */
  byOther: boolean;
}

/** Outcomes that make a build fail (exit 1, `ok: false`). */
export const FAILING: ReadonlySet<Outcome> = new Set(['failed', 'timed-out', 'still-failing', 'unexpected-success']);

export function verdictOf(s: Pick<BuildSummary, 'entries' | 'runs' | 'byOther'>): ScriptVerdict[] {
  return s.entries.map((e) => {
    const run = s.runs.get(e.path);
    if (run) return { path: e.path, outcome: outcomeOfResult(run.result, e.expect), result: run.result, error: run.error, at: run.startedAt, byOther: false };
    const other = s.byOther.get(e.path);
    if (other) return { path: e.path, outcome: outcomeOfResult(other.result, e.expect), result: other.result, error: other.error, at: other.startedAt, byOther: true };
    const last = e.last;
    return { path: e.path, outcome: outcomeOfState(e), result: last?.result ?? null, error: last?.error ?? null, at: last?.startedAt ?? null, byOther: false };
  });
}

function outcomeOfResult(result: RunResult, expect: Expectation | null): Outcome {
  switch (result) {
    case 'success':
      return expect ? 'unexpected-success' : 'succeeded';
    case 'failed':
    case 'timeout':
      if (endedAsExpected(result, expect)) return 'expected-failure';
      return result === 'timeout' ? 'timed-out' : 'failed';
    case 'interrupted':
      return 'interrupted';
  }
}

function outcomeOfState(e: PlanEntry): Outcome {
  switch (e.state) {
    case 'untracked':
      return 'untracked';
    case 'failed':
      return 'still-failing';
    case 'expected-failure':
      return 'expected-failure';
    case 'up-to-date':
      return e.expect && e.last?.result === 'success' ? 'unexpected-success' : 'up-to-date';
    case 'changed':
    case 'never-run':
      return 'not-run';
  }
}

/** The state a script is in once a run is recorded. */
export function stateAfter(result: RunResult, expect: Expectation | null): ScriptState {
  switch (result) {
    case 'success':
      return 'up-to-date';
    case 'failed':
    case 'timeout':
      return endedAsExpected(result, expect) ? 'expected-failure' : 'failed';
    case 'interrupted':
      return 'changed';
  }
}

/** Counts of a verdict, as `--json` and the terminal summary report them. */
export function countsOf(verdicts: ScriptVerdict[], ran: number) {
  const n = (o: Outcome): number => verdicts.filter((v) => v.outcome === o).length;
  return {
    total: verdicts.length,
    ran,
    success: n('succeeded'),
    failed: n('failed'),
    timeout: n('timed-out'),
    interrupted: n('interrupted'),
    upToDate: n('up-to-date'),
    stillFailing: n('still-failing'),
    expectedFailures: n('expected-failure'),
    unexpectedSuccesses: n('unexpected-success'),
    byOtherBuild: verdicts.filter((v) => v.byOther).length,
    notRun: n('not-run'),
  };
}
