/**
 * zod, loaded on first use. Configs, ledgers and headers are first checked by predicates generated from their
 * schemas (checks.generated.ts), which accept everything mreorg wrote and everything a user wrote right; zod itself
 * (~30 ms to load and build its schemas, a tenth of a no-op build of 10,000 scripts) is needed only to say what is
 * wrong. require() keeps it usable from synchronous code; Node resolves it from mreorg's own dependencies.
 */
import { createRequire } from 'node:module';
import type { z as Z } from 'zod';

let loaded: typeof Z | undefined;

export function zod(): typeof Z {
  return (loaded ??= (createRequire(import.meta.url)('zod') as { z: typeof Z }).z);
}
