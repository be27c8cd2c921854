/**
 * Views of the per-script and per-run pages. Both live one folder down (scripts/, runs/), so their links start
 * with '../'. The script page's highlighted source is built lazily: its page key uses the source's hash, so an
 * unchanged script is neither highlighted nor rendered again.
 */
import { describeJob } from '../model/job.js';
import { resolve } from 'node:path';
import { figureCount } from '../model/figures.js';
import type { CapturedOutput, Run } from '../model/run.js';
import { editorHref } from './escape.js';
import type { FigureIndex } from './figures.js';
import { figureViews } from './figure-view.js';
import { countLines, formatBytes, formatDuration, resultLabel, stateLabel } from './format.js';
import type { ReportScript } from './model.js';
import { paths } from './slug.js';
import { errorView, scriptLink, timeView, type ReportIndex } from './view-common.js';
import { statusOf } from './view-runconfig.js';
import { figureHistory } from './changes.js';
import { scriptCoverage } from './view-coverage.js';

const REL = '../';
/** Output longer than this many lines starts collapsed (scrollable, never cut). */
const LONG_OUTPUT_LINES = 40;

export function scriptView(index: ReportIndex, script: ReportScript, figures: FigureIndex) {
  const { data } = index;
  const abs = resolve(data.root, script.path);
  const lastRun = script.runs[0];
  return {
    path: script.path,
    doc: script.docstring,
    hash: script.hash,
    tracked: script.tracked,
    groups: script.groups,
    editor: editorHref(data.editorUrl, abs, script.path, 1),
    statuses: data.runconfigs.map((rc) => {
      const status = statusOf(script, rc.name);
      return {
        runconfig: rc.name,
        state: status.state,
        label: stateLabel(status.state, status.lastResult),
        reasons: status.reasons,
        runHref: status.lastRunId ? REL + paths.run(status.lastRunId) : null,
      };
    }),
    runs: script.runs.map((run) => ({
      href: REL + paths.run(run.id),
      result: run.result,
      label: resultLabel(run.result, retriedRuns(script).has(run.id)),
      ...timeView(run.startedAt),
      duration: formatDuration(run.durationMs),
      ms: run.durationMs,
      runconfig: run.runconfig,
      figures: figureCount(run.figures),
      sameHash: run.hash === script.hash,
    })),
    latest: latestFigures(script, figures),
    chart: durationChart(script.runs),
    figureHistory: figureHistory(script, REL),
    deps: lastRun?.deps
      ? {
          runHref: REL + paths.run(lastRun.id),
          modules: lastRun.deps.modules.map((p) => scriptLink(index, p, REL)),
          reads: lastRun.deps.reads.map((p) => scriptLink(index, p, REL)),
          writes: lastRun.deps.writes.map((p) => scriptLink(index, p, REL)),
          missing: lastRun.deps.missing,
          packages: Object.entries(lastRun.deps.packages).map(([name, version]) => ({ name, version })),
        }
      : null,
    upstream: script.upstream.map((p) => scriptLink(index, p, REL)),
    downstream: script.downstream.map((p) => scriptLink(index, p, REL)),
    lines: countLines(script.source),
    coverage: scriptCoverage(index, script),
  };
}

/** The figures of the script's newest run (under any runconfig), shown at the top of its page. */
function latestFigures(script: ReportScript, figures: FigureIndex) {
  const run = script.runs[0];
  if (!run || run.figures.length === 0) return null;
  return {
    href: REL + paths.run(run.id),
    runconfig: run.runconfig,
    label: resultLabel(run.result, retriedRuns(script).has(run.id)),
    ...timeView(run.startedAt),
    figures: figureViews(run, figures, REL),
  };
}

/** Bars of duration over the runs, oldest left; geometry in a 0..100-high viewBox, drawn by the template. */
function durationChart(runs: Run[]) {
  if (runs.length === 0) return null;
  const ordered = [...runs].reverse();
  const max = Math.max(...ordered.map((r) => r.durationMs), 1);
  const step = 14;
  return {
    width: ordered.length * step,
    max: formatDuration(max),
    bars: ordered.map((run, i) => {
      const h = Math.max(1.5, Math.round((run.durationMs / max) * 1000) / 10);
      return {
        x: i * step + 2,
        y: Math.round((100 - h) * 10) / 10,
        w: step - 4,
        h,
        result: run.result,
        href: REL + paths.run(run.id),
        title: `${formatDuration(run.durationMs)} · ${resultLabel(run.result)} · ${run.runconfig} · ${run.startedAt}`,
      };
    }),
  };
}

export function runView(index: ReportIndex, run: Run, script: ReportScript, figures: FigureIndex) {
  const { data } = index;
  const runconfig = index.runconfigs.get(run.runconfig);
  return {
    id: run.id,
    script: { path: script.path, href: REL + paths.script(script.path) },
    result: run.result,
    label: resultLabel(run.result, retriedRuns(script).has(run.id)),
    exitCode: run.exitCode,
    signal: run.signal,
    ...timeView(run.startedAt),
    duration: formatDuration(run.durationMs),
    job: describeJob(run),
    runconfig: {
      name: run.runconfig,
      known: runconfig !== undefined,
      timeout: runconfig ? runconfig.timeout : null,
      // The env recorded with the run is the runconfig's (null = unset), not the process environment.
      env: Object.entries(run.env).map(([key, value]) => ({ key, value })),
      argv: run.argv,
    },
    hashThen: run.hash,
    hashNow: script.hash,
    changed: run.hash !== script.hash,
    python: run.python,
    source: run.source,
    error: run.error ? errorView(index, run.error, script, REL) : null,
    editor: run.error ? editorHref(data.editorUrl, resolve(data.root, script.path), script.path, lastOwnLine(run, index, script)) : null,
    stdout: outputView(run.stdout),
    stderr: outputView(run.stderr),
    figures: figureViews(run, figures, REL),
    deps: run.deps
      ? {
          modules: run.deps.modules.map((p) => scriptLink(index, p, REL)),
          reads: run.deps.reads.map((p) => scriptLink(index, p, REL)),
          writes: run.deps.writes.map((p) => scriptLink(index, p, REL)),
          missing: run.deps.missing,
        }
      : null,
  };
}

/** The innermost traceback line inside the script itself: where "open in editor" should land. */
function lastOwnLine(run: Run, index: ReportIndex, script: ReportScript): number {
  const own = resolve(index.data.root, script.path);
  const frames = run.error?.frames ?? [];
  for (let i = frames.length - 1; i >= 0; i--) {
    const frame = frames[i]!;
    if (resolve(index.data.root, frame.file) === own) return frame.line;
  }
  return 1;
}

function outputView(output: CapturedOutput) {
  const lines = countLines(output.text);
  return {
    text: output.text,
    lines,
    long: lines > LONG_OUTPUT_LINES,
    size: formatBytes(output.totalBytes),
    dropped: output.droppedBytes > 0 ? formatBytes(output.droppedBytes) : null,
    logFile: output.logFile,
  };
}

/** Ids of the script's runs that a later run of the same build retried (first builds: a file was missing). */
function retriedRuns(script: ReportScript): Set<string> {
  return new Set(script.runs.map((r) => r.retryOf).filter((id): id is string => typeof id === 'string'));
}
