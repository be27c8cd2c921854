/**
 * `mreorg build` as a process: signals, the reporters, the exit code. Kept apart from build.ts so the build itself
 * stays callable (and testable) without touching process state.
 */
import { setMaxListeners } from 'node:events';
import path from 'node:path';
import tty from 'node:tty';
import { loadConfig } from '../config/index.js';
import type { BuildEvent, Reporter } from '../schedule/events.js';
import type { Survey } from '../survey/survey.js';
import { messageOf } from '../util/errors.js';
import type { BuildOptions, PlannedBuild } from './build.js';
import { dropNoopIndex, OutputTape, stateStatsOf, tryFastNoop, writeNoopIndex } from './fast-noop.js';

export interface BuildCliOptions extends Omit<BuildOptions, 'paths' | 'signal'> {
  json: boolean;
  report: boolean;
  /** Write JUnit XML of the build to this file. */
  junit?: string | undefined;
}

export async function runBuild(cwd: string, paths: string[], opts: BuildCliOptions): Promise<number> {
  // A JUnit file is a side effect a replay would not make: such builds always take the full path.
  const noopKey = opts.junit ? null : { cwd, paths, options: opts };
  const config = noopKey ? await loadConfig(cwd, opts.config, { python: opts.python, jobs: opts.jobs }) : null;
  if (noopKey && config) {
    const code = tryFastNoop(noopKey, config);
    if (code !== null) return code;
  }
  // Only now the build itself: the fast no-op above needs none of it.
  const { planBuild, runPlan } = await import('./build.js');
  const { killAllNow } = await import('../run/process.js');
  const reporterKinds = await loadReporters();
  const stateStats = config ? stateStatsOf(config) : {};
  const tape = noopKey ? new OutputTape() : null;
  const abort = new AbortController();
  // Every running script listens for the abort: more than ten at once is expected, not a leak.
  setMaxListeners(0, abort.signal);
  const offSignals = onStopSignals(abort, killAllNow);
  try {
    const buildOpts: BuildOptions = { ...opts, paths, signal: abort.signal };
    const planned = await planBuild(cwd, buildOpts);
    let reuse: Survey | null = null;
    const reporters = pickReporters(reporterKinds, cwd, planned, opts, () => reuse);
    let warned = planned.warnings.length > 0;
    const emit = (e: BuildEvent): void => {
      if (e.type === 'warning') warned = true;
      for (const r of reporters) void r.on(e);
    };
    for (const w of planned.warnings) emit({ type: 'warning', message: w });
    // What the ledger finds from now on (a file set aside during a merge...) is a warning of this build.
    planned.project.ledger.onWarning = (message) => emit({ type: 'warning', message });
    const python = { ...planned.survey.interpreter, origin: planned.project.config.pythonOrigin };
    emit({ type: 'planned', plan: planned.plan, runconfig: planned.runconfig, dryRun: Boolean(opts.dryRun), python });
    const { summary, survey } = await runPlan(planned, buildOpts, emit);
    reuse = survey;
    const failures = await deliver(reporters, { type: 'done', summary });
    for (const f of failures) process.stderr.write(`mreorg: ${f}\n`);
    const exit = summary.dryRun ? 0 : summary.interrupted ? 130 : summary.ok && failures.length === 0 ? 0 : 1;
    tape?.stop();
    const { config } = planned.project;
    const noop = planned.plan.order.length === 0 && summary.runs.size === 0 && summary.byOther.size === 0 && !summary.interrupted;
    // Only a green no-op is replayed: a still-failing script's line says how long ago it ran, which a replay would
    // repeat unchanged.
    const green = exit === 0 && (summary.changed ?? []).length === 0 && summary.verdicts.every((v) => v.outcome === 'up-to-date' || v.outcome === 'expected-failure');
    if (noopKey && tape && noop && green && !warned && failures.length === 0) {
      const { survey: sv, project } = planned;
      writeNoopIndex({ config, input: noopKey, discovery: sv.discovery, files: sv.digests.keys(), hasher: project.hasher, stateStats, output: tape.output, elapsedMs: summary.elapsedMs, exit });
    } else if (!noop) dropNoopIndex(config);
    return exit;
  } finally {
    tape?.stop();
    offSignals();
  }
}

async function loadReporters() {
  const [{ dryRunReporter }, { htmlReporter }, { jsonReporter }, { junitReporter }, { terminalReporter }] = await Promise.all([
    import('../reporters/dry-run.js'),
    import('../reporters/html-report.js'),
    import('../reporters/json.js'),
    import('../reporters/junit.js'),
    import('../reporters/terminal.js'),
  ]);
  return { dryRunReporter, htmlReporter, jsonReporter, junitReporter, terminalReporter };
}

/** Human output goes to stderr when stdout carries the JSON document. Order here is the order of `done` output. */
function pickReporters(kinds: Awaited<ReturnType<typeof loadReporters>>, cwd: string, planned: PlannedBuild, opts: BuildCliOptions, reuse: () => Survey | null): Reporter[] {
  const { dryRunReporter, htmlReporter, jsonReporter, junitReporter, terminalReporter } = kinds;
  const human = opts.json ? process.stderr : process.stdout;
  const reporters: Reporter[] = [terminalReporter({ stream: human })];
  if (opts.dryRun && !opts.json) reporters.push(dryRunReporter(human));
  if (opts.report) reporters.push(htmlReporter({ project: planned.project, cwd, stream: human, reuse }));
  if (opts.junit) reporters.push(junitReporter(path.resolve(cwd, opts.junit)));
  if (opts.json) reporters.push(jsonReporter(process.stdout));
  return reporters;
}

/** Gives `done` to each reporter in turn; returns what could not be delivered. */
async function deliver(reporters: Reporter[], e: BuildEvent): Promise<string[]> {
  const failures: string[] = [];
  for (const r of reporters) {
    try {
      await r.on(e);
    } catch (err) {
      failures.push(messageOf(err));
    }
  }
  return failures;
}

/**
 * First SIGINT/SIGTERM/SIGHUP: stop the scripts and finish cleanly; second: kill them and quit. Returns the undo,
 * to call once the build is recorded.
 */
export function onStopSignals(abort: AbortController, killAllNow: () => void): () => void {
  let signals = 0;
  const onSignal = (): void => {
    signals++;
    if (signals === 1) {
      process.stderr.write('\nmreorg: stopping running scripts (Ctrl-C again to quit at once)...\n');
      abort.abort();
    } else {
      // The ledger on disk is always a complete file (atomic writes), so quitting now loses only unflushed runs.
      killAllNow();
      process.exit(130);
    }
  };
  // SIGHUP: the terminal was closed. Stop like Ctrl-C; what is written to the gone terminal is lost, not fatal.
  let hungUp = false;
  // Asked now: a terminal that hung up no longer says it is one.
  const onTerminal = [0, 1, 2].some((fd) => tty.isatty(fd));
  const onHangup = (): void => {
    hungUp = true;
    for (const s of [process.stdout, process.stderr]) s.on('error', () => {});
    onSignal();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onHangup);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onHangup);
    // Node 20 aborts at exit when it cannot restore the settings of a terminal that hung up (nodejs/node#51519):
    // once everything is recorded, end the way a hangup ends any program instead.
    if (hungUp && onTerminal) process.once('exit', () => process.kill(process.pid, 'SIGHUP'));
  };
}
