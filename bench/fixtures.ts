/**
 * Plain-data fixtures shared by the benchmarks: runs and latest entries in the shapes src/run/script.ts and
 * the fingerprint stage produce (src/model/), for a generated script that writes its stamp file.
 */
import { latestEntryOf } from '../src/fingerprint/fingerprint.js';
import type { LatestEntry } from '../src/model/entry.js';
import type { Run, RunFigure } from '../src/model/run.js';

const STDOUT = 'loading parameters\nsimulating 1000 ms\nfit: tau = 12.3 ms (r2 = 0.98)\nsaved 2 figures\n';

/**
 * Run k of script `rel`: success, the stamp as its one write. With figures it is a plotting script (a few lines
 * of stdout, numpy and matplotlib imported); without, the generated stamp script (no output, no packages).
 */
export function makeRun(rel: string, hash: string, k: number, startedAt: Date, version: string, executable: string, figures: RunFigure[]): Run {
  const id = `${startedAt.toISOString().replace(/[-:]/g, '').replace('.', '')}-${k.toString(36).padStart(6, '0')}`;
  const stamp = rel.replace(/\.py$/, '.stamp');
  const plots = figures.length > 0;
  const stdout = plots ? STDOUT : '';
  return {
    id,
    path: rel,
    runconfig: 'default',
    startedAt: startedAt.toISOString(),
    durationMs: 40 + (k % 17),
    exitCode: 0,
    signal: null,
    result: 'success',
    hash,
    env: {},
    argv: [],
    python: { executable, version },
    stdout: { text: stdout, totalBytes: stdout.length, droppedBytes: 0, logFile: null },
    stderr: { text: '', totalBytes: 0, droppedBytes: 0, logFile: null },
    error: null,
    figures,
    deps: { modules: [], reads: [], writes: [stamp], missing: [], packages: plots ? { matplotlib: '3.6.3', numpy: '1.24.2' } : {} },
    source: 'manifest',
  };
}

/** The ledger's latest entry for a run, as the build records it (no module/data deps). */
export function latestOf(run: Run): LatestEntry {
  return latestEntryOf(run, { hash: run.hash, env: {}, argv: [], python: run.python.version, modules: {}, data: {}, packages: run.deps!.packages });
}
