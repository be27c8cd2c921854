#!/usr/bin/env node
// Writes src/util/checks.generated.ts: plain predicates generated from the zod schemas of the config, the
// `# mreorg:` header and the ledger (see src/util/quick-check.ts). Run by `npm run gen` after a schema changes;
// test/unit/checks.test.ts fails while the file is out of date.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => import(path.join(root, 'dist', p));
const { generatedChecks } = await dist("ledger/checks-source.js");
const out = path.join(root, 'src/util/checks.generated.ts');
fs.writeFileSync(out, await generatedChecks());
console.log(`wrote ${path.relative(root, out)}`);
