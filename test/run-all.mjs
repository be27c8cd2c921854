#!/usr/bin/env node
// Runs every test suite (uvu: unit, end-to-end, browser; Python's unittest: the shim) and ends with one line
// "N passed, N failed" that CI reads. Exit code 1 when anything failed or a suite could not run.
//
// Two test files run at a time (MREORG_TEST_JOBS changes it): most of their time is python and Chromium starting,
// which overlaps well on two cores. Files whose subject is timing or the machine itself (signals, locks and
// heartbeats, the SLURM cluster, warm interpreters, the server and its workers) run afterwards, one at a time.
// The end-to-end suites of running scripts, and the shim's suite, run twice: cold, then under warm interpreters.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const python = process.env.MREORG_PYTHON || '/usr/bin/python3';
const only = process.argv[2]; // optional uvu pattern, e.g. "e2e/build"
const jobs = Math.max(1, Number(process.env.MREORG_TEST_JOBS) || 2);
const ALONE = /interrupt|locks|slurm|warm|serve|queue/;
let passed = 0;
let failed = 0;
const strip = (s) => s.replace(/\x1b\[[0-9;]*m/g, '');

function runSync(label, cmd, args, env = {}) {
  process.stdout.write(`\n=== ${label}: ${cmd} ${args.join(' ')}\n`);
  const r = spawnSync(cmd, args, { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: 60 * 60 * 1000 });
  process.stdout.write(r.stdout ?? '');
  process.stdout.write(r.stderr ?? '');
  return { code: r.status, out: strip(`${r.stdout ?? ''}\n${r.stderr ?? ''}`) };
}

/** Like runSync, but in the background; its output is printed in one piece when it ends. */
function runAsync(label, cmd, args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60 * 60 * 1000);
    child.on('close', (code) => {
      clearTimeout(timer);
      process.stdout.write(`\n=== ${label}: ${cmd} ${args.join(' ')}\n${out}`);
      resolve({ code, out: strip(out) });
    });
  });
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
const slurm = { started: false, env: null };
function startSlurm() {
  const state = process.env.MREORG_SLURM_STATE || '/tmp/mreorg-slurm';
  const marker = path.join(state, 'started');
  const already = fs.existsSync(marker) && fs.statSync(marker).size > 0;
  const r = runSync('start a one-node SLURM cluster', 'bash', ['test/slurm/start.sh']);
  const conf = /^SLURM_CONF=(.*)$/m.exec(r.out)?.[1];
  if (r.code !== 0 || !conf) return { MREORG_SLURM_ERROR: `test/slurm/start.sh failed (exit ${r.code}): ${r.out.trim().split('\n').slice(-3).join(' ')}` };
  slurm.started = !already;
  return { SLURM_CONF: conf };
}

function tally(f, r) {
  const total = Number(/Total:\s+(\d+)/.exec(r.out)?.[1] ?? NaN);
  const ok = Number(/Passed:\s+(\d+)/.exec(r.out)?.[1] ?? NaN);
  const skipped = Number(/Skipped:\s+(\d+)/.exec(r.out)?.[1] ?? 0);
  if (Number.isNaN(total) || Number.isNaN(ok)) {
    failed += 1;
    process.stdout.write(`!!! ${f}: the test file did not finish (exit ${r.code})\n`);
    return;
  }
  passed += ok;
  failed += total - ok - skipped;
  if (r.code !== 0 && total === ok + skipped) failed += 1;
}

const uvu = (f) => ['--import', 'tsx', 'node_modules/uvu/bin.js', 'test', f.replace(/[.]/g, '\\.') + '$'];
const selected = files.filter((x) => !only || x.includes(only));
// The end-to-end suites of running scripts again with every build forked from warm interpreters (MREORG_WARM=1):
// a script must not be able to tell the warm executor from the local one.
const WARM_AGAIN = /^e2e\/(build|figures|deps|verdict|compare|collections|misbehave|escape|interrupt)\.test\.ts$/;
const together = [...selected.filter((f) => !ALONE.test(f)).map((f) => [f, {}]), ...selected.filter((f) => WARM_AGAIN.test(f) && !ALONE.test(f)).map((f) => [f, { MREORG_WARM: '1' }])];
const alone = [...selected.filter((f) => ALONE.test(f)).map((f) => [f, {}]), ...selected.filter((f) => WARM_AGAIN.test(f) && ALONE.test(f)).map((f) => [f, { MREORG_WARM: '1' }])];
const label = (f, env) => `uvu ${f}${env.MREORG_WARM ? ' (warm)' : ''}`;

let next = 0;
await Promise.all(
  Array.from({ length: jobs }, async () => {
    while (next < together.length) {
      const [f, env] = together[next++];
      tally(f, await runAsync(label(f, env), process.execPath, uvu(f), env));
    }
  }),
);
for (const [f, warm] of alone) {
  let env = warm;
  if (f.includes('slurm') && fs.existsSync(path.join(root, 'test/slurm/start.sh'))) env = slurm.env ??= startSlurm();
  tally(f, runSync(label(f, env), process.execPath, uvu(f), env));
}
if (slurm.started) runSync('stop the SLURM cluster', 'bash', ['test/slurm/stop.sh']);

// The shim's suite twice: scripts started cold (as the local executor does), then forked warm (the warm executor).
for (const warm of ['', '1']) if (!only || only === 'shim' || (warm && only === 'shim-warm')) {
  const r = runSync(`python unittest (shim${warm ? ', warm' : ''})`, python, ['-m', 'unittest', 'discover', '-s', 'shim/tests', '-t', 'shim'], { MREORG_PYTHON: python, MREORG_SHIM_TEST_WARM: warm });
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
