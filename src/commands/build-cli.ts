/**
 * `mreorg build` as a process: signals, reporters, the report, the exit code. Kept apart from build.ts so the
 * build itself stays callable (and testable) without touching process state.
 */
import { setMaxListeners } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import tty from 'node:tty';
import type { Reporter } from '../reporters/events.js';
import { fanOut } from '../reporters/events.js';
import { buildDocument } from '../reporters/json.js';
import { terminalReporter } from '../reporters/terminal.js';
import { killAllNow } from '../run/process.js';
import { messageOf } from '../util/errors.js';
import { build, type BuildOptions } from './build.js';
import type { Project, Survey } from './project.js';

export interface BuildCliOptions extends Omit<BuildOptions, 'paths' | 'signal' | 'onProgress'> {
  json: boolean;
  report: boolean;
  /** Write JUnit XML of the build to this file. */
  junit?: string | undefined;
}

export async function runBuild(cwd: string, paths: string[], opts: BuildCliOptions): Promise<number> {
  const stream = opts.json ? process.stderr : process.stdout;
  const reporters: Reporter[] = [terminalReporter({ stream })];
  const abort = new AbortController();
  // Every running script listens for the abort: more than ten at once is expected, not a leak.
  setMaxListeners(0, abort.signal);
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

  let reportTimer: NodeJS.Timeout | null = null;
  let reportBusy: Promise<unknown> = Promise.resolve();
  /** Writes the report; returns the error message when it could not be written. */
  const reportNow = async (project: Project, building: boolean, reuse: Survey | null = null): Promise<string | null> => {
    const { writeProjectReport } = await import('./report.js');
    const attempt = reportBusy.then(() => writeProjectReport(project, cwd, building, false, reuse)).then(
      () => null,
      (e: unknown) => messageOf(e),
    );
    reportBusy = attempt;
    return attempt;
  };
  // Live report while scripts finish: debounced, and spaced by at least four times the last rewrite's cost, so
  // on a big project the report never takes more than a fifth of the machine from the scripts themselves.
  let lastRenderMs = 0;
  const onProgress = (project: Project): void => {
    if (!opts.report || reportTimer) return;
    reportTimer = setTimeout(() => {
      const t0 = performance.now();
      void reportNow(project, true).then((err) => {
        lastRenderMs = performance.now() - t0;
        reportTimer = null;
        if (err) process.stderr.write(`mreorg: warning: could not update the report: ${err}\n`);
      });
    }, Math.max(2000, 4 * lastRenderMs));
  };

  try {
    const { summary, project, dryRun, survey } = await build(cwd, { ...opts, paths, signal: abort.signal, onProgress }, fanOut(reporters));
    if (reportTimer) clearTimeout(reportTimer);
    if (dryRun) {
      const doc = buildDocument(summary);
      if (opts.json) process.stdout.write(JSON.stringify({ ...doc, dryRun: true }, null, 2) + '\n');
      else {
        for (const e of summary.entries.filter((x) => x.run)) {
          stream.write(`would run ${e.path}\n${e.reasons.map((r) => `    - ${r}\n`).join('')}`);
        }
      }
      return 0;
    }
    fanOut(reporters).done(summary);
    let reportError: string | null = null;
    if (opts.report) {
      reportError = await reportNow(project, false, survey);
      const { reportIndexPath } = await import('./report.js');
      if (reportError) process.stderr.write(`mreorg: the runs are recorded in the ledger, but the report could not be written: ${reportError}\n`);
      else stream.write(`Report: ${reportIndexPath(project)}\n`);
    }
    if (opts.junit) {
      const { junitXml } = await import('../reporters/junit.js');
      const file = path.resolve(cwd, opts.junit);
      try {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, junitXml(summary));
      } catch (e) {
        process.stderr.write(`mreorg: could not write the JUnit file ${file}: ${messageOf(e)}\n`);
        reportError ??= messageOf(e);
      }
    }
    if (opts.json) process.stdout.write(JSON.stringify(buildDocument(summary), null, 2) + '\n');
    if (summary.interrupted) return 130;
    return summary.ok && !reportError ? 0 : 1;
  } finally {
    if (reportTimer) clearTimeout(reportTimer);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onHangup);
    // Node 20 aborts at exit when it cannot restore the settings of a terminal that hung up (nodejs/node#51519):
    // once everything is recorded, end the way a hangup ends any program instead.
    if (hungUp && onTerminal) process.once('exit', () => process.kill(process.pid, 'SIGHUP'));
  }
}
