/**
 * The plain data the HTML report is rendered from. The templates get this, never the ledger: the composition
 * point (src/report/data.ts) builds it from the config, the discovered scripts, the plan and the ledger.
 */
import type { CoverageView } from '../coverage/combine.js';
import type { MonitorStatus } from '../discover/discover.js';
import type { Run, RunResult } from '../model/run.js';
import type { ScriptState } from '../model/state.js';

export type { ScriptState } from '../model/state.js';

export interface ReportRunconfig {
  name: string;
  timeout: number | null;
  env: Record<string, string | null>;
  argv: string[];
}

export interface ReportGroup {
  name: string;
  globs: string[];
  members: string[];
}

/** A monitored directory as discovery found it. */
export type ReportMonitor = MonitorStatus;

/** What the overview shows of one script under one runconfig. */
export interface ReportScriptStatus {
  state: ScriptState;
  /** Why it would run (empty when up to date). */
  reasons: string[];
  /** Latest run under this runconfig, if any (id refers into ReportScript.runs). */
  lastRunId: string | null;
  lastResult: RunResult | null;
  lastStartedAt: string | null;
  lastDurationMs: number | null;
  figureCount: number;
  /** A cluster run's job, for people ("SLURM job 12: queued 3 min, ran 41 min on node07"); absent for local runs. */
  lastJob?: string;
}

export interface ReportScript {
  /** Project-relative, `/` separators. */
  path: string;
  /** The module docstring as plain text (reST/Markdown underlines and markup taken out), '' if none. */
  docstring: string;
  /** Current content hash ('' if unreadable). */
  hash: string;
  tracked: boolean;
  groups: string[];
  /** Full source text (may be large; the script page shows it highlighted). */
  source: string;
  /** Keyed by runconfig name; every runconfig of the project has an entry. */
  status: Record<string, ReportScriptStatus>;
  /** History across runconfigs, newest first. Figure paths are project-relative. */
  runs: Run[];
  /** Other scripts this one read files from (upstream) and that read its files (downstream). */
  upstream: string[];
  downstream: string[];
}

export interface ReportData {
  title: string;
  /** Absolute project root: used only to resolve figure and source paths, never written into the pages. */
  root: string;
  /** The root and monitored folders outside it (see config `areas`): figures are copied only from these. */
  areas?: string[];
  generatedAt: string;
  mreorgVersion: string;
  /** True while a build is running: the overview then refreshes itself. */
  building: boolean;
  defaultRunconfig: string;
  runconfigs: ReportRunconfig[];
  groups: ReportGroup[];
  monitor: ReportMonitor[];
  exclude: string[];
  /** e.g. `vscode://file/{path}:{line}`; `{path}` is the absolute path. null = no editor links. */
  editorUrl: string | null;
  scripts: ReportScript[];
  /** Per runconfig, the dependency cycles and what their scripts share (see cycleNote). */
  cycleNotes?: Record<string, string[]>;
  /** Library coverage (build --coverage), when some run was measured. */
  coverage?: ReportCoverage | null;
}

export interface ReportCoverage {
  /** Runconfig -> its combined coverage (only runconfigs with data). */
  views: Record<string, CoverageView>;
  /** Library file (project-relative) -> its text now, '' when unreadable. */
  sources: Record<string, string>;
}
