/**
 * The planner: pure. Given the scripts with their current digests, what the ledger knows of their last runs, and
 * the runconfig, it decides for every script whether it runs and says why. No file system, no clock, no processes:
 * everything it needs is in PlanInput, so tests feed it plain data.
 */
import type { RerunOn, Runconfig } from '../config/types.js';
import { diff, packageChanges } from '../fingerprint/diff.js';
import type { LatestEntry } from '../model/entry.js';
import type { Reason } from '../model/reason.js';
import type { ScriptState } from '../model/state.js';
import { topoSort } from './topo.js';

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
  /** Current digest of an input file (project-relative); null = does not exist. */
  digest: (path: string) => string | null;
  /** Declared inputs per script (already expanded to files, project-relative). */
  declared?: (path: string) => string[];
  /** True when a previous build started this script and died before recording the run. */
  abandoned?: (path: string) => boolean;
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
}

export interface Plan {
  entries: PlanEntry[];
  /** Entries that run, dependencies first. */
  order: string[];
  /** Dependency cycles found (each a list of paths); their edges are ignored for ordering. */
  cycles: string[][];
}

export function plan(input: PlanInput): Plan {
  const byPath = new Map(input.scripts.map((s) => [s.path, s]));
  const entries = new Map<string, PlanEntry>();
  for (const s of input.scripts) entries.set(s.path, planOne(s, input));

  // Who wrote what (at their last run under this runconfig), to find each script's upstream scripts.
  const writers = new Map<string, string[]>();
  for (const s of input.scripts) {
    for (const f of input.latest(s.path)?.writes ?? []) writers.set(f, [...(writers.get(f) ?? []), s.path]);
  }
  for (const s of input.scripts) {
    const fp = input.latest(s.path)?.fingerprint;
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
  return { entries: input.scripts.map((s) => entries.get(s.path)!), order, cycles };
}

function planOne(s: PlanScript, input: PlanInput): PlanEntry {
  const entry: PlanEntry = { path: s.path, state: 'up-to-date', run: false, reasons: [], notes: [], upstream: [] };
  if (!s.tracked) {
    entry.state = 'untracked';
    return entry;
  }
  const last = input.latest(s.path);
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
  const now = { script: s.path, hash: s.hash, runconfig: input.runconfig, python: input.python, digest: input.digest, declared: input.declared?.(s.path) ?? [] };
  entry.reasons.push(...diff(last.fingerprint, now, input.rerunOn));
  const pk = packageChanges(last.fingerprint, input.packages);
  if (input.rerunOn.packages) entry.reasons.push(...pk);
  else entry.notes.push(...pk);
  if (entry.reasons.length > 0) {
    entry.state = 'changed';
    entry.run = true;
    return entry;
  }
  if (last.result === 'failed' || last.result === 'timeout') {
    entry.state = 'failed';
    if (input.force || input.retryFailed) {
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
