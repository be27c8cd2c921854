/** The documents `--json` prints. Shapes are part of the CLI's contract (README, "JSON output"). */
import type { Run } from '../ledger/types.js';
import type { PlanEntry } from '../plan/plan.js';
import type { BuildSummary } from './events.js';

export function buildDocument(s: BuildSummary) {
  const runs = [...s.runs.values()];
  const n = (r: string): number => runs.filter((x) => x.result === r).length;
  return {
    ok: s.ok,
    runconfig: s.runconfig,
    interrupted: s.interrupted,
    counts: {
      total: s.entries.length,
      ran: runs.length,
      success: n('success'),
      failed: n('failed'),
      timeout: n('timeout'),
      interrupted: n('interrupted'),
      upToDate: s.entries.filter((e) => !s.runs.has(e.path) && e.state === 'up-to-date').length,
    },
    scripts: s.entries.map((e) => scriptDoc(e, s.runs.get(e.path))),
  };
}

function scriptDoc(e: PlanEntry, run: Run | undefined) {
  return {
    path: e.path,
    state: run ? stateAfter(run) : e.state,
    ran: Boolean(run),
    result: run?.result ?? null,
    reasons: e.reasons,
    durationMs: run?.durationMs ?? null,
    exitCode: run?.exitCode ?? null,
    figures: run?.figures.map((f) => f.path) ?? [],
    error: run?.error ? { type: run.error.type, message: run.error.message } : null,
  };
}

/** The state a script is in once its run is recorded. */
export function stateAfter(run: Run): PlanEntry['state'] {
  switch (run.result) {
    case 'success':
      return 'up-to-date';
    case 'failed':
    case 'timeout':
      return 'failed';
    case 'interrupted':
      return 'changed';
  }
}
