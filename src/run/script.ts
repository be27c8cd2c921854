/**
 * Runs one script under one runconfig and turns what happened into a Run record. The script is started through
 * the shim's launcher, so its figures are captured and a manifest written even if it never imports mreorg.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Runconfig } from '../config/types.js';
import type { Interpreter, Run, RunDeps, RunError, RunFigure, RunResult } from '../model/run.js';
import { isInside, shimDir, toRel } from '../util/paths.js';
import { coverageEnv, type RunCoverage } from './coverage.js';
import { readManifest, type Manifest } from './manifest.js';
import { runProcess, type ProcessOutcome, type ProcessSpec } from './process.js';
import { parseTraceback } from './traceback.js';

export interface ScriptRunSpec {
  root: string;
  /** The root and monitored folders outside it: what the run's modules and files are recorded under. */
  areas: string[];
  /** Project-relative path. */
  path: string;
  runconfig: Runconfig;
  python: string;
  interpreter: Interpreter;
  hash: string;
  figureFormats: string[];
  /** Folder for manifests and full logs (the ledger's folder). */
  workDir: string;
  maxBytes: number;
  jobs: number;
  signal?: AbortSignal;
  onOutput?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
  /** Measure the project's library with coverage.py (build --coverage). */
  coverage?: RunCoverage | null;
}

export const LAUNCHER = path.join(shimDir, 'mreorg', '_launch.py');

/** Sortable, unique run id: time first, then randomness. */
export function newRunId(now = new Date()): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace('.', '')}-${Math.random().toString(36).slice(2, 8)}`;
}

/** The environment a script runs in: ours, then the runconfig's (null unsets), then the batch switches. */
export function scriptEnv(base: NodeJS.ProcessEnv, rc: Runconfig, extra: Record<string, string>, jobs: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  // Parallel scripts each starting one BLAS thread per core would oversubscribe the machine; a user's own
  // setting (shell or runconfig) wins.
  if (jobs > 1) for (const k of ['OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS']) env[k] ??= '1';
  for (const [k, v] of Object.entries(rc.env)) {
    if (v === null) delete env[k];
    else env[k] = v;
  }
  return { ...env, ...extra, MREORG_SAVEALL: '', MREORG_NOSHOW: '', MPLBACKEND: 'Agg' };
}

/** `runner` starts and supervises the process: spawned (runProcess) or forked warm (warm.ts). */
export async function runScript(spec: ScriptRunSpec, runner: (p: ProcessSpec) => Promise<ProcessOutcome> = runProcess): Promise<Run> {
  const id = newRunId();
  const abs = path.join(spec.root, spec.path);
  const manifestFile = path.join(spec.workDir, 'tmp', `${id}.manifest.json`);
  try {
    fs.mkdirSync(path.dirname(manifestFile), { recursive: true });
  } catch {
    // No manifest then (full disk, read-only folder): the run still happens and falls back to stderr.
  }
  const startedAt = new Date().toISOString();
  const out = await runner(processSpec(spec, id, abs, manifestFile));
  const manifest = readManifest(manifestFile, spec.maxBytes);
  fs.rmSync(manifestFile, { force: true });
  return runOf(spec, { id, abs, startedAt, out, manifest });
}

/** The script's process: the launcher, the script by its bare name from its folder, the run's environment. */
export function processSpec(spec: ScriptRunSpec, id: string, abs: string, manifestFile: string): ProcessSpec {
  const env = scriptEnv(
    process.env,
    spec.runconfig,
    {
      MREORG_MANIFEST: manifestFile,
      MREORG_PROJECT_ROOT: spec.areas.join(path.delimiter),
      MREORG_FIGURE_FORMATS: spec.figureFormats.join(','),
      ...(spec.coverage ? coverageEnv(spec.coverage, spec.path, id) : {}),
    },
    spec.jobs,
  );
  return {
    command: spec.python,
    // As `python script.py` from the script's folder: sys.argv[0] is the bare name (the launcher resolves __file__).
    args: [LAUNCHER, path.basename(abs), ...spec.runconfig.argv],
    cwd: path.dirname(abs),
    env,
    timeoutMs: spec.runconfig.timeout === null ? null : spec.runconfig.timeout * 1000,
    token: id,
    maxBytes: spec.maxBytes,
    stdoutLog: path.join(spec.workDir, 'logs', `${id}.stdout.log`),
    stderrLog: path.join(spec.workDir, 'logs', `${id}.stderr.log`),
    ...(spec.signal ? { signal: spec.signal } : {}),
    ...(spec.onOutput ? { onOutput: spec.onOutput } : {}),
  };
}

/** The Run record of what happened, from the process outcome and (when it wrote one) the shim's manifest. */
export function runOf(spec: ScriptRunSpec, r: { id: string; abs: string; startedAt: string; out: ProcessOutcome; manifest: Manifest | null }): Run {
  const { out, manifest } = r;
  const rel = (p: string): string => toRel(spec.root, p);
  const stdout = out.stdout.result(rel);
  const stderr = out.stderr.result(rel);
  if (out.strays > 0) stderr.text += `\n[mreorg: stopped ${out.strays} process(es) the script left running]\n`;
  const result = resultOf(out);
  return {
    id: r.id,
    path: spec.path,
    runconfig: spec.runconfig.name,
    startedAt: r.startedAt,
    durationMs: Math.round(out.durationMs),
    exitCode: out.exitCode,
    signal: out.signal,
    result,
    hash: spec.hash,
    env: spec.runconfig.env,
    argv: spec.runconfig.argv,
    timeout: spec.runconfig.timeout,
    python: manifest?.python.executable ? { executable: manifest.python.executable, version: manifest.python.version } : spec.interpreter,
    stdout,
    stderr,
    error: errorOf(result, out, manifest, stderr.text, spec.runconfig.timeout, spec.maxBytes),
    figures: manifest ? figuresFromManifest(spec.root, manifest) : figuresFromDisk(spec.root, r.abs, Date.parse(r.startedAt)),
    deps: manifest ? depsOf(spec.root, spec.areas, r.abs, manifest) : null,
    source: manifest ? 'manifest' : 'stderr',
  };
}

function resultOf(out: ProcessOutcome): RunResult {
  if (out.interrupted) return 'interrupted';
  if (out.timedOut) return 'timeout';
  if (out.spawnError === null && out.exitCode === 0 && out.signal === null) return 'success';
  return 'failed';
}

function errorOf(result: RunResult, out: ProcessOutcome, m: Manifest | null, stderr: string, timeoutS: number | null, maxBytes: number): RunError | null {
  if (result === 'success') return null;
  const exc = m?.exception ?? (result === 'failed' ? parseTraceback(stderr, maxBytes) : null);
  if (result === 'timeout') {
    return { type: 'Timeout', message: `timed out after ${timeoutS} s; the script and its child processes were stopped`, traceback: exc?.traceback ?? '', frames: exc?.frames ?? [] };
  }
  if (result === 'interrupted') return { type: 'Interrupted', message: 'mreorg was interrupted while the script ran', traceback: '', frames: [] };
  if (exc) return exc;
  if (out.spawnError) return { type: 'SpawnError', message: out.spawnError, traceback: '', frames: [] };
  if (out.signal) return { type: 'Signal', message: `the script was killed by ${out.signal}`, traceback: '', frames: [] };
  return { type: 'ExitCode', message: `the script exited with code ${out.exitCode}`, traceback: '', frames: [] };
}

function figuresFromManifest(root: string, m: Manifest): RunFigure[] {
  return m.figures.map((f) => ({
    path: toRel(root, f.path),
    format: f.format,
    number: f.number ?? null,
    name: f.name,
    width: f.width ?? null,
    height: f.height ?? null,
  }));
}

/** No manifest (the script died hard): the figures it saved before dying are still on disk. */
function figuresFromDisk(root: string, abs: string, since: number): RunFigure[] {
  const base = path.join(path.dirname(abs), '_output', 'figures', path.basename(abs, '.py'));
  const out: RunFigure[] = [];
  let formats: string[] = [];
  try {
    formats = fs.readdirSync(base);
  } catch {
    return out;
  }
  for (const format of formats) {
    let files: string[] = [];
    try {
      files = fs.readdirSync(path.join(base, format)).sort();
    } catch {
      continue;
    }
    for (const f of files) {
      const p = path.join(base, format, f);
      try {
        if (fs.statSync(p).mtimeMs + 1000 < since) continue;
      } catch {
        continue;
      }
      out.push({ path: toRel(root, p), format, number: null, name: path.basename(f, `.${format}`), width: null, height: null });
    }
  }
  return out;
}

function depsOf(root: string, areas: string[], scriptAbs: string, m: Manifest): RunDeps {
  const ours = (p: string): boolean => p !== scriptAbs && areas.some((a) => isInside(a, p));
  const inside = (list: string[]): string[] => [...new Set(list.filter(ours).map((p) => toRel(root, p)))].sort();
  return {
    modules: inside(m.modules),
    reads: inside(m.reads),
    writes: inside(m.writes),
    missing: inside(m.missing),
    packages: m.packages,
    opened: Object.fromEntries(Object.entries(m.opened).filter(([p]) => ours(p)).map(([p, st]) => [toRel(root, p), st])),
  };
}
