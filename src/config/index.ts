import path from 'node:path';
import { UserError } from '../util/errors.js';
import { findConfigFile, loadConfigFile } from './load.js';
import { resolveConfig, type Overrides } from './resolve.js';
import type { ResolvedConfig } from './types.js';

export type { ResolvedConfig, Runconfig, MonitorDir, RerunOn } from './types.js';
export { checkName } from './resolve.js';

/**
 * Loads the project's config: `--config FILE` when given (its folder is then the project root), else
 * `mreorg.config.*` in `cwd`, else the defaults.
 */
export async function loadConfig(cwd: string, configFlag: string | undefined, over: Overrides): Promise<ResolvedConfig> {
  if (configFlag) {
    const file = path.resolve(cwd, configFlag);
    const user = await loadConfigFile(file);
    return resolveConfig(path.dirname(file), file, user, over);
  }
  const file = findConfigFile(cwd);
  if (file === null) return resolveConfig(cwd, null, {}, over);
  const user = await loadConfigFile(file);
  if (!path.isAbsolute(file)) throw new UserError(`internal: config path ${file} not absolute`);
  return resolveConfig(cwd, file, user, over);
}
