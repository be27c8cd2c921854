#!/usr/bin/env node
// Bundles the CLI into dist/bundle/ with esbuild, after tsc has type-checked and emitted dist/. Node then loads a
// few files instead of some 400 (zod alone is 227 modules): at start-up that is ~40 ms of a no-op build. Each lazy
// `import()` of the CLI (a command, the report) stays lazy as a chunk of its own. jiti and nunjucks stay outside:
// they are CommonJS, large, and only loaded when a TypeScript config or a report needs them; so does hasha (below).
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Chunk names carry hashes: clear the folder so no chunk of an earlier build lingers.
fs.rmSync(path.join(root, 'dist/bundle'), { recursive: true, force: true });
await build({
  entryPoints: [path.join(root, 'src/cli.ts')],
  outdir: path.join(root, 'dist/bundle'),
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  // hasha hashes in a worker thread whose file it finds beside its own: it must stay a file of its package.
  external: ['jiti', 'nunjucks', 'hasha'],
  // Bundled CommonJS dependencies (fast-glob, picomatch, pngjs) call require() for Node's own modules.
  banner: { js: "import { createRequire as __mreorgRequire } from 'node:module'; const require = __mreorgRequire(import.meta.url);" },
  logLevel: 'warning',
});
