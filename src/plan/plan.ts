/**
 * The planner: pure. Given the scripts with their current digests, what the ledger knows of their last runs, and
 * the runconfig, it decides for every script whether it runs and says why. No file system, no clock, no processes:
 * everything it needs is in PlanInput, so tests feed it plain data.
 */
import type { RerunOn, Runconfig } from '../config/types.js';
import { diff, packageChanges } from '../fingerprint/diff.js';
import type { LatestEntry } from '../model/entry.js';
import type { RunResult } from '../model/run.js';
import type { Expectation, ScriptSettings } from '../model/settings.js';
import type { Reason } from '../model/reason.js';
import type { ScriptState } from '../model/state.js';
import { topoSort } from './topo.js';
import { stripUndefined } from '../util/objects.js';

export { topoSort } from './topo.js';

export interface PlanScript {
  path: string;
  tracked: boolean;
  /** Current content hash; null when the file could not be read. */
  hash: string | null;
}

export interface PlanInput {
  scripts: PlanScript[];
  runconfig: Runconfig;
  /** Version of the interpreter that would run the scripts now, e.g. "3.11.2". */
  python: string;
  rerunOn: RerunOn;
  latest: (path: string) => LatestEntry | undefined;
  /** The newest entry of the script under any other runconfig: what it read and wrote there orders a first build. */
  learned?: (path: string) => LatestEntry | undefined;
  /** Current digest of an input file (project-relative); null = does not exist. */
  digest: (path: string) => string | null;
  /** Declared inputs per script (already expanded to files, project-relative). */
  declared?: (path: string) => string[];
  /** True when a previous build started this script and died before recording the run. */
  abandoned?: (path: string) => boolean;
  /** Per-script settings (header and config `scripts:`), when any. */
  settings?: (path: string) => ScriptSettings | undefined;
  /** Current third-party package versions, when known (only consulted when rerunOn.packages). */
  packages?: Record<string, string>;
  force?: boolean;
  retryFailed?: boolean;
}

export interface PlanEntry {
  path: string;
  state: ScriptState;
  run: boolean;
  reasons: Reason[];
  /** Changes that are not rerun triggers here (package versions while rerunOn.packages is off). */
  notes: Reason[];
  /** Scripts (in this plan) that wrote files this one read at its last run: they run first. */
  upstream: string[];
  /** The runconfig refined by the script's own settings (timeout, argv, env): what the script runs under. */
  runconfig: Runconfig;
  /** How the script is expected to end (per-script `expect`), or null for success. */
  expect: Expectation | null;
  /** The last recorded run under this runconfig, if any. */
  last: Pick<LatestEntry, 'result' | 'startedAt' | 'error'> | null;
  /**
   * Files the script read and wrote at its last run (under this runconfig, else another): the scheduler never runs
   * two scripts at once when one writes what the other reads or writes, ordered or not (a cycle orders nothing).
   */
  touches: Touches;
}

export interface Touches {
  reads: string[];
  writes: string[];
}

export interface Plan {
  entries: PlanEntry[];
  /** Entries that run, dependencies first. */
  order: string[];
  /** Dependency cycles found (each a list of paths); their edges are ignored for ordering. */
  cycles: string[][];
  /** For each cycle, the files its scripts share (one writes what another reads or writes). */
  cycleFiles: string[][];
}

export function plan(input: PlanInput): Plan {
  const byPath = new Map(input.scripts.map((s) => [s.path, s]));
  const entries = new Map<string, PlanEntry>();
  // Each script's last entry, looked up once: at 10,000 scripts every lookup into the ledger's map counts.
  const lastOf = new Map(input.scripts.map((s) => [s.path, input.latest(s.path)]));
  for (const s of input.scripts) entries.set(s.path, planOne(s, input, lastOf.get(s.path)));

  // Who wrote what (at their last run under this runconfig, else under another one: order learned under one
  // runconfig serves the first build of the others), to find each script's upstream scripts.
  const knownOf = new Map(input.scripts.map((s) => [s.path, lastOf.get(s.path) ?? input.learned?.(s.path)]));
  const known = (p: string): LatestEntry | undefined => knownOf.get(p);
  const writers = new Map<string, string[]>();
  for (const s of input.scripts) {
    for (const f of known(s.path)?.writes ?? []) {
      const w = writers.get(f);
      if (w) w.push(s.path);
      else writers.set(f, [s.path]);
    }
  }
  for (const s of input.scripts) {
    const k = known(s.path);
    entries.get(s.path)!.touches = { reads: Object.keys(k?.fingerprint.data ?? {}), writes: k?.writes ?? [] };
    const fp = k?.fingerprint;
    if (!fp) continue;
    const ups = new Set<string>();
    for (const f of Object.keys(fp.data)) for (const w of writers.get(f) ?? []) if (w !== s.path && byPath.has(w)) ups.add(w);
    entries.get(s.path)!.upstream = [...ups].sort();
  }

  const { order: topo, cycles } = topoSort(input.scripts.map((s) => s.path), (p) => entries.get(p)!.upstream);

  // A rerun upstream makes its readers stale: walk in dependency order so staleness flows down whole chains.
  if (input.rerunOn.upstream) {
    for (const p of topo) {
      const e = entries.get(p)!;
      if (e.state === 'untracked') continue;
      for (const u of e.upstream) {
        if (entries.get(u)!.run) {
          e.reasons.push({ kind: 'upstream-reruns', script: u });
          if (!e.run) {
            e.run = true;
            if (e.state === 'up-to-date' || e.state === 'failed') e.state = 'changed';
          }
        }
      }
    }
  }
  const order = topo.filter((p) => entries.get(p)!.run);
  const cycleFiles = cycles.map((c) => sharedFiles(c.map((p) => entries.get(p)!.touches)));
  return { entries: input.scripts.map((s) => entries.get(s.path)!), order, cycles, cycleFiles };
}

function planOne(s: PlanScript, input: PlanInput, last: LatestEntry | undefined): PlanEntry {
  const settings = input.settings?.(s.path);
  const entry: PlanEntry = {
    path: s.path,
    state: 'up-to-date',
    run: false,
    reasons: [],
    notes: [],
    upstream: [],
    runconfig: effectiveRunconfig(input.runconfig, settings),
    expect: settings?.expect ?? null,
    last: last ? { result: last.result, startedAt: last.startedAt, error: last.error } : null,
    touches: { reads: [], writes: [] },
  };
  if (!s.tracked) {
    entry.state = 'untracked';
    return entry;
  }
  if (input.abandoned?.(s.path)) {
    entry.reasons.push({ kind: 'abandoned' });
  }
  if (!last) {
    entry.state = 'never-run';
    entry.run = true;
    entry.reasons.unshift({ kind: 'never-run', runconfig: input.runconfig.name });
    return entry;
  }
  if (last.result === 'interrupted') entry.reasons.push({ kind: 'interrupted' });
  const now = { script: s.path, hash: s.hash, runconfig: entry.runconfig, python: input.python, digest: input.digest, declared: (input.declared?.(s.path) ?? []).filter((f) => !last.writes.includes(f)) };
  entry.reasons.push(...diff(last.fingerprint, now, input.rerunOn));
  if (last.result === 'timeout') entry.reasons.push(...timeoutRaised(last.fingerprint.timeout, entry.runconfig.timeout));
  const pk = packageChanges(last.fingerprint, input.packages);
  if (input.rerunOn.packages) entry.reasons.push(...pk);
  else entry.notes.push(...pk);
  if (entry.reasons.length > 0) {
    entry.state = 'changed';
    entry.run = true;
    return entry;
  }
  if (last.result === 'failed' || last.result === 'timeout') {
    const expected = endedAsExpected(last.result, entry.expect);
    entry.state = expected ? 'expected-failure' : 'failed';
    // --retry-failed is for failures; an expected failure reruns only when something changed (or with --force).
    if (input.force || (input.retryFailed && !expected)) {
      entry.run = true;
      entry.reasons.push(input.force ? { kind: 'forced' } : { kind: 'retry-failed', timedOut: last.result === 'timeout' });
    }
    return entry;
  }
  if (input.force) {
    entry.run = true;
    entry.reasons.push({ kind: 'forced' });
  }
  return entry;
}

/** The runconfig as one script runs under it: its settings' timeout and argv replace, its env is merged over. */
export function effectiveRunconfig(rc: Runconfig, s: ScriptSettings | undefined): Runconfig {
  if (!s) return rc;
  return {
    ...rc,
    timeout: s.timeout !== undefined ? s.timeout : rc.timeout,
    argv: s.argv ?? rc.argv,
    env: s.env ? { ...rc.env, ...s.env } : rc.env,
    ...resourcesOf(s),
    ...(s.warm === false ? { warm: false } : {}),
  };
}

/** A script's own cluster resources, when it sets any. */
function resourcesOf(s: ScriptSettings): Pick<Runconfig, 'resources'> {
  const r = stripUndefined({ cpus: s.cpus, mem: s.mem, partition: s.partition });
  return Object.keys(r).length > 0 ? { resources: r } : {};
}

/** True when a failed or timed-out run ended the way the script is expected to. */
export function endedAsExpected(result: RunResult, expect: Expectation | null): boolean {
  return (expect === 'fail' && result === 'failed') || (expect === 'timeout' && result === 'timeout');
}

/** A run that timed out reruns when its limit has been raised since (a lower one would time out again). */
function timeoutRaised(was: number | null | undefined, now: number | null): Reason[] {
  if (was === undefined || was === null || now === was) return [];
  if (now !== null && now < was) return [];
  return [{ kind: 'timeout-raised', was, now }];
}

/** True when the two cannot run at once: one writes a file the other reads or writes. */
export function clashes(a: Touches, b: Touches): boolean {
  if (a.writes.length === 0 && b.writes.length === 0) return false;
  const aw = new Set(a.writes);
  const bw = new Set(b.writes);
  return b.writes.some((f) => aw.has(f)) || b.reads.some((f) => aw.has(f)) || a.reads.some((f) => bw.has(f));
}

/** The files written by one of these scripts and read or written by another (sorted). */
function sharedFiles(all: Touches[]): string[] {
  const out = new Set<string>();
  all.forEach((a, i) => {
    const w = new Set(a.writes);
    all.forEach((b, j) => {
      if (i !== j) for (const f of [...b.reads, ...b.writes]) if (w.has(f)) out.add(f);
    });
  });
  return [...out].sort();
}

/** "dependency cycle a.py -> b.py -> a.py (they share output/build.dat); ..." for the terminal, status and report. */
export function cycleNote(cycle: string[], files: string[]): string {
  const shared = files.length ? ` (they share ${files.slice(0, 5).join(', ')}${files.length > 5 ? ` and ${files.length - 5} more` : ''})` : '';
  return `dependency cycle ${cycle.join(' -> ')}${shared}: no order is enforced, but they never run at the same time`;
}
