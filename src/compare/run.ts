/**
 * A finished run's results, kept and compared: with the script's accepted baseline under its runconfig when there
 * is one, else with its previous successful run under that runconfig. Only successful runs are compared (a
 * failed run's figures are whatever it drew before it failed).
 */
import type { Comparison, ResultSnapshot } from '../model/change.js';
import type { Run } from '../model/run.js';
import type { Baselines } from './baselines.js';
import { compareResults, type CompareOptions, type Side } from './compare.js';
import { snapshotOf } from './snapshot.js';
import { readStored, type BlobStore } from './store.js';

export interface RunCompareContext extends CompareOptions {
  root: string;
  /** Where run figures and diff images are kept (the ledger folder's `figures/`). */
  store: BlobStore;
  baselines: Baselines;
  /** The script's run history, newest first. */
  history(relPath: string): Promise<Run[]>;
  digest(abs: string): Promise<string | null>;
}

export interface Compared {
  results: ResultSnapshot;
  comparison: Comparison | null;
}

/** null for a run that did not succeed; else its results, and how they compare with the reference if any. */
export async function compareRun(run: Run, ctx: RunCompareContext): Promise<Compared | null> {
  if (run.result !== 'success') return null;
  const results = await snapshotOf(run, { root: ctx.root, store: ctx.store, digest: ctx.digest });
  const ref = await referenceOf(run, ctx);
  if (!ref) return { results, comparison: null };
  const ports = { read: (file: string) => readStored(ctx.root, file), store: (png: Buffer) => ctx.store.put(png) };
  const changes = await compareResults(ref.side, { results, stdout: run.stdout.text }, ports, ctx);
  return { results, comparison: { against: ref.against, runId: ref.runId, startedAt: ref.startedAt, changes } };
}

interface Reference {
  against: Comparison['against'];
  runId: string;
  startedAt: string;
  side: Side;
}

async function referenceOf(run: Run, ctx: RunCompareContext): Promise<Reference | null> {
  const baseline = ctx.baselines.get(run.path, run.runconfig);
  if (baseline) return { against: 'baseline', runId: baseline.runId, startedAt: baseline.startedAt, side: { results: baseline.results, stdout: baseline.stdout } };
  const previous = (await ctx.history(run.path)).find((r) => r.id !== run.id && r.runconfig === run.runconfig && r.result === 'success' && r.results);
  if (!previous?.results) return null;
  return { against: 'previous', runId: previous.id, startedAt: previous.startedAt, side: { results: previous.results, stdout: previous.stdout.text } };
}
