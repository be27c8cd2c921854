/**
 * The shape of `mreorg.config.ts`. Every key is optional; `resolve.ts` fills the defaults. Objects are strict so a
 * misspelt key (`runconfig` for `runconfigs`) is an error that names it, not a silently ignored setting.
 */
import { z } from 'zod';

const envValue = z.string().nullable();

/** Where a runconfig's scripts run: here (the default), or as jobs of a SLURM cluster. */
export const executorSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('local') }),
  z.strictObject({
    kind: z.literal('slurm'),
    partition: z.string().min(1).optional(),
    cpus: z.number().int().positive().optional(),
    /** As sbatch's --mem: `8G`, `500M`. */
    mem: z.string().regex(/^\d+[KMGT]?$/, 'a size as sbatch takes it, e.g. "8G" or "500M"').optional(),
    account: z.string().min(1).optional(),
    /** More sbatch options, e.g. ['--qos=normal']. */
    extra: z.array(z.string().min(1)).optional(),
  }),
]);

export const runconfigSchema = z.strictObject({
  /** Seconds; null = no limit. */
  // Node timers overflow past 2^31 ms: a longer limit would fire at once. null means no limit.
  timeout: z.number().positive().max(2_147_483, 'at most 2147483 seconds (about 24 days); use null for no limit').nullable().optional(),
  /** null = unset that variable for the run. */
  env: z.record(z.string().min(1), envValue).optional(),
  argv: z.array(z.string()).optional(),
  executor: executorSchema.optional(),
  /** The warm executor for this runconfig: false turns it off; an object turns it on and adjusts the preload set. */
  warm: z.union([z.boolean(), z.strictObject({ preload: z.array(z.string().min(1)).optional(), exclude: z.array(z.string().min(1)).optional() })]).optional(),
});

/** Per-script settings (`scripts:` globs in the config; the same keys as a `# mreorg:` header). */
export const scriptSettingsSchema = z.strictObject({
  timeout: runconfigSchema.shape.timeout,
  env: runconfigSchema.shape.env,
  argv: runconfigSchema.shape.argv,
  expect: z.enum(['fail', 'timeout']).optional(),
  /** Cluster resources of this script (SLURM runs only). */
  cpus: z.number().int().positive().optional(),
  mem: z.string().regex(/^\d+[KMGT]?$/, 'a size as sbatch takes it, e.g. "8G" or "500M"').optional(),
  partition: z.string().min(1).optional(),
  /** false: this script always runs cold. */
  warm: z.boolean().optional(),
});

export const monitorSchema = z.strictObject({
  dir: z.string().min(1),
  recurse: z.boolean().optional(),
  autoTrack: z.boolean().optional(),
  shouldExist: z.boolean().optional(),
  group: z.string().min(1).optional(),
  followSymlinks: z.boolean().optional(),
});

const rerunOnSchema = z.strictObject({
  script: z.boolean().optional(),
  modules: z.boolean().optional(),
  data: z.boolean().optional(),
  upstream: z.boolean().optional(),
  env: z.boolean().optional(),
  argv: z.boolean().optional(),
  python: z.boolean().optional(),
  packages: z.boolean().optional(),
});

const figureFormat = z.enum(['png', 'svg', 'pdf', 'eps']);

export const configSchema = z.strictObject({
  python: z.string().min(1).optional(),
  jobs: z.number().int().positive().optional(),
  monitor: z.array(monitorSchema).optional(),
  exclude: z.array(z.string().min(1)).optional(),
  groups: z.record(z.string().min(1), z.array(z.string().min(1))).optional(),
  runconfigs: z.record(z.string().min(1), runconfigSchema).optional(),
  defaultRunconfig: z.string().min(1).optional(),
  figures: z
    .strictObject({
      formats: z.array(figureFormat).min(1).optional(),
      /** Share of pixels (0..1) that may differ in a figure still called unchanged. */
      tolerance: z.number().min(0).max(1).optional(),
    })
    .optional(),
  report: z
    .strictObject({
      dir: z.string().min(1).optional(),
      figureFormats: z.array(figureFormat).min(1).optional(),
      title: z.string().optional(),
      editorUrl: z.string().nullable().optional(),
    })
    .optional(),
  ledger: z.string().min(1).optional(),
  history: z.number().int().positive().optional(),
  output: z.strictObject({ maxBytes: z.number().int().positive().optional(), numberTolerance: z.number().min(0).optional() }).optional(),
  /** Folder of accepted baselines (default: `baselines/` in the ledger folder); a project folder can be committed. */
  baselines: z.string().min(1).optional(),
  /** A build fails (exit 1) when a result differs from its baseline, as with --fail-on-change. */
  failOnChange: z.boolean().optional(),
  inputs: z.record(z.string().min(1), z.array(z.string().min(1))).optional(),
  rerunOn: rerunOnSchema.optional(),
  scripts: z.record(z.string().min(1), scriptSettingsSchema).optional(),
  /** Run every script under coverage.py (`mreorg build --coverage` for one build); see README "Coverage". */
  coverage: z
    .strictObject({
      enabled: z.boolean().optional(),
      /** Globs (project-relative) of the library files to measure; default: every module of the project's folders. */
      include: z.array(z.string().min(1)).min(1).optional(),
      /** A coverage.py config file (project-relative): its exclusions and other [run] settings apply. */
      rcfile: z.string().min(1).optional(),
    })
    .optional(),
});

/** What a user writes. */
export type UserConfig = z.input<typeof configSchema>;
