/**
 * Which executor a build runs its scripts with, in one place:
 * - SLURM jobs when its runconfig says so (`executor: { kind: 'slurm' }`) or `--executor slurm` does, unless
 *   `--executor local`; with as many jobs kept submitted as -j says (default 100);
 * - else the warm one when the build asks for it (`--warm`) or its runconfig does (`warm: true` or `warm: {...}`),
 *   unless `--no-warm` or the runconfig's `warm: false`; its preload set is learned from the ledger (run/preload.ts);
 * - else the local one (a fresh python per script).
 */
import type { Runconfig } from '../config/types.js';
import type { Executor } from '../run/executor.js';
import { LocalExecutor, type LocalExecutorOptions } from '../run/local.js';
import { FORK_UNSAFE, moduleOf, preloadSet } from '../run/preload.js';
import { SlurmExecutor } from '../run/slurm.js';
import { readWarmState, WarmExecutor } from '../run/warm.js';
import type { Project } from '../project/project.js';

/** Jobs kept submitted at once on a cluster unless -j says otherwise: SLURM decides when they run. */
export const SLURM_DEFAULT_JOBS = 100;

export function slurmExecutorFor(
  project: Project,
  runconfig: string,
  local: LocalExecutorOptions,
  opts: { executor?: 'local' | 'slurm' | undefined; jobs?: number | undefined },
  onWarning: (message: string) => void,
): { executor: Executor; jobs: number } | null {
  const configured = project.config.runconfigs[runconfig]?.executor ?? { kind: 'local' as const };
  if ((opts.executor ?? configured.kind) !== 'slurm') return null;
  const { claims } = project;
  const executor = new SlurmExecutor({
    ...local,
    slurm: configured.kind === 'slurm' ? configured : { kind: 'slurm' },
    notes: {
      note: (p, job) => claims.noteJob(p, runconfig, job),
      orphan: (p) => claims.takeOrphan(p, runconfig),
    },
    onWarning,
  });
  // -j on the command line; the config's `jobs` is about this machine's CPUs.
  return { executor, jobs: opts.jobs ?? SLURM_DEFAULT_JOBS };
}

export function warmOn(rc: Runconfig, warmFlag: boolean | undefined): boolean {
  // MREORG_WARM=1: warm unless told otherwise (how the test suites run again under the warm executor).
  return rc.warm !== false && (warmFlag ?? (rc.warm !== undefined || process.env.MREORG_WARM === '1'));
}

export function executorFor(project: Project, runconfig: string, warmFlag: boolean | undefined, opts: LocalExecutorOptions): Executor & { close?: () => void } {
  const rc = project.config.runconfigs[runconfig]!;
  if (!warmOn(rc, warmFlag)) return new LocalExecutor(opts);
  return new WarmExecutor({ ...opts, preload: warmPreload(project, runconfig).map((p) => p.module) });
}

/** One module of the preload set, or one left out of it, and why. */
export interface PreloadItem {
  module: string;
  why: string;
}

/** The preload set in import order (what the latest runs under this runconfig imported, adjusted by the config). */
export function warmPreload(project: Project, runconfig: string): PreloadItem[] {
  return explainPreload(project, runconfig).preload;
}

/** The preload set with a reason per module, and the learned modules left out with theirs (`mreorg status --warm`). */
export function explainPreload(project: Project, runconfig: string): { preload: PreloadItem[]; left: PreloadItem[] } {
  const rc = project.config.runconfigs[runconfig]!;
  const settings = typeof rc.warm === 'object' ? rc.warm : {};
  const users = new Map<string, number>(); // distribution -> scripts whose latest run imported it
  for (const [, e] of project.ledger.allLatest(runconfig)) for (const d of Object.keys(e.fingerprint.packages)) users.set(d, (users.get(d) ?? 0) + 1);
  const dropped = readWarmState(project.ledger.dir).dropped;
  const s = { preload: settings.preload ?? [], exclude: settings.exclude ?? [] };
  const chosen = preloadSet(users.keys(), s, Object.keys(dropped));
  const byModule = new Map([...users].map(([d, n]) => [moduleOf(d), n]));
  const top = (m: string): string => m.split('.')[0]!;
  const preload = chosen.map((module) => ({
    module,
    why: s.preload.includes(module) ? 'warm.preload in the runconfig' : `imported by the latest runs of ${byModule.get(top(module)) ?? 0} script(s)`,
  }));
  const left = [...byModule.keys(), ...s.preload]
    .filter((m) => !chosen.includes(m) && !(m === 'matplotlib' && chosen.includes('matplotlib.pyplot')))
    .map((module) => ({
      module,
      why: dropped[module] ? `dropped after a warm failure (${dropped[module]})` : s.exclude.includes(top(module)) || s.exclude.includes(module) ? 'warm.exclude in the runconfig' : FORK_UNSAFE.has(top(module)) ? 'not safe across a fork' : 'left out',
    }));
  return { preload, left };
}
