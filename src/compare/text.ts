/**
 * Two runs' stdout compared as a unified diff (jsdiff's diff of the lines, formatted here as hunks with three
 * lines of context). With a number tolerance, lines that differ only in numbers within that relative tolerance
 * are equal: `loss 0.30000001` and `loss 0.3` are the same result. Pure.
 */
import { diffArrays } from 'diff';

/** Longest diff kept (characters): it is stored with the run and shown in the report. */
export const MAX_DIFF_CHARS = 64 * 1024;
/** Past this many edits the diff is not worth computing line by line: the output is simply different. */
const MAX_EDITS = 5000;
const CONTEXT = 3;

export interface TextDiff {
  /** Unified diff (`---`/`+++` header, `@@` hunks). */
  diff: string;
  /** Lines removed + added. */
  lines: number;
}

interface Op {
  op: ' ' | '-' | '+';
  text: string;
}

/** null when the two texts are equal (numbers within `numberTolerance` counting as equal). */
export function diffText(before: string, after: string, numberTolerance = 0): TextDiff | null {
  if (before === after) return null;
  const a = splitLines(before);
  const b = splitLines(after);
  const parts = diffArrays(a, b, { comparator: (l, r) => l === r || linesMatch(l, r, numberTolerance), maxEditLength: MAX_EDITS });
  if (parts === undefined) {
    return { diff: `--- before\n+++ after\n@@ the output differs in more than ${MAX_EDITS} lines @@\n`, lines: a.length + b.length };
  }
  const ops: Op[] = parts.flatMap((p) => p.value.map((text): Op => ({ op: p.added ? '+' : p.removed ? '-' : ' ', text })));
  const lines = ops.filter((o) => o.op !== ' ').length;
  if (lines === 0) return null;
  const text = ['--- before', '+++ after', ...hunks(ops)].join('\n') + '\n';
  return { diff: text.length > MAX_DIFF_CHARS ? `${text.slice(0, MAX_DIFF_CHARS)}\n... (diff cut at ${MAX_DIFF_CHARS} characters)\n` : text, lines };
}

/** The edits with CONTEXT lines around them, as `@@ -a,n +b,m @@` hunks (edits closer than 2*CONTEXT share one). */
function hunks(ops: Op[]): string[] {
  const out: string[] = [];
  const edits = ops.flatMap((o, i) => (o.op === ' ' ? [] : [i]));
  let k = 0;
  while (k < edits.length) {
    let end = k;
    while (end + 1 < edits.length && edits[end + 1]! - edits[end]! <= 2 * CONTEXT) end++;
    const from = Math.max(0, edits[k]! - CONTEXT);
    const to = Math.min(ops.length, edits[end]! + CONTEXT + 1);
    // Line numbers where the hunk starts, on each side.
    let aLine = 1;
    let bLine = 1;
    for (const o of ops.slice(0, from)) {
      if (o.op !== '+') aLine++;
      if (o.op !== '-') bLine++;
    }
    const body = ops.slice(from, to);
    const aLen = body.filter((o) => o.op !== '+').length;
    const bLen = body.filter((o) => o.op !== '-').length;
    out.push(`@@ -${aLen ? aLine : aLine - 1},${aLen} +${bLen ? bLine : bLine - 1},${bLen} @@`, ...body.map((o) => o.op + o.text));
    k = end + 1;
  }
  return out;
}

function splitLines(s: string): string[] {
  if (s === '') return [];
  const lines = s.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

const NUMBER = /[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/g;

/** Same text around the numbers, and each pair of numbers equal within the relative tolerance. */
export function linesMatch(l: string, r: string, tolerance: number): boolean {
  if (tolerance <= 0) return l === r;
  if (l.replace(NUMBER, '#') !== r.replace(NUMBER, '#')) return false;
  const a = l.match(NUMBER) ?? [];
  const b = r.match(NUMBER) ?? [];
  return a.length === b.length && a.every((x, i) => numbersMatch(Number(x), Number(b[i]), tolerance));
}

function numbersMatch(a: number, b: number, tolerance: number): boolean {
  if (a === b) return true;
  return Math.abs(a - b) <= tolerance * Math.max(Math.abs(a), Math.abs(b));
}
