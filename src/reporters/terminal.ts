/**
 * Human output. On a TTY (and not in CI) a single live progress line: done/total, what runs, elapsed. Otherwise
 * one plain line per finished script. Always a summary at the end, each failure with its error line.
 * Colour only on a TTY and without NO_COLOR.
 */
import type { Run } from '../ledger/types.js';
import type { BuildSummary, Reporter } from './events.js';
import type { Plan } from '../plan/plan.js';

export interface TerminalOptions {
  stream: NodeJS.WriteStream;
  env?: NodeJS.ProcessEnv;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}

export function terminalReporter(opts: TerminalOptions): Reporter {
  const env = opts.env ?? process.env;
  const out = opts.stream;
  const live = Boolean(out.isTTY) && !env.CI;
  const color = Boolean(out.isTTY) && env.NO_COLOR === undefined;
  const paint = (code: string, s: string): string => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const green = (s: string): string => paint('32', s);
  const red = (s: string): string => paint('31', s);
  const yellow = (s: string): string => paint('33', s);
  const dim = (s: string): string => paint('2', s);
  const running = new Set<string>();
  let total = 0;
  let done = 0;
  const t0 = Date.now();
  let timer: NodeJS.Timeout | null = null;

  const clear = (): void => {
    if (live) out.write('\r\x1b[2K');
  };
  const draw = (): void => {
    if (!live || total === 0) return;
    const names = [...running].slice(0, 3).join(', ') + (running.size > 3 ? ` +${running.size - 3}` : '');
    const line = `[${done}/${total}] ${formatDuration(Date.now() - t0)} ${names ? 'running ' + names : ''}`;
    clear();
    out.write(line.slice(0, Math.max(20, (out.columns || 100) - 1)));
  };
  const print = (line: string): void => {
    clear();
    out.write(line + '\n');
    draw();
  };
  const resultWord = (r: Run): string => {
    switch (r.result) {
      case 'success':
        return green('ok');
      case 'failed':
        return red('FAILED');
      case 'timeout':
        return red('TIMEOUT');
      case 'interrupted':
        return yellow('interrupted');
    }
  };

  return {
    warning: (m) => print(yellow(`warning: ${m}`)),
    planned(plan: Plan, runconfig: string) {
      total = plan.order.length;
      for (const c of plan.cycles) print(yellow(`warning: dependency cycle ${c.join(' -> ')}; its order is not enforced`));
      if (total === 0) print(`Nothing to do: every tracked script is up to date under runconfig ${runconfig}.`);
      else print(`Running ${total} script${total === 1 ? '' : 's'} under runconfig ${runconfig}...`);
      if (live && total > 0) timer = setInterval(draw, 500).unref();
    },
    started(path) {
      running.add(path);
      draw();
    },
    finished(run) {
      running.delete(run.path);
      done++;
      const err = run.error && run.result !== 'success' ? dim(`  ${run.error.type}: ${firstLine(run.error.message)}`) : '';
      const figs = run.figures.length ? dim(` ${run.figures.length} fig`) : '';
      print(`${resultWord(run)} ${run.path} ${dim(formatDuration(run.durationMs))}${figs}${err}`);
    },
    skipped(path, why) {
      print(dim(`skip ${path}: ${why}`));
    },
    done(s: BuildSummary) {
      if (timer) clearInterval(timer);
      clear();
      const runs = [...s.runs.values()];
      const count = (r: string): number => runs.filter((x) => x.result === r).length;
      const upToDate = s.entries.filter((e) => !s.runs.has(e.path) && e.state === 'up-to-date').length;
      const parts = [`${runs.length} ran`, green(`${count('success')} succeeded`)];
      if (count('failed')) parts.push(red(`${count('failed')} failed`));
      if (count('timeout')) parts.push(red(`${count('timeout')} timed out`));
      if (count('interrupted')) parts.push(yellow(`${count('interrupted')} interrupted`));
      parts.push(`${upToDate} up to date`);
      const bad = runs.filter((r) => r.result === 'failed' || r.result === 'timeout');
      if (bad.length) {
        out.write('\nFailures:\n');
        for (const r of bad) out.write(`  ${red(r.path)}: ${r.error ? `${r.error.type}: ${firstLine(r.error.message)}` : r.result}\n`);
      }
      if (s.interrupted) out.write(yellow('\nInterrupted: running scripts were stopped and recorded as interrupted.\n'));
      out.write(`\n${parts.join(', ')} in ${formatDuration(s.elapsedMs)}.\n`);
    },
  };
}

function firstLine(s: string): string {
  const line = s.split('\n')[0] ?? '';
  return line.length > 200 ? line.slice(0, 199) + '…' : line;
}
