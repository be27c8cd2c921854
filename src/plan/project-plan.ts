/** The planner fed from a project: its survey, its ledger and the claims of dead builds. */
import type { LatestEntry } from '../model/entry.js';
import type { Project } from '../project/project.js';
import type { Survey } from '../survey/survey.js';
import { plan, type Plan } from './plan.js';

export interface PlanOptions {
  force?: boolean | undefined;
  retryFailed?: boolean | undefined;
}

/** Plans the survey's scripts under one runconfig. Pure apart from reading the claims folder. */
export function planFor(project: Project, sv: Survey, runconfig: string, opts: PlanOptions): Plan {
  const { config, ledger, claims } = project;
  const rc = config.runconfigs[runconfig]!;
  return plan({
    scripts: sv.scripts.map((s) => ({ path: s.path, tracked: s.tracked, hash: sv.digests.get(s.path) ?? null })),
    runconfig: rc,
    python: sv.interpreter.version,
    rerunOn: config.rerunOn,
    latest: (p) => ledger.latest(p, runconfig),
    learned: (p) => {
      let newest: LatestEntry | undefined;
      for (const other of Object.keys(config.runconfigs)) {
        const e = other === runconfig ? undefined : ledger.latest(p, other);
        if (e && (!newest || e.startedAt > newest.startedAt)) newest = e;
      }
      return newest;
    },
    digest: (p) => sv.digests.get(p) ?? null,
    declared: (p) => sv.declared.get(p) ?? [],
    settings: (p) => sv.settings.get(p),
    abandoned: (p) => {
      const at = claims.abandonedAt(p, runconfig);
      const last = ledger.latest(p, runconfig);
      return at !== null && (!last || last.startedAt < at);
    },
    ...(sv.packages ? { packages: sv.packages } : {}),
    force: opts.force ?? false,
    retryFailed: opts.retryFailed ?? false,
  });
}
