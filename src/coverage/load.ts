/** The combined coverage of a runconfig, from the parts in the ledger folder; null when no run was measured. */
import fs from 'node:fs';
import path from 'node:path';
import { combine, type CoverageView } from './combine.js';
import { partsDir, readParts } from './parts.js';

export function loadCoverage(o: { root: string; areas: string[] }, ledgerDir: string, runconfig: string, lastRunId?: (script: string) => string | null): CoverageView | null {
  const parts = readParts(partsDir(ledgerDir, runconfig));
  if (parts.length === 0) return null;
  // A deleted script's last run no longer stands for anything the collection runs.
  return combine(runconfig, parts, { ...o, keep: (script) => fs.existsSync(path.resolve(o.root, script)), ...(lastRunId ? { lastRunId } : {}) });
}

/** Functions no measured script reached, per file: dead code, or code no script exercises yet. */
export function uncoveredFunctions(view: CoverageView): { file: string; name: string; line: number }[] {
  return view.files.flatMap((f) => f.functions.filter((fn) => fn.scripts.length === 0).map((fn) => ({ file: f.path, name: fn.name, line: fn.line })));
}

/** Scripts whose data is an earlier run's: they ran since without coverage. */
export function outdatedScripts(view: CoverageView): string[] {
  return view.scripts.filter((s) => s.outdated).map((s) => s.script);
}
