/**
 * The package's public API, for `mreorg.config.ts` files.
 *
 * @example
 * import { defineConfig } from 'mreorg';
 * export default defineConfig({ monitor: [{ dir: 'sims', recurse: true, autoTrack: true }] });
 */
import type { UserConfig } from './config/schema.js';

export type { UserConfig } from './config/schema.js';

/** The identity function: it exists so editors type-check and complete the config object. */
export function defineConfig(config: UserConfig): UserConfig {
  return config;
}
