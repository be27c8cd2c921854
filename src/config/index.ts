import path from 'node:path';
import { UserError } from '../util/errors.js';
import { findConfigFile, loadConfigFile } from './load.js';
import { resolveConfig, type Overrides } from './resolve.js';
import type { ResolvedConfig } from './types.js';

export type { ResolvedConfig, Runconfig, MonitorDir, RerunOn } from './types.js';
export { checkName } from './resolve.js';

/**
 * Loads the project's config: `--config FILE` when given, else the first `mreorg.config.*` in `cwd` or a folder
 * above it (as git and npm find their roots); the folder holding it is the project root. With none anywhere above,
 * the defaults for `cwd` (`file` is then null: commands that run or write refuse, see requireConfig).
 */
export async function loadConfig(cwd: string, configFlag: string | undefined, over: Overrides): Promise<ResolvedConfig> {
  if (configFlag) {
    const file = path.resolve(cwd, configFlag);
    const user = await loadConfigFile(file);
    return resolveConfig(path.dirname(file), file, user, over);
  }
  const file = findConfigUpwards(cwd);
  if (file === null) return resolveConfig(cwd, null, {}, over);
  const user = await loadConfigFile(file);
  return resolveConfig(path.dirname(file), file, user, over);
}

/** The nearest `mreorg.config.*` in `dir` or above; null when there is none up to the file system's root. */
export function findConfigUpwards(dir: string): string | null {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const file = findConfigFile(d);
    if (file !== null) return file;
    if (path.dirname(d) === d) return null;
  }
}

/** Commands that run scripts or write into the project need a config: without one, `cwd` could be a home folder. */
export function requireConfig(config: ResolvedConfig, cwd: string, command: string): void {
  if (config.file !== null) return;
  throw new UserError(
    `No mreorg.config.ts (or .mts, .js, .mjs) in ${cwd} or any folder above it, so "mreorg ${command}" does nothing: without a config it would run every .py file below ${cwd}. Run "mreorg init" in the project's folder to write one (or pass --config FILE).`,
  );
}
