/** The documents `--json` prints. Shapes are part of the CLI's contract (README, "JSON output"). */
import type { Run } from '../model/run.js';
import { describeReason } from '../model/reason.js';
import type { ScriptState } from '../model/state.js';
import type { PlanEntry } from '../plan/plan.js';
import type { BuildSummary, Reporter } from '../schedule/events.js';

/** Prints the build's document on stdout when the build is done. */
export function jsonReporter(stdout: NodeJS.WritableStream): Reporter {
  return {
    on(e) {
      if (e.type !== 'done') return;
      const doc = buildDocument(e.summary);
      stdout.write(JSON.stringify(e.summary.dryRun ? { ...doc, dryRun: true } : doc, null, 2) + '\n');
    },
  };
}

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
    reasons: e.reasons.map(describeReason),
    durationMs: run?.durationMs ?? null,
    exitCode: run?.exitCode ?? null,
    figures: run?.figures.map((f) => f.path) ?? [],
    error: run?.error ? { type: run.error.type, message: run.error.message } : null,
  };
}

/** The state a script is in once its run is recorded. */
export function stateAfter(run: Run): ScriptState {
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
