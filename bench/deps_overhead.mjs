#!/usr/bin/env node
/**
 * Overhead of the shim's dependency recording (audit hook, manifest) on a script that does real work:
 * `main.py` imports 50 local modules (lib/m00..m49), opens and reads 200 data files, and computes for about
 * 0.5 s (calibrated on this machine when the fixture is made). It is timed with hyperfine run plainly
 * (`python main.py`), through the launcher without recording, and as mreorg runs it (`python
 * shim/mreorg/_launch.py main.py` with MREORG_MANIFEST, MREORG_PROJECT_ROOT, MREORG_SAVEALL, MREORG_NOSHOW and
 * MPLBACKEND=Agg set). Target: under 5 % of the plain run.
 * The manifest of one run is checked: it must list the 50 modules and 200 files, or the recording did not run.
 *
 * Usage: node bench/deps_overhead.mjs [--python /usr/bin/python3] [--runs 10] [--work DIR] [--json OUT]
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const HERE = path.dirname(new URL(import.meta.url).pathname);
const LAUNCHER = path.resolve(HERE, '..', 'shim', 'mreorg', '_launch.py');
const MODULES = 50;
const FILES = 200;
const TARGET_S = 0.5;

function parseArgs(argv) {
  const o = { python: '/usr/bin/python3', runs: 10, work: path.join(HERE, 'work', 'deps'), json: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => argv[++i];
    if (a === '--python') o.python = v();
    else if (a === '--runs') o.runs = Number(v());
    else if (a === '--work') o.work = path.resolve(v());
    else if (a === '--json') o.json = v();
    else throw new Error(`deps_overhead: unknown argument ${a}`);
  }
  return o;
}

/** Iterations of the work loop that take about TARGET_S seconds here (best of 3 timings of 2e6). */
function calibrate(python) {
  const code = `
import time
def work(n):
    acc = 0
    for i in range(n):
        acc = (acc + i * i) % 1000003
    return acc
best = 1e9
for _ in range(3):
    t = time.perf_counter(); work(2_000_000); best = min(best, time.perf_counter() - t)
print(best)`;
  const seconds = Number(execFileSync(python, ['-c', code], { encoding: 'utf8' }).trim());
  return Math.round((2_000_000 * TARGET_S) / seconds);
}

function makeFixture(work, iterations) {
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(path.join(work, 'lib'), { recursive: true });
  fs.mkdirSync(path.join(work, 'data'), { recursive: true });
  fs.writeFileSync(path.join(work, 'lib', '__init__.py'), '');
  for (let m = 0; m < MODULES; m++) {
    const name = `m${String(m).padStart(2, '0')}`;
    fs.writeFileSync(
      path.join(work, 'lib', `${name}.py`),
      `"""Local module ${m}."""\nimport math\n\nSCALE = ${m + 1}\n\n\ndef f(x):\n    return math.sqrt(x * SCALE + 1)\n`,
    );
  }
  for (let f = 0; f < FILES; f++) {
    const rows = Array.from({ length: 20 }, (_, r) => `${r},${(r * (f + 1)) % 97},${((r + f) * 7) % 13}`).join('\n');
    fs.writeFileSync(path.join(work, 'data', `f${String(f).padStart(3, '0')}.csv`), `t,v,w\n${rows}\n`);
  }
  const imports = Array.from({ length: MODULES }, (_, m) => `from lib import m${String(m).padStart(2, '0')}`).join('\n');
  fs.writeFileSync(
    path.join(work, 'main.py'),
    `"""Imports ${MODULES} local modules, reads ${FILES} data files, computes for about ${TARGET_S} s."""
import os
${imports}
from lib import __init__ as _pkg  # noqa: F401

MODS = [${Array.from({ length: MODULES }, (_, m) => `m${String(m).padStart(2, '0')}`).join(', ')}]
HERE = os.path.dirname(os.path.abspath(__file__))

total = 0.0
for k in range(${FILES}):
    with open(os.path.join(HERE, 'data', f'f{k:03d}.csv')) as fh:
        next(fh)
        for line in fh:
            t, v, w = line.split(',')
            total += MODS[k % len(MODS)].f(float(v) + float(w))



def work(n):
    acc = 0
    for i in range(n):
        acc = (acc + i * i) % 1000003
    return acc


print(round(total, 3), work(${iterations}))
`,
  );
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const o = parseArgs(process.argv.slice(2));
const iterations = calibrate(o.python);
makeFixture(o.work, iterations);
const manifest = path.join(o.work, '.manifest.json');
const env = {
  ...process.env,
  MREORG_MANIFEST: manifest,
  MREORG_PROJECT_ROOT: o.work,
  MREORG_SAVEALL: '',
  MREORG_NOSHOW: '',
  MPLBACKEND: 'Agg',
};
// One checked run first: the recording must see every module and file, or the comparison means nothing.
fs.rmSync(manifest, { force: true });
execFileSync(o.python, [LAUNCHER, 'main.py'], { cwd: o.work, env, stdio: ['ignore', 'ignore', 'inherit'] });
let modules = null;
let reads = null;
let manifestOk = false;
try {
  const m = JSON.parse(fs.readFileSync(manifest, 'utf8'));
  modules = (m.modules ?? []).filter((p) => p.includes(`${path.sep}lib${path.sep}m`)).length;
  reads = (m.reads ?? []).filter((p) => p.endsWith('.csv')).length;
  manifestOk = modules === MODULES && reads === FILES;
} catch (e) {
  process.stderr.write(`deps_overhead: no readable manifest after a shim run (${e}); timing anyway\n`);
}

// Three ways to run it: plain; through the launcher without recording (no MREORG_MANIFEST: the shim's fixed cost);
// through the launcher as mreorg runs it. Two hyperfine passes in opposite orders, pooled, so drift in the
// machine's load does not favour whichever runs first. CPython's speed on a tight loop also moves by several
// per cent with memory layout (how many modules were imported before), so compare against both baselines.
const { MREORG_MANIFEST: _m, MREORG_PROJECT_ROOT: _r, ...envOff } = env;
const variants = [
  { name: 'plain', cmd: `${o.python} main.py`, env },
  { name: 'launcher', cmd: `${o.python} ${LAUNCHER} main.py`, env: envOff },
  { name: 'recording', cmd: `${o.python} ${LAUNCHER} main.py`, env },
];
const times = Object.fromEntries(variants.map((v) => [v.name, []]));
const runs = Math.max(1, Math.ceil(o.runs / 2));
for (const order of [variants, [...variants].reverse()]) {
  for (const v of order) {
    const out = path.join(o.work, `hyperfine-${v.name}.json`);
    execFileSync('hyperfine', ['-N', '--warmup', '1', '--runs', String(runs), '--export-json', out, '-n', v.name, v.cmd], {
      cwd: o.work,
      env: v.env,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    times[v.name].push(...JSON.parse(fs.readFileSync(out, 'utf8')).results[0].times);
  }
}
const ms = (name) => Math.round(median(times[name]) * 10000) / 10;
const minMs = (name) => Math.round(Math.min(...times[name]) * 10000) / 10;
const plain = ms('plain');
const shim = ms('recording');
const launcher = ms('launcher');
const result = {
  modules: MODULES,
  files: FILES,
  iterations,
  runs: times.plain.length,
  plainMs: plain,
  launcherMs: launcher,
  shimMs: shim,
  minMs: { plain: minMs('plain'), launcher: minMs('launcher'), recording: minMs('recording') },
  overheadMs: Math.round((shim - plain) * 10) / 10,
  overheadPct: Math.round(((shim - plain) / plain) * 1000) / 10,
  recordingMs: Math.round((shim - launcher) * 10) / 10,
  recordingPct: Math.round(((shim - launcher) / launcher) * 1000) / 10,
  manifest: { ok: manifestOk, modules, reads },
  load: fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
};
process.stdout.write(
  `deps overhead: plain ${plain} ms, launcher without recording ${launcher} ms, with recording ${shim} ms: ` +
    `${result.overheadMs} ms (${result.overheadPct} %) over plain, ${result.recordingMs} ms (${result.recordingPct} %) over the launcher alone; ` +
    `manifest lists ${modules}/${MODULES} modules, ${reads}/${FILES} files\n`,
);
if (o.json) fs.writeFileSync(o.json, JSON.stringify(result, null, 2));
