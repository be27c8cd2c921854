/** Declared inputs (`inputs` in the config): files a script depends on that mreorg cannot see it read. */
import type { ResolvedConfig } from '../config/types.js';
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
    const files = (await globby(globs, { cwd: config.root, dot: true, onlyFiles: true })).sort();
    for (const o of owners) out.set(o.path, [...new Set([...(out.get(o.path) ?? []), ...files])]);
  }
  return out;
}
