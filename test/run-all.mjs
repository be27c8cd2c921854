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
for (const f of files.filter((x) => !only || x.includes(only))) {
  const r = run(`uvu ${f}`, process.execPath, ['--import', 'tsx', 'node_modules/uvu/bin.js', 'test', f.replace(/[.]/g, '\\.') + '$']);
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

// The shim's suite twice: scripts started cold (as the local executor does), then forked warm (the warm executor).
for (const warm of ['', '1']) if (!only || only === 'shim' || (warm && only === 'shim-warm')) {
  const r = run(`python unittest (shim${warm ? ', warm' : ''})`, python, ['-m', 'unittest', 'discover', '-s', 'shim/tests', '-t', 'shim'], { MREORG_PYTHON: python, MREORG_SHIM_TEST_WARM: warm });
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
