/** The resolved config: every default filled in, every path absolute. What the later stages read. */
import type { ScriptSettings } from '../model/settings.js';

export interface Runconfig {
  name: string;
  /** Seconds; null = no limit. */
  timeout: number | null;
  env: Record<string, string | null>;
  argv: string[];
  /**
   * The warm executor (run/warm.ts): false never (runconfig `warm: false`, a script's `warm=false`); true or an
   * object: on, the object adjusting the preload set; absent: as the build's --warm says.
   */
  warm?: boolean | { preload?: string[]; exclude?: string[] };
  /** Where its scripts run; absent = locally. */
  executor?: ExecutorConfig;
  /** One script's own cluster resources (its `cpus`, `mem`, `partition` settings); they win over the executor's. */
  resources?: { cpus?: number; mem?: string; partition?: string };
}

export type ExecutorConfig = { kind: 'local' } | SlurmConfig;

export interface SlurmConfig {
  kind: 'slurm';
  partition?: string;
  cpus?: number;
  mem?: string;
  account?: string;
  extra?: string[];
}

export interface MonitorDir {
  /** As written in the config, for display. */
  dir: string;
  abs: string;
  recurse: boolean;
  autoTrack: boolean;
  shouldExist: boolean;
  group: string | null;
  /** Follow symlinks to folders outside this one. */
  followSymlinks: boolean;
}

/** Which kinds of change make a script stale. All true but `packages` unless the config says otherwise. */
export interface RerunOn {
  script: boolean;
  modules: boolean;
  data: boolean;
  upstream: boolean;
  env: boolean;
  argv: boolean;
  python: boolean;
  packages: boolean;
}

export interface ResolvedConfig {
  /** Absolute project directory. */
  root: string;
  /** Absolute path of the config file, or null when running on defaults. */
  file: string | null;
  python: string;
  /** Where `python` came from, for messages: `--python`, `MREORG_PYTHON`, the config file, or the default. */
  pythonOrigin: string;
  jobs: number;
  monitor: MonitorDir[];
  exclude: string[];
  groups: Record<string, string[]>;
  runconfigs: Record<string, Runconfig>;
  defaultRunconfig: string;
  figureFormats: string[];
  reportDir: string;
  /** Figure formats the report copies and links; files of other formats are ignored. */
  reportFigureFormats: string[];
  reportTitle: string;
  editorUrl: string | null;
  /** Absolute path of the ledger file; its folder holds run history, logs and the hash cache. */
  ledger: string;
  history: number;
  outputMaxBytes: number;
  /** Share of pixels (0..1) that may differ in a figure still called unchanged (`figures.tolerance`). */
  figureTolerance: number;
  /** Relative tolerance of numbers in stdout comparisons; 0 = exact (`output.numberTolerance`). */
  numberTolerance: number;
  /** Absolute folder of accepted baselines. */
  baselinesDir: string;
  /** `failOnChange`: a result that differs from its baseline fails the build. */
  failOnChange: boolean;
  /** Declared inputs: project-relative script path -> globs (project-relative). */
  inputs: Record<string, string[]>;
  rerunOn: RerunOn;
  /** The project root and every monitored folder outside it: where scripts, their modules and files may lie. */
  areas: string[];
  /** Per-script settings: glob (project-relative) -> settings, in the config's order. */
  scripts: Record<string, ScriptSettings>;
  coverage: CoverageConfig;
}

/** `coverage:` in the config. */
export interface CoverageConfig {
  /** Every build runs its scripts under coverage.py (else only `build --coverage`). */
  enabled: boolean;
  /** Project-relative globs of the library files measured; null: every module of `areas` but the script. */
  include: string[] | null;
  /** Absolute path of a coverage.py config file, or null. */
  rcfile: string | null;
}
