/**
 * Imports in src/ flow one way: each stage folder may import only folders on lower layers (type-only imports
 * included), so there is no back edge and no folder cycle. A new folder must be given a layer here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');

/** Lowest first. Top-level files of src/ are named by their file name without `.ts`. */
const LAYERS: string[][] = [
  ['util', 'version'],
  ['model'],
  ['config'],
  ['hash', 'ledger'],
  ['project', 'discover', 'fingerprint', 'compare', 'coverage', 'queue'],
  ['survey'],
  ['plan', 'run'],
  ['schedule'],
  ['report'],
  ['reporters'],
  ['commands'],
  ['serve'],
  ['cli', 'index'],
];
const rank = new Map(LAYERS.flatMap((names, i) => names.map((n) => [n, i] as const)));

function unitOf(rel: string): string {
  const parts = rel.split(path.sep);
  return parts.length === 1 ? parts[0]!.replace(/\.ts$/, '') : parts[0]!;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Every module specifier a file imports or re-exports, static or dynamic, type-only included. */
function specifiers(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm)) out.push(m[1]!);
  return out;
}

/** folder -> folder edges, with the files that make them. */
function edges(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const file of sourceFiles(src)) {
    const from = unitOf(path.relative(src, file));
    for (const spec of specifiers(fs.readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const to = unitOf(path.relative(src, path.resolve(path.dirname(file), spec)));
      if (to === from) continue;
      const key = `${from} -> ${to}`;
      out.set(key, [...(out.get(key) ?? []), path.relative(src, file)]);
    }
  }
  return out;
}

test('every folder and top-level file of src/ has a layer', () => {
  const units = new Set(sourceFiles(src).map((f) => unitOf(path.relative(src, f))));
  const missing = [...units].filter((u) => !rank.has(u));
  assert.equal(missing, [], `give these a layer in test/unit/layers.test.ts: ${missing.join(', ')}`);
});

test('imports only go to lower layers (no back edge, no folder cycle)', () => {
  const all = edges();
  assert.ok(all.size > 20, `the import scan found the edges (${all.size})`);
  const bad = [...all].filter(([key]) => {
    const [from, to] = key.split(' -> ') as [string, string];
    return (rank.get(to) ?? -1) >= (rank.get(from) ?? -1);
  });
  assert.equal(bad.map(([k, files]) => `${k} (${files.join(', ')})`), []);
});

test('the check itself sees a back edge', () => {
  // model is the bottom of the stages: an import of plan from it would be a back edge.
  assert.ok((rank.get('plan') ?? 0) >= (rank.get('model') ?? 0));
  assert.equal(specifiers(`import type { Plan } from '../plan/plan.js';\nconst m = await import('../x/y.js');\nexport { a } from './b.js';`), [
    '../plan/plan.js',
    '../x/y.js',
    './b.js',
  ]);
});

test.run();
