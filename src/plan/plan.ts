/**
 * The planner: pure. Given the scripts with their current digests, what the ledger knows of their last runs, and
 * the runconfig, it decides for every script whether it runs and says why. No file system, no clock, no processes:
 * everything it needs is in PlanInput, so tests feed it plain data.
 */
import type { RerunOn, Runconfig } from '../config/types.js';
import type { LatestEntry } from '../ledger/types.js';
import type { ScriptState } from '../report/model.js';

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
  reasons: string[];
  /** Changes that are not rerun triggers here (package versions while rerunOn.packages is off). */
  notes: string[];
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
          e.reasons.push(`upstream ${u} will rerun`);
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
    entry.reasons.push('the last run did not finish (mreorg was stopped while it ran)');
  }
  if (!last) {
    entry.state = 'never-run';
    entry.run = true;
    entry.reasons.unshift(`never run under runconfig ${input.runconfig.name}`);
    return entry;
  }
  if (last.result === 'interrupted') entry.reasons.push('the last run was interrupted');
  entry.reasons.push(...changeReasons(s, last, input));
  const pk = packageChanges(last, input);
  if (input.rerunOn.packages) entry.reasons.push(...pk);
  else entry.notes.push(...pk.map((r) => `${r} (not a rerun trigger: rerunOn.packages is off)`));
  if (entry.reasons.length > 0) {
    entry.state = 'changed';
    entry.run = true;
    return entry;
  }
  if (last.result === 'failed' || last.result === 'timeout') {
    entry.state = 'failed';
    if (input.force || input.retryFailed) {
      entry.run = true;
      entry.reasons.push(input.force ? 'forced (--force)' : `retrying the ${last.result === 'timeout' ? 'timed-out' : 'failed'} run (--retry-failed)`);
    }
    return entry;
  }
  if (input.force) {
    entry.run = true;
    entry.reasons.push('forced (--force)');
  }
  return entry;
}

/** Every way the script's world differs from its last run, as sentences naming what changed. */
export function changeReasons(s: PlanScript, last: LatestEntry, input: PlanInput): string[] {
  const fp = last.fingerprint;
  const on = input.rerunOn;
  const reasons: string[] = [];
  if (on.script && s.hash !== fp.hash) reasons.push(s.hash === null ? `${s.path} cannot be read` : `${s.path} changed`);
  if (on.modules) reasons.push(...fileReasons(fp.modules, input.digest));
  if (on.data) {
    reasons.push(...fileReasons(fp.data, input.digest));
    for (const f of input.declared?.(s.path) ?? []) {
      if (!(f in fp.data)) reasons.push(`declared input ${f} is new`);
    }
  }
  if (on.env) {
    const now = input.runconfig.env;
    const keys = [...new Set([...Object.keys(now), ...Object.keys(fp.env)])].sort();
    for (const k of keys) {
      if ((now[k] ?? undefined) !== (fp.env[k] ?? undefined) || k in now !== k in fp.env) {
        reasons.push(`runconfig env ${k} changed`);
      }
    }
  }
  if (on.argv && JSON.stringify(input.runconfig.argv) !== JSON.stringify(fp.argv)) {
    reasons.push(`runconfig argv changed: ${JSON.stringify(fp.argv)} -> ${JSON.stringify(input.runconfig.argv)}`);
  }
  if (on.python && input.python !== fp.python) reasons.push(`python ${fp.python} -> ${input.python}`);
  return reasons;
}

/** Third-party package versions that differ from the last run's (only when current versions are known). */
function packageChanges(last: LatestEntry, input: PlanInput): string[] {
  if (!input.packages) return [];
  const out: string[] = [];
  for (const [name, was] of Object.entries(last.fingerprint.packages)) {
    const now = input.packages[name];
    if (now !== was) out.push(`package ${name} ${was} -> ${now ?? 'not installed'}`);
  }
  return out;
}

/** The digest recorded for an input that was modified while the run was reading it: it matches nothing. */
export const CHANGED_DURING_RUN = 'changed-during-run';

function fileReasons(recorded: Record<string, string | null>, digest: (p: string) => string | null): string[] {
  const out: string[] = [];
  for (const [file, was] of Object.entries(recorded)) {
    const now = digest(file);
    if (now === was) continue;
    if (was === CHANGED_DURING_RUN) {
      out.push(`${file} changed while the last run was using it`);
      continue;
    }
    if (now === null) out.push(`${file} deleted`);
    else if (was === null) out.push(`${file} created`);
    else out.push(`${file} changed`);
  }
  return out;
}

/**
 * Depth-first topological order (dependencies first; ties in input order). Back edges are cycles: they are
 * reported and skipped, so a cycle never hangs a build.
 */
export function topoSort(nodes: string[], deps: (n: string) => string[]): { order: string[]; cycles: string[][] } {
  const state = new Map<string, 1 | 2>();
  const order: string[] = [];
  const cycles: string[][] = [];
  const stack: string[] = [];
  const visit = (n: string): void => {
    state.set(n, 1);
    stack.push(n);
    for (const d of deps(n)) {
      const st = state.get(d);
      if (st === 1) cycles.push([...stack.slice(stack.indexOf(d)), d]);
      else if (st === undefined) visit(d);
    }
    stack.pop();
    state.set(n, 2);
    order.push(n);
  };
  for (const n of nodes) if (!state.has(n)) visit(n);
  return { order, cycles };
}
