/**
 * Whether a build runs its scripts as SLURM jobs: when its runconfig says so (`executor: { kind: 'slurm' }`) or
 * `--executor slurm` does, unless `--executor local`; and then how many jobs it keeps submitted at once. Otherwise
 * build-executor.ts picks the local or warm executor.
 */
import type { Project } from '../project/project.js';
import type { Executor } from '../run/executor.js';
import type { LocalExecutorOptions } from '../run/local.js';
import { SlurmExecutor } from '../run/slurm.js';

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
