/** `mreorg status`: every selected script's state under a runconfig and the reasons it would run. */
import { describeNote, describeReason } from '../model/reason.js';
import { printable } from '../util/printable.js';
import type { ScriptState } from '../model/state.js';
import { planFor } from '../plan/project-plan.js';
import { openProject, resolveRunconfig, saveCaches, type GlobalOptions } from '../project/project.js';
import { survey } from '../survey/survey.js';

export interface StatusOptions extends GlobalOptions {
  paths?: string[];
  groups?: string[];
  runconfig?: string | undefined;
}

export interface StatusDocument {
  runconfig: string;
  cycles: string[][];
  warnings: string[];
  scripts: Array<{ path: string; state: ScriptState; reasons: string[]; notes: string[]; groups: string[]; upstream: string[] }>;
}

export async function status(cwd: string, opts: StatusOptions): Promise<StatusDocument> {
  const project = await openProject(cwd, opts);
  const runconfig = resolveRunconfig(project.config, opts.runconfig);
  const sv = await survey(project, cwd, { paths: opts.paths, groups: opts.groups, packages: true });
  const p = planFor(project, sv, runconfig, {});
  await saveCaches(project);
  const groups = new Map(sv.scripts.map((s) => [s.path, s.groups]));
  return {
    runconfig,
    cycles: p.cycles,
    warnings: [...project.warnings, ...sv.discovery.warnings],
    scripts: p.entries.map((e) => ({ path: e.path, state: e.state, reasons: e.reasons.map(describeReason), notes: e.notes.map(describeNote), groups: groups.get(e.path) ?? [], upstream: e.upstream })),
  };
}

const STATE_LABEL: Record<ScriptState, string> = {
  'never-run': 'never run',
  'up-to-date': 'up to date',
  changed: 'changed',
  failed: 'failed',
  'expected-failure': 'expected failure',
  untracked: 'untracked',
};

export function formatStatus(doc: StatusDocument): string {
  const lines: string[] = [];
  for (const w of doc.warnings) lines.push(`warning: ${w}`);
  for (const c of doc.cycles) lines.push(`warning: dependency cycle ${c.join(' -> ')}`);
  const width = Math.min(60, Math.max(10, ...doc.scripts.map((s) => s.path.length)));
  for (const s of doc.scripts) {
    lines.push(`${STATE_LABEL[s.state].padEnd(11)} ${s.path.padEnd(width)}${s.groups.length ? `  [${s.groups.join(', ')}]` : ''}`);
    for (const r of s.reasons) lines.push(`${' '.repeat(12)}- ${r}`);
    for (const n of s.notes) lines.push(`${' '.repeat(12)}  note: ${n}`);
  }
  const counts = new Map<string, number>();
  for (const s of doc.scripts) counts.set(s.state, (counts.get(s.state) ?? 0) + 1);
  lines.push('');
  lines.push(
    `runconfig ${doc.runconfig}: ${doc.scripts.length} script${doc.scripts.length === 1 ? '' : 's'}` +
      (doc.scripts.length ? ': ' + [...counts].map(([k, n]) => `${n} ${STATE_LABEL[k as ScriptState]}`).join(', ') : ''),
  );
  // Paths, reasons and warnings carry names a script chose: no control character reaches the terminal.
  return lines.map(printable).join('\n') + '\n';
}
