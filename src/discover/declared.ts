/** Declared inputs (`inputs` in the config): files a script depends on that mreorg cannot see it read. */
import path from 'node:path';
import type { ResolvedConfig } from '../config/types.js';
import { isInside, toRel } from '../util/paths.js';
import type { Script } from './discover.js';

/** Script path -> the files its declared globs match now (project-relative, sorted). */
export async function expandDeclared(config: ResolvedConfig, scripts: Script[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const entries = Object.entries(config.inputs);
  if (entries.length === 0) return out;
  const { globby } = await import('globby');
  const picomatch = (await import('picomatch')).default;
  for (const [pattern, globs] of entries) {
    const match = picomatch(pattern, { dot: true });
    const owners = scripts.filter((s) => s.path === pattern || match(s.path));
    if (owners.length === 0) continue;
    const files = (await globby(globs, { cwd: config.root, dot: true, onlyFiles: true, ignore: ownFolders(config) })).sort();
    for (const o of owners) out.set(o.path, [...new Set([...(out.get(o.path) ?? []), ...files])]);
  }
  return out;
}

/**
 * What mreorg writes itself is never an input, whatever the globs say: the ledger's folder (its files change on
 * every build, so a script declaring them would never be up to date), the report, and the figures in `_output/`.
 */
function ownFolders(config: ResolvedConfig): string[] {
  const own = [path.dirname(config.ledger), config.reportDir].filter((d) => isInside(config.root, d) && d !== config.root);
  return [...own.map((d) => `${toRel(config.root, d)}/**`), '**/_output/**'];
}
