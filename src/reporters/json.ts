/** The documents `--json` prints. Shapes are part of the CLI's contract (README, "JSON output"). */
import type { Change } from '../model/change.js';
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
    changed: (s.changed ?? []).map((c) => ({ path: c.path, ran: c.ran, against: c.against, changes: c.count })),
    scripts: s.entries.map((e) => scriptDoc(e, s.runs.get(e.path), verdicts.get(e.path)!)),
  };
}

/** `{ kind, name, ratio?, diff? }`: a figure's `diff` is its diff image (project-relative), stdout's the unified diff. */
function changeDoc(c: Change) {
  switch (c.kind) {
    case 'figure':
      return { kind: c.kind, name: c.name, status: c.status, ...(c.ratio !== undefined ? { ratio: c.ratio } : {}), ...(c.diff?.file ? { diff: c.diff.file } : {}) };
    case 'stdout':
      return { kind: c.kind, name: c.name, diff: c.diff };
    case 'files':
      return { kind: c.kind, name: c.name, status: c.status };
  }
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
    changes: run?.comparison?.changes.map(changeDoc) ?? [],
    ...(run?.comparison ? { comparedWith: { against: run.comparison.against, runId: run.comparison.runId } } : {}),
    ...(e.expect ? { expect: e.expect } : {}),
    ...(v.byOther ? { runByOtherBuild: true } : {}),
    ...(run?.job ? { job: run.job } : {}),
  };
}
