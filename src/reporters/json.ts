/** The documents `--json` prints. Shapes are part of the CLI's contract (README, "JSON output"). */
import { figureList } from '../model/figures.js';
import type { Run } from '../model/run.js';
import { describeReason } from '../model/reason.js';
import type { PlanEntry } from '../plan/plan.js';
import type { BuildSummary, Reporter } from '../schedule/events.js';
import { countsOf, stateAfter, type ScriptVerdict } from '../schedule/verdict.js';

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
  const verdicts = new Map(s.verdicts.map((v) => [v.path, v]));
  return {
    ok: s.ok,
    runconfig: s.runconfig,
    interrupted: s.interrupted,
    python: s.python,
    counts: countsOf(s.verdicts, s.runs.size),
    scripts: s.entries.map((e) => scriptDoc(e, s.runs.get(e.path), verdicts.get(e.path)!)),
  };
}

function scriptDoc(e: PlanEntry, run: Run | undefined, v: ScriptVerdict) {
  return {
    path: e.path,
    state: run ? stateAfter(run.result, e.expect) : e.state,
    outcome: v.outcome,
    ran: Boolean(run),
    result: run?.result ?? null,
    reasons: e.reasons.map(describeReason),
    durationMs: run?.durationMs ?? null,
    exitCode: run?.exitCode ?? null,
    figures: figureList(run?.figures ?? []),
    error: run?.error ? { type: run.error.type, message: run.error.message } : (v.outcome === 'still-failing' ? v.error : null),
    ...(e.expect ? { expect: e.expect } : {}),
    ...(v.byOther ? { runByOtherBuild: true } : {}),
  };
}
