/**
 * The nunjucks environment and the static assets, loaded once per templates folder and process. Autoescape is
 * on: every value a template prints is escaped unless it is a SafeString made by escape.ts's `trusted()`.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import nunjucks from 'nunjucks';

/** The package's templates/ folder: two levels up from both src/report/ and dist/report/. */
export const DEFAULT_TEMPLATES_DIR = fileURLToPath(new URL('../../templates/', import.meta.url));

export interface Templates {
  env: nunjucks.Environment;
  /** Hash of every template and asset: part of each page's key, so changed templates re-render every page. */
  fingerprint: string;
  /** Files copied verbatim into the report's assets/ folder (CSS, JS, icon). */
  assets: { file: string; content: Buffer }[];
}

const loaded = new Map<string, Templates>();

export function loadTemplates(dir: string = DEFAULT_TEMPLATES_DIR): Templates {
  const cached = loaded.get(dir);
  if (cached) return cached;
  const hash = createHash('sha256');
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.njk')).sort()) {
    hash.update(name).update('\0').update(readFileSync(join(dir, name))).update('\0');
  }
  const assets = readdirSync(join(dir, 'assets'))
    .sort()
    .map((name) => ({ file: `assets/${name}`, content: readFileSync(join(dir, 'assets', name)) }));
  for (const asset of assets) hash.update(asset.file).update('\0').update(asset.content).update('\0');
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(dir, { noCache: false }), {
    autoescape: true,
    trimBlocks: true,
    lstripBlocks: true,
    throwOnUndefined: false,
  });
  const templates = { env, fingerprint: hash.digest('hex').slice(0, 32), assets };
  loaded.set(dir, templates);
  return templates;
}
