/**
 * Each selected script's settings: its `# mreorg:` header, then every `scripts:` glob of the config that matches
 * it, in the config's order (the config wins). Headers are read once per script content: a no-op build reads them
 * from a small cache keyed by content hash (`headers.json` beside the ledger), not from the scripts.
 */
import fs from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';
import type { ResolvedConfig } from '../config/types.js';
import { parseHeader } from '../discover/header.js';
import type { Script } from '../discover/discover.js';
import type { ScriptSettings } from '../model/settings.js';
import { readJson, writeFileAtomic } from '../util/atomic.js';
import { UserError } from '../util/errors.js';
import { stripUndefined } from '../util/objects.js';

/** Enough bytes for 20 lines of any sane header. */
const HEAD_BYTES = 8192;

interface HeaderCache {
  version: 1;
  /** content hash -> the header's settings (null: no header) */
  headers: Record<string, ScriptSettings | null>;
}

export async function settingsOf(config: ResolvedConfig, scripts: Script[], digests: Map<string, string | null>, cacheDir: string): Promise<Map<string, ScriptSettings>> {
  const cacheFile = path.join(cacheDir, 'headers.json');
  const cache = (await readJson<HeaderCache>(cacheFile).catch(() => null)) ?? { version: 1, headers: {} };
  let learnt = false;
  const globs = Object.entries(config.scripts).map(([glob, s]) => ({ match: picomatch(glob, { dot: true }), glob, s }));
  const out = new Map<string, ScriptSettings>();
  for (const script of scripts) {
    const hash = digests.get(script.path);
    let header = hash ? cache.headers[hash] : undefined;
    if (header === undefined) {
      header = await readHeader(script);
      if (hash) ((cache.headers[hash] = header), (learnt = true));
    }
    let merged: ScriptSettings = header ?? {};
    for (const g of globs) if (g.glob === script.path || g.match(script.path)) merged = mergeSettings(merged, g.s);
    if (Object.keys(merged).length > 0) out.set(script.path, merged);
  }
  // Only a cache: a failed write costs the next build a few reads.
  if (learnt && config.file !== null) await writeFileAtomic(cacheFile, JSON.stringify(prune(cache, digests))).catch(() => {});
  return out;
}

async function readHeader(script: Script): Promise<ScriptSettings | null> {
  let text = '';
  try {
    const fd = fs.openSync(script.abs, 'r');
    try {
      const buf = Buffer.alloc(HEAD_BYTES);
      text = buf.subarray(0, fs.readSync(fd, buf, 0, HEAD_BYTES, 0)).toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // Unreadable scripts are reported by the planner (`cannot be read`); they have no header.
    return null;
  }
  const r = await parseHeader(text);
  if ('problem' in r) {
    throw new UserError(`${script.path}:${r.problem.line}: the "# mreorg:" header is invalid: ${r.problem.message}. Fix the line, or remove it.`);
  }
  return r.settings;
}

/** `over` wins key by key; env is merged. */
export function mergeSettings(base: ScriptSettings, over: ScriptSettings): ScriptSettings {
  const out: ScriptSettings = { ...base, ...stripUndefined(over) };
  if (base.env || over.env) out.env = { ...base.env, ...over.env };
  return out;
}


/** Keeps the cache to the hashes of scripts seen now and a bounded number of others. */
function prune(cache: HeaderCache, digests: Map<string, string | null>): HeaderCache {
  const keys = Object.keys(cache.headers);
  if (keys.length < 4 * Math.max(1000, digests.size)) return cache;
  const live = new Set([...digests.values()].filter((d): d is string => d !== null));
  return { version: 1, headers: Object.fromEntries(keys.filter((k) => live.has(k)).map((k) => [k, cache.headers[k]!])) };
}
