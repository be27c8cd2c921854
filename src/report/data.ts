/**
 * Builds the report's plain data from the project: config, discovered scripts, a plan per runconfig and the
 * ledger's history. The templates see only this (src/report/model.ts), never the ledger.
 */
import { describeJob } from '../model/job.js';
import fs from 'node:fs';
import type { ResolvedConfig } from '../config/types.js';
import { groupNames, type Discovery, type Script } from '../discover/discover.js';
import type { Ledger } from '../ledger/ledger.js';
import { figureCount } from '../model/figures.js';
import { describeReason } from '../model/reason.js';
import type { Run } from '../model/run.js';
import { cycleNote, type Plan, type PlanEntry } from '../plan/plan.js';
import { cleanDocstring, moduleDocstring } from './docstring.js';
import type { ReportData, ReportScript } from './model.js';

export interface ReportInputs {
  config: ResolvedConfig;
  ledger: Ledger;
  discovery: Discovery;
  /** Plan per runconfig name, over all discovered scripts. */
  plans: Record<string, Plan>;
  /** Current content hashes (project-relative keys), from the survey. */
  digests: Map<string, string | null>;
  building: boolean;
  version: string;
}

export async function reportData(inp: ReportInputs): Promise<ReportData> {
  const { config, discovery, plans } = inp;
  const rcNames = Object.keys(config.runconfigs);
  const { upstream, downstream } = dataFlow(plans);
  // Per runconfig, path -> plan entry: looked up once per script and runconfig (10,000 scripts: no scans).
  const entries = new Map(rcNames.map((rc) => [rc, new Map((plans[rc]?.entries ?? []).map((e) => [e.path, e]))]));
  const scripts: ReportScript[] = await Promise.all(
    discovery.scripts.map(async (s) => {
      const source = await fs.promises.readFile(s.abs, 'utf8').catch(() => '');
      const runs = await inp.ledger.runs(s.path);
      return {
        path: s.path,
        docstring: cleanDocstring(moduleDocstring(source)),
        hash: inp.digests.get(s.path) ?? '',
        tracked: s.tracked,
        groups: s.groups,
        source,
        status: statusOf(inp, entries, s, runs),
        runs,
        upstream: [...(upstream.get(s.path) ?? [])].sort(),
        downstream: [...(downstream.get(s.path) ?? [])].sort(),
      };
    }),
  );
  const members = (globsOwner: string) => discovery.scripts.filter((s) => s.groups.includes(globsOwner)).map((s) => s.path);
  return {
    title: config.reportTitle,
    root: config.root,
    areas: config.areas,
    generatedAt: new Date().toISOString(),
    mreorgVersion: inp.version,
    building: inp.building,
    defaultRunconfig: config.defaultRunconfig,
    runconfigs: rcNames.map((n) => ({ ...config.runconfigs[n]! })),
    groups: groupNames(config).map((name) => ({ name, globs: config.groups[name] ?? [], members: members(name) })),
    monitor: discovery.monitors,
    exclude: config.exclude,
    editorUrl: config.editorUrl,
    scripts,
    cycleNotes: Object.fromEntries(rcNames.map((rc) => [rc, (plans[rc]?.cycles ?? []).map((c, i) => cycleNote(c, plans[rc]?.cycleFiles[i] ?? []))])),
  };
}

/** Who reads what whom wrote, under any runconfig: script -> its upstream scripts, and -> its downstream ones. */
function dataFlow(plans: Record<string, Plan>): { upstream: Map<string, Set<string>>; downstream: Map<string, Set<string>> } {
  const downstream = new Map<string, Set<string>>();
  const upstream = new Map<string, Set<string>>();
  for (const plan of Object.values(plans)) {
    for (const e of plan.entries) {
      for (const u of e.upstream) {
        (upstream.get(e.path) ?? upstream.set(e.path, new Set()).get(e.path)!).add(u);
        (downstream.get(u) ?? downstream.set(u, new Set()).get(u)!).add(e.path);
      }
    }
  }
  return { upstream, downstream };
}

/** A script's state under every runconfig, with its latest run there. */
function statusOf(inp: ReportInputs, entries: Map<string, Map<string, PlanEntry>>, s: Script, runs: Run[]): ReportScript['status'] {
  const status: ReportScript['status'] = {};
  for (const rc of Object.keys(inp.config.runconfigs)) {
    const e = entries.get(rc)?.get(s.path);
    const latest = inp.ledger.latest(s.path, rc);
    status[rc] = {
      state: e?.state ?? (s.tracked ? 'never-run' : 'untracked'),
      reasons: (e?.reasons ?? []).map(describeReason),
      lastRunId: latest?.runId ?? null,
      lastResult: latest?.result ?? null,
      lastStartedAt: latest?.startedAt ?? null,
      lastDurationMs: latest?.durationMs ?? null,
      // Counted from the run when history has it: entries of older versions counted files, not figures.
      figureCount: lastRunFigures(runs, latest?.runId) ?? latest?.figures ?? 0,
      ...(latest?.job ? { lastJob: describeJob({ job: latest.job, durationMs: latest.durationMs })! } : {}),
    };
  }
  return status;
}

function lastRunFigures(runs: Run[], runId: string | undefined): number | null {
  const run = runId === undefined ? undefined : runs.find((r) => r.id === runId);
  return run ? figureCount(run.figures) : null;
}
