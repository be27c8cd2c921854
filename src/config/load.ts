/**
 * Finds and loads `mreorg.config.{ts,mts,js,mjs}`. TypeScript configs go through jiti (a well-kept loader used by
 * nuxt, unocss, tailwind...), so a user needs no build step and mreorg needs no compiler at start-up; JavaScript
 * configs are imported by Node itself. Every failure becomes a UserError naming the file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { UserError, messageOf } from '../util/errors.js';
import { packageRoot } from '../util/paths.js';
import { statQuietly } from '../util/stat.js';
import { isConfigShape } from '../util/checks.generated.js';
import type { UserConfig } from './schema.js';

export const CONFIG_NAMES = ['mreorg.config.ts', 'mreorg.config.mts', 'mreorg.config.js', 'mreorg.config.mjs'];

export function findConfigFile(root: string): string | null {
  for (const name of CONFIG_NAMES) {
    const file = path.join(root, name);
    if (fs.existsSync(file)) return file;
  }
  return null;
}

/** The last config loaded, by file and stat: `build` looks at its config twice (the fast no-op, then the build). */
let loaded: { key: string; config: Promise<UserConfig> } | null = null;

/** Loads and validates one config file. Returns the user's config object, defaults not yet applied. */
export function loadConfigFile(file: string): Promise<UserConfig> {
  // Quietly: a config that cannot be stat'ed gets its error, naming it, from loading it below.
  const st = statQuietly(file);
  const key = st ? `${file}:${st.size}:${st.mtimeMs}:${st.ino}` : '';
  if (key && loaded?.key === key) return loaded.config;
  const config = loadConfigFileNow(file);
  loaded = key ? { key, config } : null;
  return config;
}

async function loadConfigFileNow(file: string): Promise<UserConfig> {
  if (!fs.existsSync(file)) throw new UserError(`Config file ${file} does not exist.`);
  try {
    fs.accessSync(file, fs.constants.R_OK);
  } catch {
    throw new UserError(`Config file ${file} cannot be read (permission denied).`);
  }
  if (!/\.(ts|mts|js|mjs)$/.test(file)) {
    throw new UserError(`Config file ${file}: unsupported extension; use .ts, .mts, .js or .mjs.`);
  }
  const value = await withinBound(file, importConfig(file));
  return await validate(file, value);
}

/** The config's default export; a function is called and a promise awaited. */
async function importConfig(file: string): Promise<unknown> {
  const mod = (await importNatively(file)) ?? (await importWithJiti(file));
  return typeof mod === 'function' ? await safeCall(file, mod as () => unknown) : mod;
}

/**
 * A JavaScript config is imported by Node itself: jiti costs ~25 ms to load, a sixth of a no-op build of 10,000
 * scripts. Undefined when Node cannot do it alone: TypeScript, or `import ... from 'mreorg'` where mreorg is not
 * installed beside the project (jiti points that name at this package).
 */
async function importNatively(file: string): Promise<unknown> {
  if (!/\.m?js$/.test(file)) return undefined;
  // The query makes an edited config a new module for Node's module cache (a long-lived server loads it again).
  const url = `${pathToFileURL(file).href}?mtime=${fs.statSync(file).mtimeMs}`;
  try {
    return interopDefault(await import(url));
  } catch (e) {
    const code = (e as { code?: string }).code;
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') && /'mreorg'/.test(messageOf(e))) return undefined;
    throw new UserError(`Config file ${file} could not be loaded: ${firstLine(messageOf(e))}`);
  }
}

/** `export default x`, or a CommonJS `module.exports = x` (also when x came from a compiler's `exports.default`). */
function interopDefault(ns: Record<string, unknown>): unknown {
  const value = 'default' in ns ? ns.default : ns;
  const inner = value as { __esModule?: boolean; default?: unknown } | null;
  return inner && typeof inner === 'object' && inner.__esModule && 'default' in inner ? inner.default : value;
}

async function importWithJiti(file: string): Promise<unknown> {
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
    return await jiti.import(pathToFileURL(file).href, { default: true });
  } catch (e) {
    throw new UserError(`Config file ${file} could not be loaded: ${firstLine(messageOf(e))}`);
  }
}

/** Seconds a config may take to load; MREORG_CONFIG_TIMEOUT shortens (or lengthens) it. */
export const CONFIG_TIMEOUT_S = 30;

/**
 * A default export, function result or top-level await that never settles would leave nothing for Node to wait
 * for: mreorg would print nothing and exit 0. Bounded, it is an error naming the file. The error says `abandoned`:
 * the config's code may still hold Node open (a timer, a socket), so the CLI exits at once.
 */
async function withinBound<T>(file: string, loading: Promise<T>): Promise<T> {
  const fromEnv = Number(process.env.MREORG_CONFIG_TIMEOUT);
  const seconds = process.env.MREORG_CONFIG_TIMEOUT && fromEnv > 0 ? fromEnv : CONFIG_TIMEOUT_S;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const msg = `Config file ${file} did not finish loading within ${seconds} s: its default export (a promise, what its function returned, or a top-level await) never settled.`;
      reject(Object.assign(new UserError(msg), { abandoned: true }));
    }, seconds * 1000);
  });
  try {
    return await Promise.race([loading, late]);
  } finally {
    clearTimeout(timer);
  }
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
export async function validate(file: string, value: unknown): Promise<UserConfig> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new UserError(
      `Config file ${file} must export a config object as its default export (export default defineConfig({...})).`,
    );
  }
  // A config the schema accepts as it is needs no zod (see util/zod.ts); zod then says what is wrong.
  if (isConfigShape(value)) return value as UserConfig;
  const { configSchema } = await import('./schema.js');
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
