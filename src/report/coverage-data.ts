/** The report's coverage data: each runconfig's combined coverage, and the text of every library file shown. */
import fs from 'node:fs';
import path from 'node:path';
import type { ResolvedConfig } from '../config/types.js';
import type { Ledger } from '../ledger/ledger.js';
import { loadCoverage } from '../coverage/load.js';
import type { ReportCoverage } from './model.js';

export function reportCoverage(config: ResolvedConfig, ledger: Ledger): ReportCoverage | null {
  const views: ReportCoverage['views'] = {};
  const sources: ReportCoverage['sources'] = {};
  for (const rc of Object.keys(config.runconfigs)) {
    const view = loadCoverage(config, ledger.dir, rc, (s) => ledger.latest(s, rc)?.runId ?? null);
    if (!view) continue;
    views[rc] = view;
    for (const f of view.files) sources[f.path] ??= readText(path.resolve(config.root, f.path));
  }
  return Object.keys(views).length > 0 ? { views, sources } : null;
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
