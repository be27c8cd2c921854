/**
 * `mreorg accept [PATHS] [-r RC]`: pins the results of each selected script's last run under the runconfig (its
 * figures, the files it wrote, its stdout) as its baseline. Later runs are compared with the baseline instead of
 * with their previous run, and `build --fail-on-change` fails while they differ from it.
 */
import { Baselines } from '../compare/baselines.js';
import { requireConfig } from '../config/index.js';
import { discover } from '../discover/discover.js';
import { select } from '../discover/select.js';
import type { ResultSnapshot } from '../model/change.js';
import type { Run } from '../model/run.js';
import { openProject, resolveRunconfig, type GlobalOptions } from '../project/project.js';
import { formatAgo } from '../util/format.js';
import { printable } from '../util/printable.js';

export interface AcceptOptions extends GlobalOptions {
  runconfig?: string | undefined;
}

export interface AcceptResult {
  runconfig: string;
  /** The baselines file written. */
  file: string;
  accepted: Array<{ path: string; runId: string; startedAt: string; figures: number }>;
  /** Selected scripts whose last run has no results to accept, and why. */
  skipped: Array<{ path: string; why: string }>;
}

export async function accept(cwd: string, paths: string[], opts: AcceptOptions): Promise<AcceptResult> {
  const project = await openProject(cwd, opts);
  requireConfig(project.config, cwd, 'accept');
  const runconfig = resolveRunconfig(project.config, opts.runconfig);
  const discovery = await discover(project.config, project.ledger.trackState());
  const scripts = select(project.config, cwd, discovery.scripts, { paths }).filter((s) => s.tracked);
  const baselines = Baselines.read(project.config.baselinesDir, project.config.root);
  const result: AcceptResult = { runconfig, file: baselines.file, accepted: [], skipped: [] };
  for (const s of scripts) {
    const last = (await project.ledger.runs(s.path)).find((r) => r.runconfig === runconfig);
    const why = refusal(last, runconfig);
    if (why !== null || !last?.results) {
      result.skipped.push({ path: s.path, why: why ?? '' });
      continue;
    }
    await baselines.accept(last as Run & { results: ResultSnapshot });
    result.accepted.push({ path: s.path, runId: last.id, startedAt: last.startedAt, figures: last.results.figures.length });
  }
  if (result.accepted.length > 0) await baselines.save();
  return result;
}

/** Why a script's last run cannot be its baseline, or null when it can. */
function refusal(last: Run | undefined, runconfig: string): string | null {
  if (!last) return `never run under runconfig ${runconfig}`;
  if (last.result !== 'success') return `its last run under ${runconfig} ${last.result === 'timeout' ? 'timed out' : last.result}: only a successful run's results can be accepted`;
  if (!last.results) return 'its last run was recorded by an older mreorg, without its results: build it again (-B) first';
  return null;
}

export function formatAccept(r: AcceptResult, now = Date.now()): string {
  const lines: string[] = [];
  const n = r.accepted.length;
  if (n > 0) {
    lines.push(`Accepted the results of ${n} script${n === 1 ? '' : 's'} under runconfig ${printable(r.runconfig)} as their baseline (${printable(r.file)}):`);
    for (const a of r.accepted) {
      lines.push(`  ${printable(a.path)} (run ${formatAgo(now - Date.parse(a.startedAt))}, ${a.figures} figure${a.figures === 1 ? '' : 's'})`);
    }
  } else lines.push('Nothing accepted.');
  if (r.skipped.length > 0) {
    lines.push('Not accepted:');
    for (const s of r.skipped) lines.push(`  ${printable(s.path)}: ${printable(s.why)}`);
  }
  return lines.join('\n') + '\n';
}
