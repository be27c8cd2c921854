/**
 * What a build tells the outside world. The build emits these and nothing else prints: the terminal, JSON and
 * HTML reporters each consume the same events.
 */
import type { Run } from '../ledger/types.js';
import type { Plan, PlanEntry } from '../plan/plan.js';

export interface BuildSummary {
  ok: boolean;
  runconfig: string;
  interrupted: boolean;
  entries: PlanEntry[];
  /** Runs of this build by path (the last one when a script ran twice). */
  runs: Map<string, Run>;
  elapsedMs: number;
}

export interface Reporter {
  warning(message: string): void;
  planned(plan: Plan, runconfig: string): void;
  started(path: string): void;
  finished(run: Run): void;
  skipped(path: string, why: string): void;
  done(summary: BuildSummary): void;
}

/** Fans every event out to several reporters. */
export function fanOut(reporters: Reporter[]): Reporter {
  return {
    warning: (m) => reporters.forEach((r) => r.warning(m)),
    planned: (p, rc) => reporters.forEach((r) => r.planned(p, rc)),
    started: (p) => reporters.forEach((r) => r.started(p)),
    finished: (run) => reporters.forEach((r) => r.finished(run)),
    skipped: (p, w) => reporters.forEach((r) => r.skipped(p, w)),
    done: (s) => reporters.forEach((r) => r.done(s)),
  };
}
