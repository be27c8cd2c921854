/** The first-build retry: which failed runs wanted a file that another run of the same build then wrote. */
import type { Run } from '../model/run.js';

export interface Retry {
  path: string;
  writers: string[];
  files: string[];
}

/**
 * First builds know no order yet: a script that failed because a file it wanted was missing, when another script
 * of this build then wrote that file, gets one more go. Its next plan knows the order.
 */
export function retriesAfterMissing(runs: Iterable<Run>): Retry[] {
  const all = [...runs];
  const written = new Map<string, string>();
  for (const r of all) for (const w of r.deps?.writes ?? []) written.set(w, r.path);
  const out: Retry[] = [];
  for (const r of all) {
    if (r.result !== 'failed') continue;
    const files = (r.deps?.missing ?? []).filter((m) => written.has(m) && written.get(m) !== r.path);
    if (files.length === 0) continue;
    out.push({ path: r.path, writers: [...new Set(files.map((m) => written.get(m)!))], files });
  }
  return out;
}
