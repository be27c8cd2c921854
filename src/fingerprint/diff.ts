/**
 * What differs between a recorded fingerprint and the project as it is now, as reasons. Pure: the current state
 * comes in as plain values and a digest lookup.
 */
import type { RerunOn, Runconfig } from '../config/types.js';
import type { Fingerprint } from '../model/entry.js';
import type { Reason } from '../model/reason.js';

/** The digest recorded for an input that was modified while the run was reading it: it matches nothing. */
export const CHANGED_DURING_RUN = 'changed-during-run';

/** The project now, as far as one script's fingerprint is concerned. */
export interface Current {
  /** Project-relative path of the script. */
  script: string;
  /** The script's content hash now; null when it cannot be read. */
  hash: string | null;
  runconfig: Runconfig;
  /** Interpreter version now. */
  python: string;
  /** Current digest of an input file (project-relative); null = does not exist. */
  digest: (path: string) => string | null;
  /** Declared inputs of the script (expanded, project-relative). */
  declared: string[];
}

/** Every way the script's world differs from its last run (in the order users read them). */
export function diff(fp: Fingerprint, now: Current, on: RerunOn): Reason[] {
  const reasons: Reason[] = [];
  if (on.script && now.hash !== fp.hash) {
    reasons.push(now.hash === null ? { kind: 'script-unreadable', script: now.script } : { kind: 'script-changed', script: now.script });
  }
  if (on.modules) reasons.push(...fileChanges(fp.modules, now.digest));
  if (on.data) {
    reasons.push(...fileChanges(fp.data, now.digest));
    for (const f of now.declared) if (!(f in fp.data)) reasons.push({ kind: 'declared-input-new', file: f });
  }
  if (on.env) reasons.push(...envChanges(fp.env, now.runconfig.env));
  if (on.argv && !sameList(now.runconfig.argv, fp.argv)) {
    reasons.push({ kind: 'argv-changed', was: fp.argv, now: now.runconfig.argv });
  }
  if (on.python && now.python !== fp.python) reasons.push({ kind: 'python-changed', was: fp.python, now: now.python });
  return reasons;
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function envChanges(was: Record<string, string | null>, now: Record<string, string | null>): Reason[] {
  // Most runconfigs set no variables: at 10,000 scripts the general case's arrays and sort show in a no-op.
  if (isEmpty(was) && isEmpty(now)) return [];
  const keys = [...new Set([...Object.keys(now), ...Object.keys(was)])].sort();
  return keys
    .filter((k) => (now[k] ?? undefined) !== (was[k] ?? undefined) || k in now !== k in was)
    .map((key): Reason => ({ kind: 'env-changed', key }));
}

function isEmpty(o: object): boolean {
  for (const _ in o) return false;
  return true;
}

/** Third-party package versions that differ from the recorded ones (only when current versions are known). */
export function packageChanges(fp: Fingerprint, current: Record<string, string> | undefined): Reason[] {
  if (!current) return [];
  const out: Reason[] = [];
  for (const [name, was] of Object.entries(fp.packages)) {
    const now = current[name];
    if (now !== was) out.push({ kind: 'package-changed', name, was, now: now ?? null });
  }
  return out;
}

function fileChanges(recorded: Record<string, string | null>, digest: (p: string) => string | null): Reason[] {
  const out: Reason[] = [];
  for (const file in recorded) {
    const was = recorded[file];
    const now = digest(file);
    if (now === was) continue;
    if (was === CHANGED_DURING_RUN) out.push({ kind: 'input-changed-during-run', file });
    else if (now === null) out.push({ kind: 'input-deleted', file });
    else if (was === null) out.push({ kind: 'input-created', file });
    else out.push({ kind: 'input-changed', file });
  }
  return out;
}
