/**
 * Human output. On a TTY (and not in CI) a single live progress line: done/total, what runs, elapsed. Otherwise
 * one plain line per finished script. Always a summary at the end, each failure with its error line.
 * Colour only on a TTY and without NO_COLOR. Everything a script controls (paths, messages) goes through `t()`
 * (printable): a script's escape sequences never reach the terminal.
 */
import { figureCount } from '../model/figures.js';
import type { Run, RunResult } from '../model/run.js';
import type { Expectation } from '../model/settings.js';
import { cycleNote, endedAsExpected, type Plan } from '../plan/plan.js';
import { describeChange } from '../model/change.js';
import type { BuildEvent, BuildSummary, ChangedScript, Reporter, SkipReason } from '../schedule/events.js';
import { unreachable } from '../util/errors.js';
import { describeJob } from '../model/job.js';
import { formatAgo, formatDuration } from '../util/format.js';
import { printable as t } from '../util/printable.js';
import { countsOf, FAILING } from '../schedule/verdict.js';

export interface TerminalOptions {
  stream: NodeJS.WriteStream;
  env?: NodeJS.ProcessEnv;
}

const SKIP_WORDS: Record<SkipReason, string> = {
  'claimed-by-other': 'another mreorg build is running it now',
};

export function terminalReporter(opts: TerminalOptions): Reporter {
  return new TerminalReporter(opts.stream, opts.env ?? process.env);
}

class TerminalReporter implements Reporter {
  private readonly live: boolean;
  private readonly color: boolean;
  private readonly running = new Set<string>();
  private total = 0;
  private done = 0;
  private readonly t0 = Date.now();
  private timer: NodeJS.Timeout | null = null;
  /** Lines of first-pass failures on a missing file, printed only if the script is not retried. */
  private readonly held = new Map<string, string>();
  /** Retried scripts -> what their line adds. */
  private readonly retried = new Map<string, string>();
  /** Cluster jobs of running scripts -> `queued (Resources)` or `running`. */
  private readonly jobs = new Map<string, string>();
  /** Scripts with an `expect`: their expected failure is not shown as a failure. */
  private readonly expect = new Map<string, Expectation>();

  constructor(
    private readonly out: NodeJS.WriteStream,
    env: NodeJS.ProcessEnv,
  ) {
    this.live = Boolean(out.isTTY) && !env.CI;
    this.color = Boolean(out.isTTY) && env.NO_COLOR === undefined;
  }

  on(e: BuildEvent): void {
    switch (e.type) {
      case 'warning':
        return this.print(this.paint('33', `warning: ${t(e.message)}`));
      case 'planned':
        this.print(this.paint('2', `python: ${e.python.executable} ${e.python.version}, from ${e.python.origin}`));
        return this.planned(e.plan, e.runconfig, e.dryRun);
      case 'started':
        this.running.add(e.path);
        return this.draw();
      case 'job':
        this.jobs.set(e.path, e.job.state === 'PENDING' ? `queued${e.job.reason ? ` (${e.job.reason})` : ''}` : 'running');
        return this.draw();
      case 'finished':
        return this.finished(e.run, e.mayRetry ?? false);
      case 'skipped':
        return this.print(this.paint('2', `skip ${t(e.path)}: ${t(e.detail ?? SKIP_WORDS[e.why])}`));
      case 'elsewhere':
        return this.print(`${this.resultWord(e.result)} ${t(e.path)} ${this.paint('2', '(run by another mreorg build)')}`);
      case 'retried':
        // Its first attempt is not a failure to show: the retry's line says what happened.
        this.held.delete(e.path);
        this.retried.set(e.path, `retried after ${t(e.writers.join(', '))} wrote ${t(e.files.join(', '))}`);
        this.total++;
        return this.draw();
      case 'done':
        for (const line of this.held.values()) this.print(line);
        this.held.clear();
        return this.summary(e.summary);
      case 'output':
      case 'recorded':
      case 'interrupted':
        return;
      default:
        return unreachable(e);
    }
  }

  private paint(code: string, s: string): string {
    return this.color ? `\x1b[${code}m${s}\x1b[0m` : s;
  }

  private clear(): void {
    if (this.live) this.out.write('\r\x1b[2K');
  }

  private draw(): void {
    if (!this.live || this.total === 0) return;
    const names = t([...this.running].slice(0, 3).join(', ')) + (this.running.size > 3 ? ` +${this.running.size - 3}` : '');
    const line = `[${this.done}/${this.total}] ${formatDuration(Date.now() - this.t0)} ${this.jobs.size > 0 ? jobCounts(this.jobs) : names ? 'running ' + names : ''}`;
    this.clear();
    this.out.write(line.slice(0, Math.max(20, (this.out.columns || 100) - 1)));
  }

  private print(line: string): void {
    this.clear();
    this.out.write(line + '\n');
    this.draw();
  }

  private planned(plan: Plan, runconfig: string, dryRun: boolean): void {
    this.total = plan.order.length;
    for (const e of plan.entries) if (e.expect) this.expect.set(e.path, e.expect);
    plan.cycles.forEach((c, i) => this.print(this.paint('33', `warning: ${t(cycleNote(c, plan.cycleFiles[i] ?? []))}`)));
    const n = `${this.total} script${this.total === 1 ? '' : 's'}`;
    const failing = plan.entries.filter((e) => e.state === 'failed').length;
    if (this.total === 0 && failing > 0) this.print(`Nothing to run under runconfig ${runconfig}: nothing changed, but ${failing} script${failing === 1 ? ' is' : 's are'} still failing (--retry-failed reruns them).`);
    else if (this.total === 0) this.print(`Nothing to do: every tracked script is up to date under runconfig ${runconfig}.`);
    else if (dryRun) this.print(`Would run ${n} under runconfig ${runconfig}:`);
    else this.print(`Running ${n} under runconfig ${runconfig}...`);
    if (this.live && this.total > 0 && !dryRun) this.timer = setInterval(() => this.draw(), 500).unref();
  }

  private resultWord(result: RunResult): string {
    switch (result) {
      case 'success':
        return this.paint('32', 'ok');
      case 'failed':
        return this.paint('31', 'FAILED');
      case 'timeout':
        return this.paint('31', 'TIMEOUT');
      case 'interrupted':
        return this.paint('33', 'interrupted');
    }
  }

  private finished(run: Run, mayRetry: boolean): void {
    this.running.delete(run.path);
    this.jobs.delete(run.path);
    this.done++;
    const err = run.error && run.result !== 'success' ? this.paint('2', `  ${t(run.error.type)}: ${t(firstLine(run.error.message))}`) : '';
    const n = figureCount(run.figures);
    const figs = n ? this.paint('2', ` ${n} fig`) : '';
    const word = endedAsExpected(run.result, this.expect.get(run.path) ?? null) ? this.paint('35', 'expected failure') : this.resultWord(run.result);
    const note = this.retried.has(run.path) ? this.paint('2', ` (${this.retried.get(run.path)})`) : '';
    const changed = run.comparison?.changes.length ? this.paint('33', ` results changed`) : '';
    const job = run.job ? this.paint('2', ` (${t(describeJob(run)!)})`) : '';
    const line = `${word} ${t(run.path)} ${this.paint('2', formatDuration(run.durationMs))}${figs}${changed}${err}${note}${job}`;
    if (mayRetry) {
      this.held.set(run.path, line);
      this.draw();
    } else this.print(line);
  }

  private summary(s: BuildSummary): void {
    if (this.timer) clearInterval(this.timer);
    this.clear();
    if (s.dryRun) return;
    const c = countsOf(s.verdicts, s.runs.size);
    const parts = [`${c.ran} ran`, this.paint('32', `${c.success} succeeded`)];
    const add = (n: number, words: string, colour: string): void => void (n && parts.push(this.paint(colour, `${n} ${words}`)));
    add(c.failed, 'failed', '31');
    add(c.timeout, 'timed out', '31');
    add(c.interrupted, 'interrupted', '33');
    add(c.stillFailing, 'still failing', '31');
    add(c.unexpectedSuccesses, `expected to fail but succeeded`, '31');
    add(c.expectedFailures, `expected failure${c.expectedFailures === 1 ? '' : 's'}`, '35');
    add(c.byOtherBuild, 'run by another build', '2');
    add(c.notRun, 'not run', '33');
    parts.push(`${c.upToDate} up to date`);
    this.failures(s);
    this.changes(s);
    if (s.interrupted) this.out.write(this.paint('33', '\nInterrupted: running scripts were stopped and recorded as interrupted.\n'));
    this.out.write(`\n${parts.join(', ')} in ${formatDuration(s.elapsedMs)}.\n`);
  }

  /**
   * `3 scripts changed their results: sims/a.py (figure 2: 4.1% of pixels), ...`, and whether that fails the
   * build (--fail-on-change).
   */
  private changes(s: BuildSummary): void {
    const changed = s.changed ?? [];
    if (changed.length === 0) return;
    const colour = s.failOnChange ? '31' : '33';
    this.out.write(`\n${this.paint(colour, changedLine(changed))}\n`);
    if (s.failOnChange) this.out.write('The build fails: results differ and --fail-on-change (or the config\'s failOnChange) is set. Accept them with "mreorg accept PATHS" when they are right.\n');
  }

  /** Every script that fails the build, with its error; a hint when scripts lack a module. */
  private failures(s: BuildSummary): void {
    const bad = s.verdicts.filter((v) => FAILING.has(v.outcome));
    if (bad.length === 0) return;
    this.out.write('\nFailures:\n');
    const now = Date.now();
    for (const v of bad) {
      const err = v.error ? `${t(v.error.type)}: ${t(firstLine(v.error.message))}` : (v.result ?? 'failed');
      if (v.outcome === 'still-failing') {
        const ago = v.at ? `, last run ${formatAgo(now - Date.parse(v.at))}` : '';
        this.out.write(`  still failing: ${this.paint('31', t(v.path))} (${err}${ago})\n`);
      } else if (v.outcome === 'unexpected-success') this.out.write(`  ${this.paint('31', t(v.path))} was expected to fail but succeeded\n`);
      else this.out.write(`  ${this.paint('31', t(v.path))}: ${err}${v.byOther ? ' (run by another build)' : ''}\n`);
    }
    if (bad.some((v) => v.error?.type === 'ModuleNotFoundError')) {
      const p = s.python;
      this.out.write(`\nThese scripts ran with ${t(p.executable)} (Python ${p.version}, from ${p.origin}); to use another interpreter set "python" in the config, MREORG_PYTHON, or --python.\n`);
    }
  }
}

/** Scripts listed in the summary line before "and N more". */
const CHANGED_SHOWN = 10;

/** The summary line of changed results (pure, for tests). */
export function changedLine(changed: ChangedScript[], now = Date.now()): string {
  const n = changed.length;
  const shown = changed.slice(0, CHANGED_SHOWN).map((c) => `${t(c.path)} (${t(changeWords(c, now))})`);
  const more = n > CHANGED_SHOWN ? `, and ${n - CHANGED_SHOWN} more` : '';
  return `${n} script${n === 1 ? '' : 's'} changed ${n === 1 ? 'its' : 'their'} results: ${shown.join(', ')}${more}`;
}

function changeWords(c: ChangedScript, now: number): string {
  if (!c.ran) return `still differs from its baseline: ${c.count} change${c.count === 1 ? '' : 's'}, run ${formatAgo(now - Date.parse(c.at))}`;
  const words = c.changes.slice(0, 3).map(describeChange);
  if (c.changes.length > 3) words.push(`${c.changes.length - 3} more`);
  return words.join(', ');
}

function firstLine(s: string): string {
  const line = s.split('\n')[0] ?? '';
  return line.length > 200 ? line.slice(0, 199) + '…' : line;
}

/** "jobs: 97 queued (Resources), 3 running" */
function jobCounts(jobs: Map<string, string>): string {
  const n = new Map<string, number>();
  for (const s of jobs.values()) n.set(s, (n.get(s) ?? 0) + 1);
  return 'jobs: ' + t([...n].map(([s, k]) => `${k} ${s}`).join(', '));
}
