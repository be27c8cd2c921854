/**
 * The shape of ledger.json, checked with zod as the config is (src/config/schema.ts). A file that parses as JSON
 * is still not necessarily a ledger: `[]`, `null`, `{}`, `"version": "1"` or `"latest": "x"` are something else,
 * and used as a ledger they crash mreorg or lose runs. The schema is tied to the TypeScript types the rest of
 * mreorg uses (types.ts, LedgerData) by a compile-time check below, so the two cannot drift apart.
 */
import type { z } from 'zod';
import type { LedgerData } from './ledger.js';
import type { Fingerprint, LatestEntry } from '../model/entry.js';
import { isLedgerShape } from '../util/checks.generated.js';
import { zod } from '../util/zod.js';

/** The schemas, built from zod when first needed (see util/zod.ts: a good ledger never needs them). */
export function ledgerSchemasOf(z: typeof import('zod').z) {
  const digests = z.record(z.string(), z.string().nullable());

  const fingerprintSchema = z.object({
    hash: z.string(),
    env: z.record(z.string(), z.string().nullable()),
    argv: z.array(z.string()),
    python: z.string(),
    modules: digests,
    data: digests,
    packages: z.record(z.string(), z.string()),
    timeout: z.number().nullable().optional(),
  });

  const latestEntrySchema = z.object({
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
  const ledgerSchema = z.object({
    version: z.number().int().min(1),
    tracked: z.array(z.string()).default([]),
    untracked: z.array(z.string()).default([]),
    monitors: z.array(z.string()).default([]),
    /** path -> runconfig -> latest entry */
    latest: z.record(z.string(), z.record(z.string(), latestEntrySchema)).default({}),
  });
  return { fingerprintSchema, latestEntrySchema, ledgerSchema };
}

type Schemas = ReturnType<typeof ledgerSchemasOf>;
let built: Schemas | undefined;
export const ledgerSchemas = (): Schemas => (built ??= ledgerSchemasOf(zod()));

// Compile-time: each schema describes exactly its type (a field added to one and not the other fails `tsc`).
// Required<>: an optional field present on one side only must fail too.
type Same<A, B> = [Required<A>] extends [Required<B>] ? ([Required<B>] extends [Required<A>] ? true : false) : false;
const sameFingerprint: Same<z.output<Schemas['fingerprintSchema']>, Fingerprint> = true;
const sameEntry: Same<z.output<Schemas['latestEntrySchema']>, LatestEntry> = true;
const sameLedger: Same<z.output<Schemas['ledgerSchema']>, LedgerData> = true;
void [sameFingerprint, sameEntry, sameLedger];

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
  if (isObject(raw) && isLedgerShape(raw)) {
    // As the schema wants it: only the top level's defaults are filled in (a test holds them to the schema's).
    const data = { version: raw.version, tracked: raw.tracked ?? [], untracked: raw.untracked ?? [], monitors: raw.monitors ?? [], latest: raw.latest ?? {} };
    return { kind: 'ok', data: data as LedgerData, dropped: [] };
  }
  const { ledgerSchema } = ledgerSchemas();
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

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** One issue as a line: where in the file, and what is wrong there. */
function describe(issue: z.core.$ZodIssue): string {
  const where = issue.path.length ? issue.path.map(String).join('.') : 'the file';
  return `${where}: ${issue.message}`;
}
