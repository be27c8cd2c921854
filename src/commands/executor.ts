/**
 * Which executor a build runs its scripts with: the runconfig's (`executor:` in the config, default local), or the
 * one `--executor` names for this build; and how many scripts it keeps going at once.
 */
import type { Interpreter } from '../model/run.js';
import type { Project } from '../project/project.js';
import type { Executor } from '../run/executor.js';
import { LocalExecutor } from '../run/local.js';
import { SlurmExecutor } from '../run/slurm.js';

/** Jobs kept submitted at once on a cluster unless -j says otherwise: SLURM decides when they run. */
export const SLURM_DEFAULT_JOBS = 100;

export interface ExecutorChoice {
  executor: Executor;
  jobs: number;
  kind: 'local' | 'slurm';
}

export function executorFor(
  project: Project,
  runconfig: string,
  interpreter: Interpreter,
  opts: { executor?: 'local' | 'slurm' | undefined; jobs?: number | undefined },
  onWarning: (message: string) => void,
): ExecutorChoice {
  const { config, claims } = project;
  const configured = config.runconfigs[runconfig]?.executor ?? { kind: 'local' as const };
  const kind = opts.executor ?? configured.kind;
  const common = {
    root: config.root,
    areas: config.areas,
    python: config.python,
    interpreter,
    figureFormats: config.figureFormats,
    workDir: project.ledger.dir,
    maxBytes: config.outputMaxBytes,
  };
  if (kind === 'local') return { kind, jobs: config.jobs, executor: new LocalExecutor({ ...common, jobs: config.jobs }) };
  const executor = new SlurmExecutor({
    ...common,
    slurm: configured.kind === 'slurm' ? configured : { kind: 'slurm' },
    notes: {
      note: (p, job) => claims.noteJob(p, runconfig, job),
      orphan: (p) => claims.takeOrphan(p, runconfig),
    },
    onWarning,
  });
  // -j on the command line; the config's `jobs` is about this machine's CPUs.
  return { kind, jobs: opts.jobs ?? SLURM_DEFAULT_JOBS, executor };
}
