/**
 * `mreorg worker`: takes scripts from the project's queue and runs them, one at a time, until Ctrl-C. Each run
 * goes through the build's own machinery (planBuild + runPlan: the scheduler, the local executor, the script's
 * claim, the ledger), so workers, builds and the server share work on one project safely: two workers never run
 * one script, and a script another build runs is waited for and its result taken.
 *
 * The queue entry is removed only once the run is recorded. A worker killed mid-run leaves its entry marked, but
 * its worker file stops beating: the entry counts as waiting again and the next worker runs the script (taking
 * over the dead worker's claim). Ctrl-C records the running script as interrupted and leaves its entry queued;
 * a cancel from `mreorg queue cancel` or the page stops the script (recorded interrupted) and drops the entry.
 */
import { setMaxListeners } from 'node:events';
import path from 'node:path';
import { buildIdentity } from '../ledger/identity.js';
import { planFor } from '../plan/project-plan.js';
import { resolveRunconfig, type GlobalOptions, type Project } from '../project/project.js';
import { LiveLog, liveLogFile } from '../queue/live-log.js';
import type { Queue, QueueEntry, QueueItem } from '../queue/queue.js';
import type { BuildEvent } from '../schedule/events.js';
import { survey } from '../survey/survey.js';
import { isUserError, messageOf } from '../util/errors.js';
import { printable } from '../util/printable.js';
import { killAllNow } from '../run/process.js';
import { onStopSignals } from './build-cli.js';
import { planBuild, runPlan, type BuildOptions } from './build.js';
import { openQueue } from './queue.js';

export interface WorkerOptions extends GlobalOptions {
  /** Only entries queued under this runconfig. */
  runconfig?: string | undefined;
  /** Return once nothing is left in the queue for this worker. */
  untilEmpty?: boolean;
  /** Overrides the runconfig's executor (`--executor`): a worker may hand its scripts to SLURM. */
  executor?: 'local' | 'slurm' | undefined;
  signal?: AbortSignal;
  /** Where the worker says what it does (default stdout). */
  say?: (line: string) => void;
}

/** How often an idle worker looks at the queue, and a busy one checks whether its script was cancelled. */
const POLL_MS = 300;

export async function workerCommand(cwd: string, opts: WorkerOptions): Promise<number> {
  const abort = new AbortController();
  setMaxListeners(0, abort.signal);
  const off = onStopSignals(abort, killAllNow);
  // Started by `mreorg serve`: stop as Ctrl-C would if the server is gone (killed), rather than run on unseen.
  const server = Number(process.env.MREORG_SERVE_PID);
  const watch = server > 0 ? setInterval(() => process.ppid !== server && abort.abort(), 1000) : null;
  watch?.unref();
  // Its output goes to the server through pipes: with the server gone, writing fails, which must not stop it
  // before it has recorded its run.
  if (watch) for (const s of [process.stdout, process.stderr]) s.on('error', () => {});
  try {
    return await runWorker(cwd, { ...opts, signal: abort.signal });
  } finally {
    if (watch) clearInterval(watch);
    off();
  }
}

export async function runWorker(cwd: string, opts: WorkerOptions): Promise<number> {
  const say = opts.say ?? ((l: string) => process.stdout.write(printable(l) + '\n'));
  const signal = opts.signal ?? new AbortController().signal;
  const { project, queue } = await openQueue(cwd, opts, 'worker');
  const rc = opts.runconfig === undefined ? null : resolveRunconfig(project.config, opts.runconfig);
  const unregister = queue.registerWorker();
  const me = buildIdentity();
  say(`worker ${me.buildId} (pid ${me.pid}) takes scripts from ${path.relative(cwd, queue.file) || queue.file}${rc ? ` queued under ${rc}` : ''}; Ctrl-C stops it`);
  try {
    while (!signal.aborted) {
      const entry = await takeNext(project, cwd, queue, rc);
      if (entry) {
        await runEntry(cwd, project.config.root, queue, entry, opts, signal, say);
        continue;
      }
      if (opts.untilEmpty && !(await queue.list()).some((e) => rc === null || e.runconfig === rc)) break;
      await sleep(POLL_MS, signal);
    }
  } finally {
    unregister();
  }
  if (signal.aborted) say(`worker ${me.buildId} stopped`);
  return signal.aborted ? 130 : 0;
}

/**
 * The first waiting entry (of this worker's runconfig) that may run now: no other live build holds its claim,
 * and none of the scripts it read from at its last run (its upstream) is in the queue, so a reader waits for its
 * queued writer. When nothing fits and nothing runs (a dependency cycle), the first waiting entry runs.
 */
async function takeNext(project: Project, cwd: string, queue: Queue, rc: string | null): Promise<QueueEntry | null> {
  const seen = await queue.list();
  const mine = (e: QueueItem): boolean => rc === null || e.runconfig === rc;
  if (!seen.some((e) => e.status === 'waiting' && mine(e))) return null;
  const upstream = await upstreamOf(project, cwd, seen);
  return queue.take((waiting, all) => {
    const free = waiting.filter((w) => mine(w) && project.claims.holder(w.path, w.runconfig) === null);
    const blocked = (w: QueueItem): boolean =>
      (upstream.get(`${w.runconfig}\0${w.path}`) ?? []).some((u) => all.some((a) => a.id !== w.id && a.path === u && a.runconfig === w.runconfig));
    return free.find((w) => !blocked(w)) ?? (all.some((a) => a.status === 'running') ? null : (free[0] ?? null));
  });
}

/** runconfig + path -> the queued scripts it read from at its last run. Unknown (a script gone) -> none. */
async function upstreamOf(project: Project, cwd: string, items: QueueItem[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  await project.ledger.refresh().catch(() => {});
  for (const runconfig of new Set(items.map((e) => e.runconfig))) {
    const paths = [...new Set(items.filter((e) => e.runconfig === runconfig).map((e) => path.join(project.config.root, e.path)))];
    try {
      const sv = await survey(project, cwd, { paths });
      for (const e of planFor(project, sv, runconfig, { force: true }).entries) out.set(`${runconfig}\0${e.path}`, e.upstream);
    } catch {
      // A queued script deleted or renamed, a runconfig gone: no order among these; runEntry says what is wrong.
    }
  }
  return out;
}

async function runEntry(cwd: string, root: string, queue: Queue, entry: QueueEntry, opts: WorkerOptions, signal: AbortSignal, say: (l: string) => void): Promise<void> {
  const stop = new AbortController();
  setMaxListeners(0, stop.signal);
  const onAbort = (): void => stop.abort();
  signal.addEventListener('abort', onAbort);
  let cancelled = false;
  const poll = setInterval(() => {
    void queue.cancelRequested(entry.id).then(
      (c) => {
        if (c && !stop.signal.aborted) {
          cancelled = true;
          say(`${entry.path}: cancelled, stopping it`);
          stop.abort();
        }
      },
      () => {},
    );
  }, POLL_MS);
  try {
    const buildOpts: BuildOptions = {
      config: opts.config,
      python: opts.python,
      jobs: opts.jobs,
      // Absolute: entry paths are the project's, whatever folder of it the worker started in.
      paths: [path.join(root, entry.path)],
      runconfig: entry.runconfig,
      force: true,
      report: false,
      signal: stop.signal,
      executor: opts.executor,
    };
    const planned = await planBuild(cwd, buildOpts).catch((e: unknown) => {
      if (!isUserError(e)) throw e;
      say(`cannot run ${entry.path} (${entry.runconfig}): ${messageOf(e)} Taken off the queue.`);
      return null;
    });
    if (planned === null) return void (await queue.finish(entry.id));
    planned.project.ledger.onWarning = (m) => say(`warning: ${m}`);
    // What the script prints, as it prints it, for the served page's live tail.
    const log = new LiveLog(liveLogFile(queue.ledgerDir, entry.path, entry.runconfig));
    log.start();
    try {
      await runPlan(planned, buildOpts, (e) => (e.type === 'output' ? log.write(e.chunk) : tell(e, entry, say)));
    } finally {
      log.end();
    }
    // Stopped by Ctrl-C (not cancelled): the script was asked for and did not finish; the next worker runs it.
    if (signal.aborted && !cancelled) await queue.release(entry.id);
    else await queue.finish(entry.id);
  } finally {
    clearInterval(poll);
    signal.removeEventListener('abort', onAbort);
  }
}

/** The worker's lines: a script started, and how it ended. */
function tell(e: BuildEvent, entry: QueueEntry, say: (l: string) => void): void {
  if (e.type === 'started') say(`running ${e.path} (${entry.runconfig})`);
  else if (e.type === 'warning') say(`warning: ${e.message}`);
  else if (e.type === 'skipped') say(`${e.path}: ${e.detail ?? 'run by another build'}`);
  else if (e.type === 'elsewhere') say(`${e.path}: run by another build meanwhile (${e.result})`);
  else if (e.type === 'finished') {
    const r = e.run;
    const why = r.error ? `: ${r.error.type}: ${r.error.message.split('\n')[0]}` : r.exitCode ? `: exit code ${r.exitCode}` : '';
    say(`${r.path}: ${r.result} in ${(r.durationMs / 1000).toFixed(1)} s${r.result === 'success' ? '' : why}`);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}
