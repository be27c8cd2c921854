/**
 * A project opened: its config, ledger, file hasher and claims. Every command starts here.
 */
import { checkName, loadConfig, type ResolvedConfig } from '../config/index.js';
import { readHashCache, writeHashCache } from '../hash/cache.js';
import { FileHasher } from '../hash/filehash.js';
import { Claims } from '../ledger/claims.js';
import { Ledger } from '../ledger/ledger.js';

export interface GlobalOptions {
  config?: string | undefined;
  python?: string | undefined;
  jobs?: number | undefined;
}

export interface Project {
  config: ResolvedConfig;
  ledger: Ledger;
  hasher: FileHasher;
  claims: Claims;
  warnings: string[];
}

export async function openProject(cwd: string, opts: GlobalOptions): Promise<Project> {
  const config = await loadConfig(cwd, opts.config, { python: opts.python, jobs: opts.jobs });
  const warnings: string[] = [];
  const ledger = await Ledger.open(config.ledger, config.history, config.root, { maxBytes: config.outputMaxBytes, onWarning: (m) => warnings.push(m) });
  const hasher = new FileHasher(await readHashCache(ledger.dir));
  return { config, ledger, hasher, claims: new Claims(ledger.dir), warnings };
}

export function resolveRunconfig(config: ResolvedConfig, name: string | undefined): string {
  const rc = name ?? config.defaultRunconfig;
  checkName('runconfig', rc, Object.keys(config.runconfigs), config.file ?? 'the default config');
  return rc;
}

/** Saves what a command learnt that is worth keeping even when nothing ran (the stat cache). */
export async function saveCaches(project: Project): Promise<void> {
  // Without a config nothing is written into the folder (status may still look around).
  if (project.hasher.changed && project.config.file !== null) await writeHashCache(project.ledger.dir, project.hasher.toJSON()).catch(() => {});
}
