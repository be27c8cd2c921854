/**
 * Turns a zod schema into the source of a plain JavaScript predicate that is true only for values the schema
 * accepts unchanged. It is generated ahead of time (bin/gen-checks.mjs writes checks.generated.ts), so a no-op build
 * checks its config and its ledger without loading zod: at 10,000 ledger entries zod would cost milliseconds per
 * thousand objects and ~30 ms to load. A node kind or check it does not know compiles to `return false`: the
 * predicate may send a good value to zod for the full check, but never passes a bad one.
 */
import type { z } from 'zod';

interface Def {
  type: string;
  checks?: { _zod: { def: CheckDef } }[];
  [key: string]: any;
}

interface CheckDef {
  check: string;
  format?: string;
  minimum?: number;
  value?: number;
  inclusive?: boolean;
}

/** `export function NAME(x: any): boolean { ... }` for the schema; its constants' names start with `prefix`. */
export function checkSource(name: string, schema: z.ZodType, prefix: string): string {
  const consts: string[] = [];
  let n = 0;
  const fresh = (): string => `v${n++}`;
  /** A module-level constant holding `expr`; its name. */
  const constant = (expr: string): string => {
    const id = `${prefix}${consts.length}`;
    consts.push(`const ${id} = ${expr};`);
    return id;
  };
  /** Statements that `return false` unless the value in variable `v` matches `node`. */
  const emit = (node: z.ZodType, v: string): string => {
    const def = node.def as unknown as Def;
    const checks = checksOf(def, v);
    if (checks === null) return 'return false;';
    switch (def.type) {
      case 'string':
        return `if (typeof ${v} !== 'string') return false; ${checks}`;
      case 'number':
        return `if (typeof ${v} !== 'number' || !Number.isFinite(${v})) return false; ${checks}`;
      case 'boolean':
        return `if (typeof ${v} !== 'boolean') return false;`;
      case 'never':
        return 'return false;';
      case 'enum':
      case 'literal': {
        const values = def.type === 'enum' ? Object.values(def.entries as Record<string, unknown>) : (def.values as unknown[]);
        return `if (!${constant(`new Set(${JSON.stringify(values)})`)}.has(${v})) return false;`;
      }
      case 'nullable':
        return `if (${v} !== null) { ${emit(def.innerType, v)} }`;
      case 'default':
      case 'optional':
        return `if (${v} !== undefined) { ${emit(def.innerType, v)} }`;
      case 'array': {
        const [i, item] = [fresh(), fresh()];
        return `if (!Array.isArray(${v})) return false; ${checks} for (let ${i} = 0; ${i} < ${v}.length; ${i}++) { const ${item} = ${v}[${i}]; ${emit(def.element, item)} }`;
      }
      case 'record': {
        const [k, item] = [fresh(), fresh()];
        return `if (!isObject(${v})) return false; for (const ${k} in ${v}) { ${emit(def.keyType, k)} const ${item} = ${v}[${k}]; ${emit(def.valueType, item)} }`;
      }
      case 'object':
        return objectSource(def, v, { emit, fresh, constant });
    }
    return 'return false;';
  };
  const body = emit(schema, 'x');
  return `${consts.join('\n')}\nexport function ${name}(x: any): boolean {\n  ${body}\n  return true;\n}\n`;
}

/** The checks of a string, number or array as statements on `v`; null when one is of a kind not compiled. */
function checksOf(def: Def, v: string): string | null {
  const out: string[] = [];
  for (const c of def.checks ?? []) {
    const cd = c._zod.def;
    if (cd.check === 'min_length' && typeof cd.minimum === 'number') out.push(`if (${v}.length < ${cd.minimum}) return false;`);
    else if (cd.check === 'number_format' && cd.format === 'safeint') out.push(`if (!Number.isSafeInteger(${v})) return false;`);
    else if (cd.check === 'greater_than') out.push(`if (!(${v} ${cd.inclusive ? '>=' : '>'} ${cd.value})) return false;`);
    else if (cd.check === 'less_than') out.push(`if (!(${v} ${cd.inclusive ? '<=' : '<'} ${cd.value})) return false;`);
    else return null;
  }
  return out.join(' ');
}

interface Emitter {
  emit: (node: z.ZodType, v: string) => string;
  fresh: () => string;
  constant: (expr: string) => string;
}

function objectSource(def: Def, v: string, { emit, fresh, constant }: Emitter): string {
  const shape = def.shape as Record<string, z.ZodType>;
  const fields = Object.entries(shape).map(([name, field]) => {
    const item = fresh();
    return `const ${item} = ${v}[${JSON.stringify(name)}]; ${emit(field, item)}`;
  });
  const catchall = def.catchall as z.ZodType | undefined;
  // A strict object (catchall never) refuses other keys; a plain one ignores them; any other catchall asks zod.
  let others = '';
  if (catchall && (catchall.def as unknown as Def).type === 'never') {
    const [k, keys] = [fresh(), constant(`new Set(${JSON.stringify(Object.keys(shape))})`)];
    others = `for (const ${k} in ${v}) if (!${keys}.has(${k})) return false;`;
  } else if (catchall) return 'return false;';
  return `if (!isObject(${v})) return false; ${others} ${fields.join(' ')}`;
}
