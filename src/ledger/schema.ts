/**
 * The shape of ledger.json, checked with zod as the config is (src/config/schema.ts). A file that parses as JSON
 * is still not necessarily a ledger: `[]`, `null`, `{}`, `"version": "1"` or `"latest": "x"` are something else,
 * and used as a ledger they crash mreorg or lose runs. The schema is tied to the TypeScript types the rest of
 * mreorg uses (types.ts, LedgerData) by a compile-time check below, so the two cannot drift apart.
 */
import { z } from 'zod';
import type { LedgerData } from './ledger.js';
import type { Fingerprint, LatestEntry } from '../model/entry.js';

const digests = z.record(z.string(), z.string().nullable());

export const fingerprintSchema = z.object({
  hash: z.string(),
  env: z.record(z.string(), z.string().nullable()),
  argv: z.array(z.string()),
  python: z.string(),
  modules: digests,
  data: digests,
  packages: z.record(z.string(), z.string()),
  timeout: z.number().nullable().optional(),
});

export const latestEntrySchema = z.object({
  runId: z.string(),
  result: z.enum(['success', 'failed', 'timeout', 'interrupted']),
  startedAt: z.string(),
  durationMs: z.number(),
  fingerprint: fingerprintSchema,
  writes: z.array(z.string()),
  figures: z.number(),
  error: z.object({ type: z.string(), message: z.string() }).nullable(),
  job: z
    .object({ executor: z.literal('slurm'), id: z.string(), node: z.string().nullable(), queuedMs: z.number().nullable(), state: z.string(), reason: z.string().optional() })
    .optional(),
  changed: z.object({ against: z.enum(['baseline', 'previous']), changes: z.number() }).optional(),
});

/** `version` is checked before (a higher number is a newer mreorg's ledger, refused rather than called broken). */
export const ledgerSchema = z.object({
  version: z.number().int().min(1),
  tracked: z.array(z.string()).default([]),
  untracked: z.array(z.string()).default([]),
  /** path -> runconfig -> latest entry */
  latest: z.record(z.string(), z.record(z.string(), latestEntrySchema)).default({}),
});

// Compile-time: each schema describes exactly its type (a field added to one and not the other fails `tsc`).
// Required<>: an optional field present on one side only must fail too.
type Same<A, B> = [Required<A>] extends [Required<B>] ? ([Required<B>] extends [Required<A>] ? true : false) : false;
const sameFingerprint: Same<z.output<typeof fingerprintSchema>, Fingerprint> = true;
const sameEntry: Same<z.output<typeof latestEntrySchema>, LatestEntry> = true;
const sameLedger: Same<z.output<typeof ledgerSchema>, LedgerData> = true;
void [sameFingerprint, sameEntry, sameLedger];

/**
 * A plain predicate equivalent to `schema.safeParse(x).success`, generated from the schema's definition as one
 * JavaScript function: zod costs microseconds per object, which at 10,000 latest entries would be a large share
 * of a no-op build, and this costs about what JSON.parse takes to make those objects. Only the kinds of node the
 * ledger uses are compiled; any other node (one with checks, such as `int().min(1)`) asks zod itself, so the
 * predicate cannot accept what the schema rejects.
 */
export function compileCheck(schema: z.ZodType): (x: unknown) => boolean {
  const delegated: z.ZodType[] = [];
  const enums: Set<unknown>[] = [];
  let n = 0;
  const fresh = (): string => `v${n++}`;
  /** Statements that `return false` unless the value in variable `v` matches `node`. */
  const emit = (node: z.ZodType, v: string): string => {
    const def = node.def as { type: string; checks?: unknown[] } & Record<string, any>;
    const plain = !def.checks || def.checks.length === 0;
    switch (def.type) {
      case 'string':
        if (plain) return `if (typeof ${v} !== 'string') return false;`;
        break;
      case 'number':
        if (plain) return `if (typeof ${v} !== 'number' || !Number.isFinite(${v})) return false;`;
        break;
      case 'enum':
        enums.push(new Set(Object.values(def.entries as Record<string, unknown>)));
        return `if (!E[${enums.length - 1}].has(${v})) return false;`;
      case 'nullable':
        return `if (${v} !== null) { ${emit(def.innerType, v)} }`;
      case 'default':
      case 'optional':
        return `if (${v} !== undefined) { ${emit(def.innerType, v)} }`;
      case 'array': {
        if (!plain) break;
        const [i, item] = [fresh(), fresh()];
        return `if (!Array.isArray(${v})) return false; for (let ${i} = 0; ${i} < ${v}.length; ${i}++) { const ${item} = ${v}[${i}]; ${emit(def.element, item)} }`;
      }
      case 'record': {
        const key = def.keyType.def as { type: string; checks?: unknown[] };
        if (!plain || key.type !== 'string' || (key.checks ?? []).length > 0) break;
        const [k, item] = [fresh(), fresh()];
        return `if (!isObject(${v})) return false; for (const ${k} in ${v}) { const ${item} = ${v}[${k}]; ${emit(def.valueType, item)} }`;
      }
      case 'object': {
        if (!plain || def.catchall) break;
        const fields = Object.entries(def.shape as Record<string, z.ZodType>).map(([name, field]) => {
          const item = fresh();
          return `const ${item} = ${v}[${JSON.stringify(name)}]; ${emit(field, item)}`;
        });
        return `if (!isObject(${v})) return false; ${fields.join(' ')}`;
      }
    }
    delegated.push(node);
    return `if (!D[${delegated.length - 1}].safeParse(${v}).success) return false;`;
  };
  const body = `${emit(schema, 'x')} return true;`;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the source is made above from the schema alone
  return new Function('isObject', 'E', 'D', `return function check(x) { ${body} };`)(isObject, enums, delegated);
}

export type Checked =
  | { kind: 'ok'; data: LedgerData; dropped: string[] }
  | { kind: 'newer'; version: number }
  | { kind: 'invalid'; reason: string };

/**
 * What a parsed ledger.json is. A wrong top level (not an object, no numeric version, `tracked` not a list...)
 * makes the whole file `invalid`. An entry of `latest` the schema rejects is dropped and named in `dropped`: one
 * script then runs again, the others keep their state.
 */
export function checkLedger(raw: unknown, ourVersion: number): Checked {
  const version = isObject(raw) ? raw.version : undefined;
  if (typeof version === 'number' && version > ourVersion) return { kind: 'newer', version };
  if (isObject(raw) && isLedger(raw)) {
    // The entries are as the schema wants them: zod only fills the defaults of the top level (cheap).
    const top = ledgerSchema.parse({ ...raw, latest: {} });
    return { kind: 'ok', data: { ...top, latest: (raw.latest as LedgerData['latest'] | undefined) ?? top.latest }, dropped: [] };
  }
  const first = ledgerSchema.safeParse(raw);
  if (first.success) return { kind: 'ok', data: first.data, dropped: [] };
  const bad = new Map<string, string>();
  for (const issue of first.error.issues) {
    const [top, script, runconfig] = issue.path;
    if (top !== 'latest' || typeof script !== 'string') return { kind: 'invalid', reason: describe(issue) };
    const key = JSON.stringify(typeof runconfig === 'string' ? [script, runconfig] : [script]);
    if (!bad.has(key)) bad.set(key, describe(issue));
  }
  const latest = { ...((raw as { latest: Record<string, Record<string, unknown>> }).latest) };
  const dropped: string[] = [];
  for (const [key, why] of bad) {
    const [script, runconfig] = JSON.parse(key) as [string, string?];
    const rest = runconfig === undefined ? {} : Object.fromEntries(Object.entries(latest[script]!).filter(([rc]) => rc !== runconfig));
    if (Object.keys(rest).length === 0) delete latest[script];
    else latest[script] = rest;
    dropped.push(`${script}${runconfig === undefined ? '' : ` under ${runconfig}`} (${why})`);
  }
  const second = ledgerSchema.safeParse({ ...(raw as object), latest });
  if (!second.success) return { kind: 'invalid', reason: describe(second.error.issues[0]!) };
  return { kind: 'ok', data: second.data, dropped };
}

const isLedger = compileCheck(ledgerSchema);

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** One issue as a line: where in the file, and what is wrong there. */
function describe(issue: z.core.$ZodIssue): string {
  const where = issue.path.length ? issue.path.map(String).join('.') : 'the file';
  return `${where}: ${issue.message}`;
}
