#!/usr/bin/env node
/**
 * The SLURM executor at scale, without a cluster: a build of N trivial scripts, all submitted at once
 * (`-j N`), against the fake sbatch/squeue pair in bench/fake-slurm/. Three phases: submitting; STEADY seconds
 * with all N jobs out and none ending (pure polling); then the bench releases the jobs and they end over 100 s
 * (polling and recording). Samples mreorg's own CPU time and resident memory every second from /proc (not its
 * children: sbatch and squeue are the fake cluster's cost), and counts the squeue calls and the ids each asked.
 *
 * Usage: npm run build && node bench/slurm-scale.mjs [N ...]     (default: 1000 10000; ~10 min for both)
 * Prints a Markdown table for BENCHMARKS.md.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const cli = path.join(here, '..', 'bin', 'mreorg.js');
const TICK = 100; // clock ticks per second in /proc/PID/stat
const STEADY_S = Number(process.env.STEADY_S || 90);

function makeProject(n) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `mreorg-slurm-scale-${n}-`));
  fs.writeFileSync(path.join(dir, 'mreorg.config.mjs'), "export default { runconfigs: { cluster: { timeout: 3600, executor: { kind: 'slurm', mem: '1G' } } } };\n");
  for (let i = 0; i < n; i++) {
    const sub = path.join(dir, `p${String(Math.floor(i / 100)).padStart(3, '0')}`);
    if (i % 100 === 0) fs.mkdirSync(sub);
    fs.writeFileSync(path.join(sub, `s${String(i).padStart(5, '0')}.py`), `print(${i})\n`);
  }
  const fake = path.join(dir, '.fake-slurm');
  fs.mkdirSync(fake);
  fs.writeFileSync(path.join(fake, 'jobs.log'), '');
  fs.writeFileSync(path.join(fake, 'calls.log'), '');
  fs.writeFileSync(path.join(fake, 'counter'), '0\n');
  return { dir, fake };
}

function sample(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuS = (Number(f[11]) + Number(f[12])) / TICK; // utime + stime of mreorg itself
    const rssMb = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
    return { cpuS, rssMb };
  } catch {
    return null;
  }
}

const lines = (file) => fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);

async function bench(n) {
  const { dir, fake } = makeProject(n);
  const env = { ...process.env, PATH: `${path.join(here, 'fake-slurm')}:${process.env.PATH}`, FAKE_SLURM_DIR: fake, NO_COLOR: '1' };
  const t0 = Date.now();
  const child = spawn(process.execPath, [cli, 'build', '-j', String(n), '--no-report'], { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const samples = [];
  let releasedAt = null;
  const timer = setInterval(() => {
    const s = sample(child.pid);
    if (!s) return;
    samples.push({ t: (Date.now() - t0) / 1000, submitted: lines(path.join(fake, 'jobs.log')).length, ...s });
    const allIn = samples.find((x) => x.submitted >= n);
    if (allIn && releasedAt === null && samples.at(-1).t - allIn.t >= STEADY_S) {
      releasedAt = samples.at(-1).t;
      fs.writeFileSync(path.join(fake, 'release'), String(Date.now()));
    }
  }, 1000);
  const code = await new Promise((r) => child.on('close', r));
  clearInterval(timer);
  const wallS = (Date.now() - t0) / 1000;
  const calls = lines(path.join(fake, 'calls.log')).map((l) => l.split(' ').map(Number)).filter(([, ids]) => ids > 1);
  const allIn = samples.find((s) => s.submitted >= n) ?? samples.at(-1);
  const released = samples.find((s) => s.t >= releasedAt) ?? samples.at(-1);
  const last = samples.at(-1);
  const within = (a, b) => calls.filter(([t]) => (t - t0) / 1000 >= a && (t - t0) / 1000 < b);
  // Steady: every job out, none ending; mreorg's CPU per squeue round is then the polling alone.
  const steady = within(allIn.t + 10, released.t);
  const gaps = steady.slice(1).map(([t], i) => (t - steady[i][0]) / 1000);
  const steadySamples = samples.filter((s) => s.t >= allIn.t + 10 && s.t <= released.t);
  const row = {
    n,
    code,
    wallS,
    submitS: allIn.t,
    calls: calls.length,
    maxIds: Math.max(...calls.map(([, ids]) => ids)),
    steadyRounds: steady.length,
    meanGapS: gaps.length ? gaps.reduce((a, b) => a + b, 0) / gaps.length : NaN,
    cpuPerRoundMs: steady.length ? ((steadySamples.at(-1).cpuS - steadySamples[0].cpuS) * 1000) / steady.length : NaN,
    steadyCpuPct: (100 * (steadySamples.at(-1).cpuS - steadySamples[0].cpuS)) / (steadySamples.at(-1).t - steadySamples[0].t),
    drainS: last.t - released.t,
    drainCpuS: last.cpuS - released.cpuS,
    submitCpuS: allIn.cpuS,
    rssSteadyMb: Math.max(...steadySamples.map((s) => s.rssMb)),
    rssMaxMb: Math.max(...samples.map((s) => s.rssMb)),
    totalCpuS: last.cpuS,
  };
  if (code !== 1 && code !== 0) process.stderr.write(`build of ${n} exited ${code}:\n${stderr.slice(-2000)}\n`);
  const ledger = JSON.parse(fs.readFileSync(path.join(dir, '.mreorg', 'ledger.json'), 'utf8'));
  row.recorded = Object.keys(ledger.latest).length;
  fs.rmSync(dir, { recursive: true, force: true });
  return row;
}

const ns = process.argv.slice(2).map(Number);
const rows = [];
for (const n of ns.length ? ns : [1000, 10000]) {
  process.stderr.write(`N=${n}...\n`);
  rows.push(await bench(n));
  process.stderr.write(JSON.stringify(rows.at(-1)) + '\n');
}
const f = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '—');
const k = (x) => x.toLocaleString('en');
console.log(`| jobs out at once | submitting (mreorg CPU) | steady ${STEADY_S} s: rounds, mean gap | mreorg CPU per round (share of a core) | RSS steady / peak | release to done (mreorg CPU) | squeue calls (most ids in one) | recorded, exit |`);
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${k(r.n)} | ${f(r.submitS, 0)} s (${f(r.submitCpuS)} s) | ${r.steadyRounds}, ${f(r.meanGapS)} s | ${f(r.cpuPerRoundMs, 0)} ms (${f(r.steadyCpuPct)} %) | ${f(r.rssSteadyMb, 0)} / ${f(r.rssMaxMb, 0)} MB | ${f(r.drainS, 0)} s (${f(r.drainCpuS)} s) | ${r.calls} (${k(r.maxIds)}) | ${k(r.recorded)}, ${r.code} |`);
}
