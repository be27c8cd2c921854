/**
 * mreorg's own cost of one squeue round, without processes: the JobPoller parsing squeue's answer for N watched
 * jobs, all RUNNING and unchanged for 20 rounds (then COMPLETED, so the watches end); the squeue call is replaced
 * by a function returning prepared text. `node --import tsx bench/slurm-poll-micro.ts`
 */
import { JobPoller, type RunCommand } from '../src/run/slurm-poll.js';

const ROUNDS = 20;
console.log('| jobs watched | mreorg CPU per round | heap for the watches |');
console.log('|---|---|---|');
for (const n of [1000, 10000, 50000]) {
  let calls = 0;
  const answers = new Map<string, string>();
  const run: RunCommand = async (_cmd, args) => {
    const list = args[args.indexOf('-j') + 1]!;
    calls++;
    const state = calls > ROUNDS * Math.ceil(n / 5000) ? 'COMPLETED' : 'RUNNING';
    const key = `${state}${list}`;
    if (!answers.has(key)) answers.set(key, list.split(',').map((id) => `${id}|${state}|None|0|node${Number(id) % 50}|2026-11-30T01:00:00|2026-11-30T01:00:05|N/A|`).join('\n'));
    return { ok: true, stdout: answers.get(key)!, stderr: '' };
  };
  // Answers prepared before measuring: only mreorg's side is timed.
  const poller = new JobPoller(run, { baseMs: 1, maxMs: 1, onWarning: () => {} });
  global.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const ends = Array.from({ length: n }, (_, i) => poller.watch(String(10_000_000 + i)));
  const heap = (process.memoryUsage().heapUsed - heap0) / 1024 / 1024;
  const t0 = process.cpuUsage();
  await Promise.all(ends);
  const cpu = process.cpuUsage(t0);
  console.log(`| ${n.toLocaleString('en')} | ${((cpu.user + cpu.system) / 1000 / poller.stats.rounds).toFixed(1)} ms | ${heap.toFixed(1)} MB |`);
}
