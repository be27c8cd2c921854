/**
 * Finds and loads `mreorg.config.{ts,mts,js,mjs}`. TypeScript configs go through jiti (a well-kept loader used by
 * nuxt, unocss, tailwind...), so a user needs no build step and mreorg needs no compiler at start-up; jiti is
 * imported only when a config file exists. Every failure becomes a UserError naming the file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { UserError, messageOf } from '../util/errors.js';
import { packageRoot } from '../util/paths.js';
import { configSchema, type UserConfig } from './schema.js';

export const CONFIG_NAMES = ['mreorg.config.ts', 'mreorg.config.mts', 'mreorg.config.js', 'mreorg.config.mjs'];

export function findConfigFile(root: string): string | null {
  for (const name of CONFIG_NAMES) {
    const file = path.join(root, name);
    if (fs.existsSync(file)) return file;
  }
  return null;
}

/** Loads and validates one config file. Returns the user's config object, defaults not yet applied. */
export async function loadConfigFile(file: string): Promise<UserConfig> {
  if (!fs.existsSync(file)) throw new UserError(`Config file ${file} does not exist.`);
  try {
    fs.accessSync(file, fs.constants.R_OK);
  } catch {
    throw new UserError(`Config file ${file} cannot be read (permission denied).`);
  }
  if (!/\.(ts|mts|js|mjs)$/.test(file)) {
    throw new UserError(`Config file ${file}: unsupported extension; use .ts, .mts, .js or .mjs.`);
  }
  let mod: unknown;
  try {
    const { createJiti } = await import('jiti');
    // `import { defineConfig } from 'mreorg'` must work even where mreorg is not installed in node_modules
    // (a global install, npx): point the name at this very package.
    const jiti = createJiti(import.meta.url, {
      alias: { mreorg: path.join(packageRoot, 'dist', 'index.js') },
      moduleCache: false,
      fsCache: false,
      interopDefault: true,
    });
    mod = await jiti.import(pathToFileURL(file).href, { default: true });
  } catch (e) {
    throw new UserError(`Config file ${file} could not be loaded: ${firstLine(messageOf(e))}`);
  }
  const value = typeof mod === 'function' ? await safeCall(file, mod as () => unknown) : mod;
  return validate(file, value);
}

async function safeCall(file: string, fn: () => unknown): Promise<unknown> {
  try {
    return await fn();
  } catch (e) {
    throw new UserError(`Config file ${file}: the exported function threw: ${firstLine(messageOf(e))}`);
  }
}

function firstLine(s: string): string {
  return s.split('\n').filter((l) => l.trim() !== '').slice(0, 3).join(' ').trim();
}

/** Checks a config value against the schema; the message names the file and each offending key. */
export function validate(file: string, value: unknown): UserConfig {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new UserError(
      `Config file ${file} must export a config object as its default export (export default defineConfig({...})).`,
    );
  }
  const parsed = configSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const key = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys.map((k) => (key ? `${key}.${k}` : k));
      return `unknown key ${keys.map((k) => `"${k}"`).join(', ')}`;
    }
    return `key "${key || '(root)'}": ${issue.message}`;
  });
  throw new UserError(`Config file ${file} is invalid: ${problems.join('; ')}.`);
}
