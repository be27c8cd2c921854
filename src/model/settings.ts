/**
 * Per-script settings: from `scripts:` in the config (globs) or a `# mreorg:` header comment in the script itself.
 * They refine the runconfig for one script; the config wins over the header.
 */

/** How a script is expected to end: sphinx-gallery's expected_failing_examples, per script. */
export type Expectation = 'fail' | 'timeout';

export interface ScriptSettings {
  /** Seconds; null = no limit. */
  timeout?: number | null;
  /** Replaces the runconfig's argv. */
  argv?: string[];
  /** Merged over the runconfig's env (null unsets). */
  env?: Record<string, string | null>;
  expect?: Expectation;
  /** Cluster resources (SLURM runs only): CPUs, memory as sbatch's --mem ("8G"), partition. */
  cpus?: number;
  mem?: string;
  partition?: string;
  /** false: this script always runs cold (never forked from a warm interpreter). */
  warm?: boolean;
}
