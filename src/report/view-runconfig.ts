/**
 * Views of the pages that exist once per runconfig (a script's state depends on the runconfig): overview,
 * output, failures, timing. Each is built in one pass over the scripts.
 */
import { describeChange } from '../model/change.js';
import type { Run, RunResult } from '../model/run.js';
import { docSummary } from './docstring.js';
import type { FigureIndex } from './figures.js';
import { figureViews, type FigureView } from './figure-view.js';
import { formatDuration, lastLines, STATE_ORDER, stateLabel } from './format.js';
import type { ReportScript, ReportScriptStatus, ScriptState } from './model.js';
import { paths } from './slug.js';
import { errorView, groupIds, timeView, type ErrorView, type ReportIndex, type TimeView } from './view-common.js';

/** A status with no run recorded. */
export function emptyStatus(state: ScriptState): ReportScriptStatus {
  return { state, reasons: [], lastRunId: null, lastResult: null, lastStartedAt: null, lastDurationMs: null, figureCount: 0 };
}

/** The status of a script under a runconfig; a script without an entry counts as never run. */
export function statusOf(script: ReportScript, runconfig: string): ReportScriptStatus {
  return script.status[runconfig] ?? emptyStatus(script.tracked ? 'never-run' : 'untracked');
}

export interface StateCount {
  state: ScriptState;
  label: string;
  count: number;
}

/** Counts per state, worst first, only states that occur (never-run and up-to-date always, for orientation). */
export function stateCounts(scripts: ReportScript[], runconfig: string): StateCount[] {
  const counts = new Map<ScriptState, number>();
  for (const script of scripts) {
    const state = statusOf(script, runconfig).state;
    counts.set(state, (counts.get(state) ?? 0) + 1);
  }
  return STATE_ORDER.map((state) => ({ state, label: stateLabel(state, null), count: counts.get(state) ?? 0 }));
}

/** Scripts listed on the failures page; also the count beside "Failures" in the navigation. */
export function failureCount(scripts: ReportScript[], runconfig: string): number {
  let n = 0;
  for (const script of scripts) if (statusOf(script, runconfig).state === 'failed') n++;
  return n;
}

export interface OverviewRow {
  state: ScriptState;
  stateRank: number;
  label: string;
  path: string;
  href: string;
  g: string;
  last: (TimeView & { href: string; ms: number }) | null;
  durationMs: number;
  duration: string;
  /** The last run's cluster job, when it was one. */
  job: string | null;
  figures: number;
  doc: string;
  /** What changed in the results at the last run (the "results changed" marker), else null. */
  changed: string | null;
}

export function overviewView(index: ReportIndex, runconfig: string) {
  const rows: OverviewRow[] = index.data.scripts.map((script) => {
    const status = statusOf(script, runconfig);
    const lastRun = status.lastRunId !== null && status.lastStartedAt !== null;
    return {
      state: status.state,
      stateRank: STATE_ORDER.indexOf(status.state),
      label: stateLabel(status.state, status.lastResult),
      path: script.path,
      href: paths.script(script.path),
      g: groupIds(index, script.groups),
      last: lastRun
        ? { ...timeView(status.lastStartedAt!), href: paths.run(status.lastRunId!), ms: Date.parse(status.lastStartedAt!) || 0 }
        : null,
      durationMs: status.lastDurationMs ?? -1,
      duration: formatDuration(status.lastDurationMs),
      job: status.lastJob ?? null,
      figures: status.figureCount,
      doc: docSummary(script.docstring),
      changed: changedSummary(index, status.lastRunId),
    };
  });
  return {
    runconfig,
    total: rows.length,
    counts: stateCounts(index.data.scripts, runconfig),
    groups: index.data.groups.map((g, id) => ({ id, name: g.name })),
    rows,
    notes: index.data.cycleNotes?.[runconfig] ?? [],
  };
}

function changedSummary(index: ReportIndex, runId: string | null): string | null {
  const changes = runId === null ? undefined : index.runs.get(runId)?.run.comparison?.changes;
  return changes?.length ? changes.map(describeChange).join(', ') : null;
}

/** What every per-script list (output, failures) shows of a script. */
interface ScriptItem {
  path: string;
  href: string;
  /** Group ids, for the group filter. */
  g: string;
  doc: string;
  state: ScriptState;
  label: string;
}

function scriptItem(index: ReportIndex, script: ReportScript, status: ReportScriptStatus): ScriptItem {
  return {
    path: script.path,
    href: paths.script(script.path),
    g: groupIds(index, script.groups),
    doc: docSummary(script.docstring),
    state: status.state,
    label: stateLabel(status.state, status.lastResult),
  };
}

export interface OutputItem extends ScriptItem {
  run: (TimeView & { href: string }) | null;
  figures: FigureView[];
}

export function outputView(index: ReportIndex, runconfig: string, figures: FigureIndex) {
  const items: OutputItem[] = [];
  for (const script of index.data.scripts) {
    const status = statusOf(script, runconfig);
    const run = status.lastRunId ? index.runs.get(status.lastRunId)?.run : undefined;
    if (!run || run.figures.length === 0) continue;
    items.push({
      ...scriptItem(index, script, status),
      run: { ...timeView(run.startedAt), href: paths.run(run.id) },
      figures: figureViews(run, figures, ''),
    });
  }
  const figureCount = items.reduce((n, item) => n + item.figures.length, 0);
  return { runconfig, items, figureCount, groups: index.data.groups.map((g, id) => ({ id, name: g.name })) };
}

export interface FailureItem extends ScriptItem {
  reasons: string[];
  run: (TimeView & { href: string; exitCode: number | null; signal: string | null; duration: string }) | null;
  error: ErrorView | null;
  /** The end of stderr, when the error has no traceback to show (an argparse `sys.exit(2)`, a signal). */
  stderrTail: string | null;
}

type SectionId = 'failed' | 'timeout' | 'changed' | 'never-run' | 'expected-failure';
const SECTIONS: { id: SectionId; title: string; state: ScriptState }[] = [
  { id: 'failed', title: 'Failed', state: 'failed' },
  { id: 'timeout', title: 'Timed out', state: 'failed' },
  { id: 'changed', title: 'Changed since the last run', state: 'changed' },
  { id: 'never-run', title: 'Never run', state: 'never-run' },
  { id: 'expected-failure', title: 'Expected failures (failing on purpose: "expect" in their settings)', state: 'expected-failure' },
];

export function failuresView(index: ReportIndex, runconfig: string) {
  const bySection = new Map<SectionId, FailureItem[]>(SECTIONS.map((s) => [s.id, []]));
  for (const script of index.data.scripts) {
    const status = statusOf(script, runconfig);
    const section = sectionOf(status.state, status.lastResult);
    if (!section) continue;
    const run = status.lastRunId ? index.runs.get(status.lastRunId)?.run : undefined;
    bySection.get(section)!.push({
      ...scriptItem(index, script, status),
      reasons: status.reasons,
      run: run
        ? {
            ...timeView(run.startedAt),
            href: paths.run(run.id),
            exitCode: run.exitCode,
            signal: run.signal,
            duration: formatDuration(run.durationMs),
          }
        : null,
      error: run?.error && section !== 'changed' ? errorView(index, run.error, script, '') : null,
      stderrTail: run && section !== 'changed' ? stderrTail(run) : null,
    });
  }
  const sections = SECTIONS.map((s) => ({ ...s, items: bySection.get(s.id)! })).filter((s) => s.items.length > 0);
  return { runconfig, sections, groups: index.data.groups.map((g, id) => ({ id, name: g.name })) };
}

/** Lines of stderr shown under an error that has no traceback. */
const STDERR_TAIL_LINES = 12;

function stderrTail(run: Run): string | null {
  if (run.error?.traceback) return null;
  const tail = lastLines(run.stderr.text, STDERR_TAIL_LINES);
  return tail.trim() ? tail : null;
}

function sectionOf(state: ScriptState, result: RunResult | null): SectionId | null {
  if (state === 'failed') return result === 'timeout' ? 'timeout' : 'failed';
  if (state === 'changed' || state === 'never-run' || state === 'expected-failure') return state;
  return null;
}

export function timingView(index: ReportIndex, runconfig: string) {
  const rows: { path: string; href: string; g: string; state: ScriptState; label: string; ms: number; duration: string; pct: number; runHref: string | null }[] = [];
  let totalMs = 0;
  let maxMs = 0;
  for (const script of index.data.scripts) {
    const status = statusOf(script, runconfig);
    if (status.lastDurationMs === null) continue;
    totalMs += status.lastDurationMs;
    maxMs = Math.max(maxMs, status.lastDurationMs);
    rows.push({
      path: script.path,
      href: paths.script(script.path),
      g: groupIds(index, script.groups),
      state: status.state,
      label: stateLabel(status.state, status.lastResult),
      ms: status.lastDurationMs,
      duration: formatDuration(status.lastDurationMs),
      pct: 0,
      runHref: status.lastRunId ? paths.run(status.lastRunId) : null,
    });
  }
  rows.sort((a, b) => b.ms - a.ms || (a.path < b.path ? -1 : 1));
  // Bar length as a percentage of the slowest script, rounded so the page text is stable.
  for (const row of rows) row.pct = maxMs > 0 ? Math.max(0.5, Math.round((row.ms / maxMs) * 1000) / 10) : 0;
  return {
    runconfig,
    rows,
    total: formatDuration(totalMs),
    count: rows.length,
    groups: index.data.groups.map((g, id) => ({ id, name: g.name })),
  };
}
