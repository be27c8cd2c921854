/**
 * Human output. On a TTY (and not in CI) a single live progress line: done/total, what runs, elapsed. Otherwise
 * one plain line per finished script. Always a summary at the end, each failure with its error line.
 * Colour only on a TTY and without NO_COLOR.
 */
import type { Run } from '../model/run.js';
import type { Plan } from '../plan/plan.js';
import type { BuildEvent, BuildSummary, Reporter, SkipReason } from '../schedule/events.js';
import { unreachable } from '../util/errors.js';
import { formatDuration } from '../util/format.js';

export interface TerminalOptions {
  stream: NodeJS.WriteStream;
  env?: NodeJS.ProcessEnv;
}

const SKIP_WORDS: Record<SkipReason, string> = {
  'claimed-by-other': 'another mreorg build is running it now',
  'ran-by-other': 'another mreorg build just ran it',
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
        return this.print(this.paint('33', `warning: ${e.message}`));
      case 'planned':
        return this.planned(e.plan, e.runconfig, e.dryRun);
      case 'started':
        this.running.add(e.path);
        return this.draw();
      case 'finished':
        return this.finished(e.run);
      case 'skipped':
        return this.print(this.paint('2', `skip ${e.path}: ${SKIP_WORDS[e.why]}`));
      case 'retried':
        this.total++;
        return this.print(this.paint('2', `retry ${e.path}: ${e.writers.join(', ')} wrote ${e.files.join(', ')}, which it had found missing`));
      case 'done':
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
    const names = [...this.running].slice(0, 3).join(', ') + (this.running.size > 3 ? ` +${this.running.size - 3}` : '');
    const line = `[${this.done}/${this.total}] ${formatDuration(Date.now() - this.t0)} ${names ? 'running ' + names : ''}`;
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
    for (const c of plan.cycles) this.print(this.paint('33', `warning: dependency cycle ${c.join(' -> ')}; its order is not enforced`));
    const n = `${this.total} script${this.total === 1 ? '' : 's'}`;
    if (this.total === 0) this.print(`Nothing to do: every tracked script is up to date under runconfig ${runconfig}.`);
    else if (dryRun) this.print(`Would run ${n} under runconfig ${runconfig}:`);
    else this.print(`Running ${n} under runconfig ${runconfig}...`);
    if (this.live && this.total > 0 && !dryRun) this.timer = setInterval(() => this.draw(), 500).unref();
  }

  private resultWord(r: Run): string {
    switch (r.result) {
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

  private finished(run: Run): void {
    this.running.delete(run.path);
    this.done++;
    const err = run.error && run.result !== 'success' ? this.paint('2', `  ${run.error.type}: ${firstLine(run.error.message)}`) : '';
    const figs = run.figures.length ? this.paint('2', ` ${run.figures.length} fig`) : '';
    this.print(`${this.resultWord(run)} ${run.path} ${this.paint('2', formatDuration(run.durationMs))}${figs}${err}`);
  }

  private summary(s: BuildSummary): void {
    if (this.timer) clearInterval(this.timer);
    this.clear();
    if (s.dryRun) return;
    const runs = [...s.runs.values()];
    const count = (r: string): number => runs.filter((x) => x.result === r).length;
    const upToDate = s.entries.filter((e) => !s.runs.has(e.path) && e.state === 'up-to-date').length;
    const parts = [`${runs.length} ran`, this.paint('32', `${count('success')} succeeded`)];
    if (count('failed')) parts.push(this.paint('31', `${count('failed')} failed`));
    if (count('timeout')) parts.push(this.paint('31', `${count('timeout')} timed out`));
    if (count('interrupted')) parts.push(this.paint('33', `${count('interrupted')} interrupted`));
    parts.push(`${upToDate} up to date`);
    const bad = runs.filter((r) => r.result === 'failed' || r.result === 'timeout');
    if (bad.length) {
      this.out.write('\nFailures:\n');
      for (const r of bad) this.out.write(`  ${this.paint('31', r.path)}: ${r.error ? `${r.error.type}: ${firstLine(r.error.message)}` : r.result}\n`);
    }
    if (s.interrupted) this.out.write(this.paint('33', '\nInterrupted: running scripts were stopped and recorded as interrupted.\n'));
    this.out.write(`\n${parts.join(', ')} in ${formatDuration(s.elapsedMs)}.\n`);
  }
}

function firstLine(s: string): string {
  const line = s.split('\n')[0] ?? '';
  return line.length > 200 ? line.slice(0, 199) + '…' : line;
}
