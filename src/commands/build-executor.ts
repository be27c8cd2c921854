/**
 * Which executor a build runs its scripts with: the local one (a fresh python per script), or the warm one when
 * the build asks for it (`--warm`) or its runconfig does (`warm: true` or `warm: {...}`), unless `--no-warm` or
 * the runconfig's `warm: false`. The warm one's preload set is learned from the ledger (run/preload.ts).
 */
import type { Executor } from '../run/executor.js';
import { LocalExecutor, type LocalExecutorOptions } from '../run/local.js';
import { preloadSet } from '../run/preload.js';
import { readWarmState, WarmExecutor } from '../run/warm.js';
import type { PlannedBuild } from './build.js';

export function executorFor(b: PlannedBuild, warmFlag: boolean | undefined, opts: LocalExecutorOptions): Executor & { close?: () => void } {
  const rc = b.project.config.runconfigs[b.runconfig]!;
  // MREORG_WARM=1: warm unless told otherwise (how the test suites run again under the warm executor).
  const on = rc.warm !== false && (warmFlag ?? (rc.warm !== undefined || process.env.MREORG_WARM === '1'));
  if (!on) return new LocalExecutor(opts);
  return new WarmExecutor({ ...opts, preload: warmPreload(b, typeof rc.warm === 'object' ? rc.warm : {}, opts.workDir) });
}

/** The preload set: what the latest runs of the project's scripts under this runconfig imported, adjusted. */
export function warmPreload(b: PlannedBuild, settings: { preload?: string[]; exclude?: string[] }, workDir: string): string[] {
  const learned = new Set<string>();
  for (const e of b.project.ledger.allLatest(b.runconfig)) for (const d of Object.keys(e.fingerprint.packages)) learned.add(d);
  return preloadSet(learned, { preload: settings.preload ?? [], exclude: settings.exclude ?? [] }, Object.keys(readWarmState(workDir).dropped));
}
