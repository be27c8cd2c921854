/**
 * Running a script under coverage.py: what the launcher is told (environment variables read by
 * `shim/mreorg/_coverage.py`), and the check that the interpreter has coverage at all. Only the command line's
 * environment changes, so every executor that starts scripts through processSpec measures them the same way.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { CoverageConfig } from '../config/types.js';
import { partFile, partsDir } from '../coverage/parts.js';
import { UserError } from '../util/errors.js';
import { shimDir } from '../util/paths.js';

/** What a build measures; null when coverage is off. */
export interface RunCoverage {
  /** Folder of the runconfig's parts (see coverage/parts.ts). */
  dir: string;
  /** Absolute file patterns coverage.py measures. */
  include: string[];
  omit: string[];
  rcfile: string | null;
}

/** Folders no library file lies in: installed packages, environments, mreorg's own output. */
const NEVER = ['site-packages', 'dist-packages', 'node_modules', '.venv', 'venv', '__pycache__', '_output'];

export function runCoverage(o: { root: string; areas: string[]; ledgerDir: string; reportDir: string; runconfig: string; coverage: CoverageConfig }): RunCoverage {
  const include = o.coverage.include
    ? o.coverage.include.map((g) => path.resolve(o.root, g))
    : o.areas.map((a) => path.join(a, '*'));
  const omit = [...NEVER.map((n) => `*${path.sep}${n}${path.sep}*`), path.join(o.ledgerDir, '*'), path.join(o.reportDir, '*'), path.join(shimDir, '*')];
  return { dir: partsDir(o.ledgerDir, o.runconfig), include, omit, rcfile: o.coverage.rcfile };
}

/** The launcher's coverage variables for one run of `script` (project-relative). */
export function coverageEnv(c: RunCoverage, script: string, runId: string): Record<string, string> {
  return {
    MREORG_COVERAGE: partFile(c.dir, script),
    MREORG_COVERAGE_INCLUDE: c.include.join(path.delimiter),
    MREORG_COVERAGE_OMIT: c.omit.join(path.delimiter),
    MREORG_COVERAGE_RCFILE: c.rcfile ?? '',
    MREORG_COVERAGE_RUN: runId,
  };
}

/**
 * Stops a build with coverage on before anything runs when the interpreter cannot import coverage, or the
 * configured rcfile is missing.
 */
export async function requireCoverage(python: string, origin: string, rcfile: string | null = null): Promise<string> {
  if (rcfile !== null && !fs.existsSync(rcfile)) {
    throw new UserError(`Config key "coverage.rcfile" names ${rcfile}, which does not exist. Point it at a coverage.py config file (such as .coveragerc), or remove the key.`);
  }
  const found = await new Promise<string | null>((resolve) => {
    execFile(python, ['-c', 'import coverage; print(coverage.__version__)'], { timeout: 60_000 }, (err, stdout) => resolve(err ? null : stdout.trim()));
  });
  if (found !== null) return found;
  throw new UserError(
    `Coverage is on (config "coverage.enabled" or --coverage) but the interpreter ${python} (from ${origin}) cannot import coverage.py. ` +
      'Install it for that interpreter: on Debian or Ubuntu `apt-get install python3-coverage` (for /usr/bin/python3), ' +
      'in a virtual environment `pip install coverage`; or choose another interpreter with --python, or build without --coverage.',
  );
}

/**
 * A warning for the scripts a build with coverage on will not run and that have no coverage data (they last ran
 * before coverage was turned on), or null: without it an empty Coverage page would look like a broken feature.
 */
export function unmeasuredWarning(c: RunCoverage, notRunning: string[]): string | null {
  const missing = notRunning.filter((p) => !fs.existsSync(partFile(c.dir, p)));
  if (missing.length === 0) return null;
  const names = missing.slice(0, 5).join(', ') + (missing.length > 5 ? `, and ${missing.length - 5} more` : '');
  return `coverage: ${missing.length} up-to-date script${missing.length === 1 ? ' has' : 's have'} no coverage data yet (not run since coverage was turned on): ${names}. "mreorg build -B --coverage" measures them.`;
}
