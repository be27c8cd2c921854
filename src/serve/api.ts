/**
 * The page's requests that change the queue. A request names scripts only by their project-relative paths, and
 * each must be one that discovery finds and tracks now; runconfigs must be the config's; ids must be queue
 * entries. Nothing in a request is ever run, used as a file path or put in an environment: the queue holds
 * (path, runconfig) pairs that a worker runs exactly as `mreorg build PATH -r RUNCONFIG` would.
 */
import { runningNow, selectForQueue } from '../commands/queue.js';
import path from 'node:path';
import type { ResolvedConfig } from '../config/types.js';
import { isInside, toRel } from '../util/paths.js';
import { statQuietly } from '../util/stat.js';
import type { LiveProject } from './state.js';

export interface ApiAnswer {
  status: number;
  doc: Record<string, unknown>;
}

const bad = (error: string): ApiAnswer => ({ status: 400, doc: { error } });
const MAX_PATHS = 100_000;

export async function handleApi(live: LiveProject, body: unknown): Promise<ApiAnswer> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return bad('expected a JSON object');
  const req = body as Record<string, unknown>;
  const { queue, project } = live;
  switch (req.action) {
    case 'add':
    case 'cancel': {
      const rc = req.runconfig;
      if (typeof rc !== 'string' || !Object.hasOwn(project.config.runconfigs, rc)) return bad('unknown runconfig');
      if (req.action === 'add' && (req.which === 'stale' || req.which === 'failed')) {
        const { paths } = await selectForQueue(project, project.config.root, { runconfig: rc, [req.which]: true });
        return done(live, { ...(await queue.add(paths.map((p) => ({ path: p, runconfig: rc })), runningNow(project))) });
      }
      const paths = await knownPaths(live, req.paths);
      if (typeof paths === 'string') return bad(paths);
      if (req.action === 'add') return done(live, { ...(await queue.add(paths.map((p) => ({ path: p, runconfig: rc })), runningNow(project))) });
      const wanted = new Set(paths);
      return done(live, { ...(await queue.cancel((e) => e.runconfig === rc && wanted.has(e.path))) });
    }
    case 'cancel-id': {
      if (typeof req.id !== 'string') return bad('expected an entry id');
      const id = req.id;
      return done(live, { ...(await queue.cancel((e) => e.id === id)) });
    }
    case 'move': {
      if (typeof req.id !== 'string' || !Number.isInteger(req.index) || (req.index as number) < 0) return bad('expected an entry id and a position');
      return done(live, { moved: await queue.move(req.id, req.index as number) });
    }
    case 'clear':
      return done(live, { ...(await queue.cancel(() => true, true)) });
    case 'track':
    case 'untrack': {
      const paths = await knownPaths(live, req.paths, 'discovered');
      if (typeof paths === 'string') return bad(paths);
      // As `mreorg track`/`untrack`: a decision kept in the ledger, overriding the folder's autoTrack.
      project.ledger.setTracked(paths, req.action === 'track');
      await project.ledger.flush();
      return done(live, { [req.action === 'track' ? 'tracked' : 'untracked']: paths });
    }
    case 'monitor':
    case 'unmonitor': {
      const dir = monitorDir(project.config, req.dir, req.action === 'monitor' ? project.ledger.trackState().monitors : null);
      if ('error' in dir) return bad(dir.error);
      if (req.action === 'unmonitor' && !project.ledger.trackState().monitors.includes(dir.rel)) return bad('not a folder added from this page (the config\'s own are changed in the config)');
      project.ledger.setMonitored(dir.rel, req.action === 'monitor');
      await project.ledger.flush();
      return done(live, { [req.action === 'monitor' ? 'monitored' : 'unmonitored']: dir.rel });
    }
    case 'rescan':
      return done(live, { rescanned: true });
    default:
      return bad('unknown action');
  }
}

/**
 * A folder to monitor, as the page names it: an existing folder inside the project (never outside it, nor mreorg's
 * own folders), not monitored already; project-relative with `/`. `known` are the ledger's (null: any may be named).
 */
function monitorDir(config: ResolvedConfig, given: unknown, known: string[] | null): { rel: string } | { error: string } {
  if (typeof given !== 'string' || given.trim() === '' || given.length > 1000 || given.includes('\0')) return { error: 'expected a folder of the project' };
  const abs = path.resolve(config.root, given.trim());
  if (!isInside(config.root, abs)) return { error: 'only folders inside the project can be monitored from the page' };
  const own = [config.reportDir, path.dirname(config.ledger)];
  if (own.some((d) => isInside(d, abs))) return { error: "mreorg's own folders hold no scripts" };
  const rel = toRel(config.root, abs) || '.';
  if (known !== null) {
    if (!statQuietly(abs)?.isDirectory()) return { error: `no folder ${JSON.stringify(rel.slice(0, 200))} in the project` };
    if (known.includes(rel) || config.monitor.some((m) => m.abs === abs)) return { error: `${JSON.stringify(rel.slice(0, 200))} is monitored already` };
  }
  return { rel };
}

async function done(live: LiveProject, doc: Record<string, unknown>): Promise<ApiAnswer> {
  await live.refresh();
  return { status: 200, doc };
}

/** The paths, if every one is a tracked script of the project; else what is wrong (nothing is then queued). */
async function knownPaths(live: LiveProject, given: unknown, among: 'tracked' | 'discovered' = 'tracked'): Promise<string[] | string> {
  if (!Array.isArray(given) || given.length === 0 || given.length > MAX_PATHS) return 'expected a list of script paths';
  if (!given.every((p): p is string => typeof p === 'string')) return 'script paths must be strings';
  // A script added since the last look: look again once before refusing.
  if (!given.every((p) => live.snapshot[among].has(p))) await live.refresh();
  const unknown = given.find((p) => !live.snapshot[among].has(p));
  return unknown === undefined ? given : `not a ${among === 'tracked' ? 'tracked ' : ''}script of this project: ${JSON.stringify(unknown.slice(0, 200))}`;
}
