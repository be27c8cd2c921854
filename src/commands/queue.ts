/**
 * `mreorg queue add|list|cancel|clear`: the run queue from the terminal (the served page uses the same functions).
 * What is queued is chosen like a build's selection (paths, groups), or by state (`--stale`, failed), and added
 * in dependency order, writers before their readers.
 */
import path from 'node:path';
import { requireConfig } from '../config/index.js';
import { requireTracked } from '../discover/select.js';
import type { PlanEntry } from '../plan/plan.js';
import { planFor } from '../plan/project-plan.js';
import { openProject, resolveRunconfig, saveCaches, type GlobalOptions, type Project } from '../project/project.js';
import { Queue, type AddResult, type CancelResult, type QueueItem } from '../queue/queue.js';
import { survey } from '../survey/survey.js';
import { UserError } from '../util/errors.js';
import { printable } from '../util/printable.js';
import { isInside, toRel } from '../util/paths.js';

export interface QueueOptions extends GlobalOptions {
  paths?: string[];
  groups?: string[];
  runconfig?: string | undefined;
  /** Only the scripts a build would run now (never run, changed). */
  stale?: boolean;
  /** Only the scripts whose last run failed (or timed out). */
  failed?: boolean;
}

export async function openQueue(cwd: string, opts: GlobalOptions, what: string): Promise<{ project: Project; queue: Queue }> {
  const project = await openProject(cwd, opts);
  requireConfig(project.config, cwd, what);
  return { project, queue: new Queue(project.ledger.dir) };
}

/** The tracked scripts the options select, in dependency order. */
export async function selectForQueue(project: Project, cwd: string, opts: QueueOptions): Promise<{ runconfig: string; paths: string[] }> {
  const runconfig = resolveRunconfig(project.config, opts.runconfig);
  if (!opts.paths?.length && !opts.groups?.length && !opts.stale && !opts.failed) {
    throw new UserError('Name what to queue: scripts or folders, --group NAME, or --stale (every script a build would run now).');
  }
  const sv = await survey(project, cwd, { paths: opts.paths, groups: opts.groups });
  if (opts.paths?.length) requireTracked(project.config, cwd, opts.paths, sv.scripts);
  // Forced: every tracked script is in the order, writers before readers; the plain plan says which are stale.
  const order = planFor(project, sv, runconfig, { force: true }).order;
  const plain = new Map(planFor(project, sv, runconfig, {}).entries.map((e) => [e.path, e]));
  await saveCaches(project);
  const keep = (e: PlanEntry | undefined): boolean =>
    e !== undefined && e.state !== 'untracked' && (!opts.stale || e.run) && (!opts.failed || e.state === 'failed' || e.last?.result === 'failed' || e.last?.result === 'timeout');
  return { runconfig, paths: order.filter((p) => keep(plain.get(p))) };
}

export async function queueAdd(cwd: string, opts: QueueOptions): Promise<AddResult & { runconfig: string }> {
  const { project, queue } = await openQueue(cwd, opts, 'queue add');
  const { runconfig, paths } = await selectForQueue(project, cwd, opts);
  const res = await queue.add(paths.map((p) => ({ path: p, runconfig })), runningNow(project));
  return { ...res, runconfig };
}

/** Whether a build (or a worker) is running the script now: its claim is held by a live process. */
export function runningNow(project: Project): (path: string, runconfig: string) => boolean {
  return (p, rc) => project.claims.holder(p, rc) !== null;
}

export async function queueList(cwd: string, opts: GlobalOptions): Promise<QueueItem[]> {
  const { queue } = await openQueue(cwd, opts, 'queue list');
  return queue.list();
}

/** Cancels the entries under PATHS (files or folders), of one runconfig with -r; every waiting one when `all`. */
export async function queueCancel(cwd: string, opts: QueueOptions & { all?: boolean }): Promise<CancelResult> {
  const { project, queue } = await openQueue(cwd, opts, 'queue cancel');
  const rc = opts.runconfig === undefined ? null : resolveRunconfig(project.config, opts.runconfig);
  if (!opts.all && !opts.paths?.length) throw new UserError('Name the scripts or folders to take off the queue ("mreorg queue clear" takes every waiting one).');
  const { root } = project.config;
  const targets = (opts.paths ?? []).map((p) => toRel(root, path.resolve(cwd, p)));
  const under = (rel: string): boolean => targets.some((t) => t === rel || isInside(path.join(root, t), path.join(root, rel)));
  return queue.cancel((e) => (rc === null || e.runconfig === rc) && (opts.all ? true : under(e.path)), Boolean(opts.all));
}

export function formatAdd(res: AddResult & { runconfig: string }): string {
  const lines: string[] = [];
  for (const e of res.added) lines.push(`queued   ${e.path}  (${e.runconfig})`);
  for (const e of res.already) lines.push(`already ${e.status === 'running' ? 'running' : 'queued '} ${e.path}  (${e.runconfig}): nothing to do`);
  for (const e of res.busy) lines.push(`already running ${e.path}  (${e.runconfig}), by a build: nothing to do`);
  if (lines.length === 0) lines.push(`Nothing to queue under runconfig ${res.runconfig}.`);
  return lines.map(printable).join('\n') + '\n';
}

export function formatList(items: QueueItem[]): string {
  if (items.length === 0) return 'The queue is empty.\n';
  const now = Date.now();
  const lines = items.map((e, i) => {
    const who = e.status === 'running' && e.taker ? `  worker ${e.taker.worker} on ${e.taker.host} (pid ${e.taker.pid}), for ${Math.round((now - Date.parse(e.taker.at)) / 1000)} s${e.cancel ? ', stopping' : ''}` : '';
    return `${String(i + 1).padStart(3)}. ${e.status.padEnd(7)} ${e.path}  (${e.runconfig})${who}`;
  });
  return lines.map(printable).join('\n') + '\n';
}

export function formatCancel(res: CancelResult): string {
  const lines = [...res.removed.map((e) => `cancelled ${e.path}  (${e.runconfig})`), ...res.stopping.map((e) => `stopping  ${e.path}  (${e.runconfig}): running, its worker stops it (recorded as interrupted)`)];
  if (lines.length === 0) lines.push('Nothing in the queue matched.');
  return lines.map(printable).join('\n') + '\n';
}
