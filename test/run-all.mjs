#!/usr/bin/env node
// Runs every test suite (uvu: unit, end-to-end, browser; Python's unittest: the shim) and ends with one line
// "N passed, N failed" that CI reads. Exit code 1 when anything failed or a suite could not run.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const python = process.env.MREORG_PYTHON || '/usr/bin/python3';
const only = process.argv[2]; // optional uvu pattern, e.g. "e2e/build"
let passed = 0;
let failed = 0;
const strip = (s) => s.replace(/\x1b\[[0-9;]*m/g, '');

function run(label, cmd, args, env = {}) {
  process.stdout.write(`\n=== ${label}: ${cmd} ${args.join(' ')}\n`);
  const r = spawnSync(cmd, args, { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: 60 * 60 * 1000 });
  process.stdout.write(r.stdout ?? '');
  process.stdout.write(r.stderr ?? '');
  return { code: r.status, out: strip(`${r.stdout ?? ''}\n${r.stderr ?? ''}`) };
}

// uvu: one process per file, so a crash or a hang in one file cannot take the others with it.
const files = [];
const walk = (d) => {
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.name.endsWith('.test.ts')) files.push(path.relative(path.join(root, 'test'), p));
  }
};
walk(path.join(root, 'test'));
files.sort();
// The SLURM tests run against a real one-node cluster, started here (and stopped after, if we started it).
const slurm = { started: false, env: {} };
function startSlurm() {
  const state = process.env.MREORG_SLURM_STATE || '/tmp/mreorg-slurm';
  const already = fs.existsSync(path.join(state, 'started')) && fs.statSync(path.join(state, 'started')).size > 0;
  const r = run('start a one-node SLURM cluster', 'bash', ['test/slurm/start.sh']);
  const conf = /^SLURM_CONF=(.*)$/m.exec(r.out)?.[1];
  if (r.code !== 0 || !conf) return { MREORG_SLURM_ERROR: `test/slurm/start.sh failed (exit ${r.code}): ${r.out.trim().split('\n').slice(-3).join(' ')}` };
  slurm.started = !already;
  return { SLURM_CONF: conf };
}
for (const f of files.filter((x) => !only || x.includes(only))) {
  if (f.includes('slurm') && !slurm.env.SLURM_CONF && !slurm.env.MREORG_SLURM_ERROR) slurm.env = startSlurm();
  const r = run(`uvu ${f}`, process.execPath, ['--import', 'tsx', 'node_modules/uvu/bin.js', 'test', f.replace(/[.]/g, '\\.') + '$'], f.includes('slurm') ? slurm.env : {});
  const total = Number(/Total:\s+(\d+)/.exec(r.out)?.[1] ?? NaN);
  const ok = Number(/Passed:\s+(\d+)/.exec(r.out)?.[1] ?? NaN);
  const skipped = Number(/Skipped:\s+(\d+)/.exec(r.out)?.[1] ?? 0);
  if (Number.isNaN(total) || Number.isNaN(ok)) {
    failed += 1;
    process.stdout.write(`!!! ${f}: the test file did not finish (exit ${r.code})\n`);
    continue;
  }
  passed += ok;
  failed += total - ok - skipped;
  if (r.code !== 0 && total === ok + skipped) failed += 1;
}

if (slurm.started) run('stop the SLURM cluster', 'bash', ['test/slurm/stop.sh']);

if (!only || only === 'shim') {
  const r = run('python unittest (shim)', python, ['-m', 'unittest', 'discover', '-s', 'shim/tests', '-t', 'shim'], { MREORG_PYTHON: python });
  const ran = Number(/Ran (\d+) tests?/.exec(r.out)?.[1] ?? NaN);
  if (Number.isNaN(ran)) failed += 1;
  else {
    const m = /FAILED \(([^)]*)\)/.exec(r.out);
    let bad = 0;
    if (m) for (const part of m[1].split(',')) if (/failures|errors/.test(part)) bad += Number(part.split('=')[1]);
    const skipped = Number(/skipped=(\d+)/.exec(r.out)?.[1] ?? 0);
    passed += ran - bad - skipped;
    failed += bad;
  }
}

process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
process.exitCode = failed > 0 ? 1 : 0;
