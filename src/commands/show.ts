/** `mreorg show PATH`: a script's recent runs, the last one's output in full, and what it used. */
import { describeJob } from '../model/job.js';
import fs from 'node:fs';
import path from 'node:path';
import { describeChange } from '../model/change.js';
import { figureList } from '../model/figures.js';
import type { Run } from '../model/run.js';
import { UserError } from '../util/errors.js';
import { isInside, toRel } from '../util/paths.js';
import { describeReason } from '../model/reason.js';
import { printable as t, printableBlock } from '../util/printable.js';
import { planFor } from '../plan/project-plan.js';
import { openProject, resolveRunconfig, type GlobalOptions } from '../project/project.js';
import { survey } from '../survey/survey.js';
import { formatDuration } from '../util/format.js';

export interface ShowOptions extends GlobalOptions {
  runconfig?: string | undefined;
}

export async function show(cwd: string, target: string, opts: ShowOptions) {
  const project = await openProject(cwd, opts);
  const { config, ledger } = project;
  const abs = path.resolve(cwd, target);
  if (!config.areas.some((a) => isInside(a, abs))) throw new UserError(`Path ${target} is outside the project ${config.root} and its monitored directories.`);
  const rel = toRel(config.root, abs);
  const runconfig = resolveRunconfig(config, opts.runconfig);
  const runs = await ledger.runs(rel);
  let state: string = 'never-run';
  let reasons: string[] = [];
  if (fs.existsSync(abs)) {
    const sv = await survey(project, cwd, { paths: [target] });
    const entry = planFor(project, sv, runconfig, {}).entries[0];
    if (entry) ((state = entry.state), (reasons = entry.reasons.map(describeReason)));
  } else if (runs.length === 0) {
    throw new UserError(`${target} does not exist and mreorg has no record of it.`);
  } else state = 'deleted';
  return { path: rel, runconfig, state, reasons, runs };
}

export type ShowDocument = Awaited<ReturnType<typeof show>>;

export function showJson(doc: ShowDocument) {
  return {
    path: doc.path,
    state: doc.state,
    reasons: doc.reasons,
    runs: doc.runs.map((r: Run) => ({
      id: r.id,
      runconfig: r.runconfig,
      startedAt: r.startedAt,
      durationMs: r.durationMs,
      result: r.result,
      exitCode: r.exitCode,
      signal: r.signal,
      stdout: r.stdout.text,
      stderr: r.stderr.text,
      stdoutLog: r.stdout.logFile,
      stderrLog: r.stderr.logFile,
      error: r.error,
      figures: figureList(r.figures),
      deps: r.deps,
      job: r.job ?? null,
      comparison: r.comparison ?? null,
    })),
  };
}

export function formatShow(doc: ShowDocument): string {
  const l: string[] = [`${t(doc.path)}: ${doc.state} (runconfig ${doc.runconfig})`];
  for (const r of doc.reasons) l.push(`  - ${t(r)}`);
  if (doc.runs.length === 0) return l.concat('', 'No runs recorded.').join('\n') + '\n';
  l.push('', 'Recent runs (newest first):');
  for (const r of doc.runs.slice(0, 10)) {
    l.push(`  ${r.startedAt}  ${r.runconfig.padEnd(10)} ${r.result.padEnd(11)} exit ${String(r.exitCode ?? r.signal).padEnd(4)} ${formatDuration(r.durationMs)}`);
  }
  const last = doc.runs[0]!;
  l.push('', `Last run ${last.id}: ${last.result}`);
  if (last.job) l.push(t(describeJob(last)!));
  if (last.error) l.push(`Error: ${t(last.error.type)}: ${printableBlock(last.error.message)}`);
  const figures = figureList(last.figures);
  if (figures.length) l.push(`Figures (${figures.length}):`, ...figures.flatMap((f) => f.files.map((file) => `  ${t(file)}`)));
  if (last.comparison) {
    const c = last.comparison;
    const against = c.against === 'baseline' ? `its baseline (accepted from run ${c.runId})` : `the previous run (${c.runId})`;
    if (c.changes.length === 0) l.push(`Results as ${against}: no change.`);
    else l.push(`Results differ from ${against}:`, ...c.changes.map((x) => `  ${t(describeChange(x))}`));
  }
  if (last.deps) {
    const d = last.deps;
    const list = (name: string, xs: string[]): void => {
      if (xs.length) l.push(`${name}:`, ...xs.map((x) => `  ${t(x)}`));
    };
    list('Imported local modules', d.modules);
    list('Read', d.reads);
    list('Wrote', d.writes);
    list('Tried to read (missing)', d.missing);
    const pk = Object.entries(d.packages);
    if (pk.length) l.push('Packages:', ...pk.map(([k, v]) => `  ${t(k)} ${t(v)}`));
  }
  l.push('', '--- stdout ---', printableBlock(last.stdout.text.replace(/\n$/, '')));
  if (last.stdout.logFile) l.push(`[full output: ${t(last.stdout.logFile)}]`);
  l.push('--- stderr ---', printableBlock(last.stderr.text.replace(/\n$/, '')));
  if (last.stderr.logFile) l.push(`[full output: ${t(last.stderr.logFile)}]`);
  return l.join('\n') + '\n';
}
