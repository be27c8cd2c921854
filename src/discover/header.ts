/**
 * The `# mreorg:` header: per-script settings that travel with the script, in a comment among its first 20 lines.
 *
 * @example
 * # mreorg: timeout=3600 expect=fail
 * # mreorg: cpus=4 mem=8G partition=long
 * # mreorg: argv="--quick --n 3" env.MF_QUICK=1 env.DISPLAY=null
 */
import type { ScriptSettings } from '../model/settings.js';
import { isScriptSettingsShape } from '../util/checks.generated.js';

export const HEADER_LINES = 20;
const HEADER = /^\s*#\s*mreorg:(.*)$/;

/** A header that cannot be read: the line and what is wrong. */
export interface HeaderProblem {
  line: number;
  message: string;
}

/** Settings from the header lines of a script's text (its first HEADER_LINES lines), or a problem. */
export async function parseHeader(text: string): Promise<{ settings: ScriptSettings | null } | { problem: HeaderProblem }> {
  // Any line ending: a script saved on Windows has its header lines end in \r\n.
  const lines = text.split(/\r?\n/, HEADER_LINES);
  const raw: Record<string, unknown> = {};
  let found = false;
  for (let i = 0; i < lines.length; i++) {
    const m = HEADER.exec(lines[i]!);
    if (!m) continue;
    found = true;
    const problem = addPairs(raw, m[1]!);
    if (problem) return { problem: { line: i + 1, message: problem } };
  }
  if (!found) return { settings: null };
  if (isScriptSettingsShape(raw)) return { settings: raw as ScriptSettings };
  const { scriptSettingsSchema } = await import('../config/schema.js');
  const parsed = scriptSettingsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { problem: { line: lines.findIndex((l) => HEADER.test(l)) + 1, message: `${issue.path.join('.') || 'header'}: ${issue.message}` } };
  }
  return { settings: parsed.data as ScriptSettings };
}

/** Adds `key=value` pairs to `raw`; returns what is wrong, or null. */
function addPairs(raw: Record<string, unknown>, rest: string): string | null {
  const words = splitWords(rest);
  if (words === null) return 'an unclosed quote';
  for (const word of words) {
    const eq = word.indexOf('=');
    if (eq <= 0) return `"${word}" is not key=value (keys: timeout, expect, argv, env.NAME, warm, cpus, mem, partition)`;
    const key = word.slice(0, eq);
    const value = word.slice(eq + 1);
    if (key === 'timeout') raw.timeout = value === 'none' || value === 'null' ? null : Number(value);
    else if (key === 'expect') raw.expect = value;
    else if (key === 'cpus') raw.cpus = Number(value);
    else if (key === 'mem' || key === 'partition') raw[key] = value;
    else if (key === 'warm') raw.warm = value === 'false' ? false : value === 'true' ? true : value;
    else if (key === 'argv') raw.argv = splitWords(value) ?? [value];
    else if (key.startsWith('env.') && key.length > 4) {
      raw.env = { ...(raw.env as Record<string, string | null> | undefined), [key.slice(4)]: value === 'null' ? null : value };
    } else return `unknown key "${key}" (keys: timeout, expect, argv, env.NAME, warm, cpus, mem, partition)`;
  }
  return null;
}

/** Splits on spaces, keeping "double" or 'single' quoted runs together (quotes removed); null on an open quote. */
export function splitWords(s: string): string[] | null {
  const out: string[] = [];
  let cur = '';
  let quote: string | null = null;
  let has = false;
  for (const ch of s) {
    if (quote) {
      if (ch === quote) quote = null;
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      has = true;
    } else if (/\s/.test(ch)) {
      if (has || cur) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += ch;
      has = true;
    }
  }
  if (quote) return null;
  if (has || cur) out.push(cur);
  return out;
}
