/**
 * `mreorg coverage [FILE]`: which parts of the project's library the scripts run, from the coverage data of
 * their last measured runs (build --coverage). With a library FILE: its functions and the scripts that reach
 * each, so before changing one a user knows which scripts will tell; with a script: what it exercised.
 */
import path from 'node:path';
import type { CoverageView, FileCoverage, ScriptCoverage } from '../coverage/combine.js';
import { loadCoverage, outdatedScripts, uncoveredFunctions } from '../coverage/load.js';
import { openProject, resolveRunconfig, type GlobalOptions } from '../project/project.js';
import { UserError } from '../util/errors.js';
import { toRel } from '../util/paths.js';
import { printable as t } from '../util/printable.js';

export interface CoverageOptions extends GlobalOptions {
  runconfig?: string | undefined;
}

export type CoverageDoc =
  | { kind: 'none'; runconfig: string }
  | { kind: 'totals'; view: CoverageView }
  | { kind: 'file'; runconfig: string; file: FileCoverage }
  | { kind: 'script'; runconfig: string; script: ScriptCoverage };

export async function coverage(cwd: string, target: string | undefined, opts: CoverageOptions): Promise<CoverageDoc> {
  const project = await openProject(cwd, opts);
  const { config } = project;
  const runconfig = resolveRunconfig(config, opts.runconfig);
  const view = loadCoverage(config, project.ledger.dir, runconfig, (s) => project.ledger.latest(s, runconfig)?.runId ?? null);
  if (!view) {
    if (target === undefined) return { kind: 'none', runconfig };
    throw new UserError(`No coverage data under runconfig "${runconfig}": build with --coverage (or set coverage.enabled in the config) first.`);
  }
  if (target === undefined) return { kind: 'totals', view };
  const rel = toRel(config.root, path.resolve(cwd, target));
  const file = view.files.find((f) => f.path === rel);
  if (file) return { kind: 'file', runconfig, file };
  const named = functionTarget(view, config.root, cwd, target);
  if (named) return named;
  const script = view.scripts.find((s) => s.script === rel);
  if (script) return { kind: 'script', runconfig, script };
  throw new UserError(
    `No coverage data for ${rel} under runconfig "${runconfig}": no measured run imported it (not a library module, not measured by coverage.include, or no script imports it), and it is not a measured script. "mreorg coverage" lists the files with data.`,
  );
}

/** `lib/neuron.py:simulate` (or `:Model.fit`, or `:fit`): the file's page narrowed to that function. */
function functionTarget(view: CoverageView, root: string, cwd: string, target: string): CoverageDoc | null {
  const colon = target.lastIndexOf(':');
  if (colon <= 0) return null;
  const rel = toRel(root, path.resolve(cwd, target.slice(0, colon)));
  const name = target.slice(colon + 1);
  const file = view.files.find((f) => f.path === rel);
  if (!file) return null;
  const functions = file.functions.filter((f) => f.name === name || f.name.endsWith(`.${name}`));
  if (functions.length === 0) {
    throw new UserError(`${rel} has no function "${name}" (it has: ${file.functions.map((f) => f.name).join(', ') || 'none'}).`);
  }
  return { kind: 'file', runconfig: view.runconfig, file: { ...file, functions } };
}

export function coverageJson(doc: CoverageDoc): unknown {
  switch (doc.kind) {
    case 'none':
      return { runconfig: doc.runconfig, totals: null, files: [], uncoveredFunctions: [] };
    case 'totals':
      return {
        runconfig: doc.view.runconfig,
        totals: doc.view.totals,
        files: doc.view.files.map((f) => ({ path: f.path, statements: f.statements.length, covered: f.covered, percent: f.percent, scripts: f.scripts, stale: f.stale, changedSince: f.changedSince })),
        uncoveredFunctions: uncoveredFunctions(doc.view),
        outdated: outdatedScripts(doc.view),
      };
    case 'file':
      return { runconfig: doc.runconfig, ...fileJson(doc.file) };
    case 'script':
      return { runconfig: doc.runconfig, script: doc.script.script, runId: doc.script.runId, outdated: doc.script.outdated, files: doc.script.files };
  }
}

function fileJson(f: FileCoverage) {
  return {
    path: f.path,
    statements: f.statements.length,
    covered: f.covered,
    percent: f.percent,
    scripts: f.scripts,
    stale: f.stale,
    changedSince: f.changedSince,
    functions: f.functions,
    lines: Object.fromEntries([...f.lines].map(([l, s]) => [String(l), s])),
  };
}

export function formatCoverage(doc: CoverageDoc): string {
  switch (doc.kind) {
    case 'none':
      return `No coverage data under runconfig "${doc.runconfig}": build with --coverage (or set coverage.enabled in the config).\n`;
    case 'totals':
      return formatTotals(doc.view);
    case 'file':
      return formatFile(doc.file);
    case 'script':
      return `${t(doc.script.script)} ran, in its last measured run:\n` + doc.script.files.map((f) => `  ${t(f.path)}  ${f.covered}/${f.statements} lines: ${f.functions.map(t).join(', ') || 'no function'}\n`).join('');
  }
}

function formatTotals(v: CoverageView): string {
  const width = Math.max(4, ...v.files.map((f) => t(f.path).length));
  const rows = v.files.map((f) => `${t(f.path).padEnd(width)}  ${String(f.covered).padStart(5)}/${String(f.statements.length).padEnd(5)} ${pct(f.percent)}  ${f.scripts.length} script${f.scripts.length === 1 ? '' : 's'}${f.stale.length ? `, ${f.stale.length} stale` : ''}\n`);
  const dead = uncoveredFunctions(v);
  const outdated = outdatedScripts(v);
  return (
    `Coverage under runconfig "${v.runconfig}" (${v.scripts.length} measured script${v.scripts.length === 1 ? '' : 's'}):\n` +
    rows.join('') +
    `${'total'.padEnd(width)}  ${String(v.totals.covered).padStart(5)}/${String(v.totals.statements).padEnd(5)} ${pct(v.totals.percent)}\n` +
    (dead.length ? `\nFunctions no script reaches (${dead.length}):\n` + dead.map((d) => `  ${t(d.file)}:${d.line} ${t(d.name)}\n`).join('') : '') +
    (outdated.length ? `\n${outdatedNote(outdated)}\n` : '')
  );
}

function formatFile(f: FileCoverage): string {
  const head = `${t(f.path)}: ${f.covered}/${f.statements.length} lines (${f.percent}%) run by ${f.scripts.length} script${f.scripts.length === 1 ? '' : 's'}\n`;
  const notes = [
    f.changedSince ? '  (the file changed since these runs: build again for its current lines)\n' : '',
    f.stale.length ? `  not counted, measured on another version of the file: ${f.stale.map(t).join(', ')}\n` : '',
  ].join('');
  const fns = f.functions.map((fn) => `  ${t(fn.name)} (line ${fn.line}): ${fn.scripts.length ? fn.scripts.map(t).join(', ') : 'no script'}\n`);
  return head + notes + (fns.length ? 'Functions and the scripts that reach them:\n' + fns.join('') : 'No functions.\n');
}

/** Scripts that ran since without coverage: counted with the data of their earlier measured run. */
export function outdatedNote(scripts: string[]): string {
  const names = scripts.slice(0, 5).map(t).join(', ') + (scripts.length > 5 ? `, and ${scripts.length - 5} more` : '');
  return `${scripts.length} script${scripts.length === 1 ? '' : 's'} ran since without coverage; counted with an earlier run's data: ${names}. "mreorg build -B --coverage PATHS" measures them again.`;
}

function pct(p: number): string {
  return `${p.toFixed(1).padStart(5)}%`;
}
