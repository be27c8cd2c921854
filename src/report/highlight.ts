/**
 * Python syntax highlighting for the script page. Escape first, then wrap: the source is split into tokens, each
 * token's text is HTML-escaped, and only then wrapped in a `<span class>` whose class comes from a fixed list.
 * So nothing in the source can become markup, whatever it contains.
 *
 * A scanner, not a parser: it knows comments, strings (all prefixes, triple quotes), numbers, keywords,
 * builtins, decorators and the names after `def`/`class`. Good enough to read code; wrong guesses cost colour only.
 */
import { escapeHtml } from './escape.js';

/** Token classes; the CSS in templates/assets/report.css colours them. */
export type TokenClass = 'k' | 'b' | 's' | 'c' | 'n' | 'd' | 'f' | '';

export interface Token {
  cls: TokenClass;
  text: string;
}

const KEYWORDS = new Set(
  ('False None True and as assert async await break class continue def del elif else except finally for from ' +
    'global if import in is lambda nonlocal not or pass raise return try while with yield match case').split(' '),
);
const BUILTINS = new Set(
  ('abs all any bool bytes callable chr dict dir divmod enumerate filter float format frozenset getattr hasattr ' +
    'hash hex id input int isinstance issubclass iter len list map max min next object open ord pow print ' +
    'property range repr reversed round set setattr slice sorted staticmethod classmethod str sum super tuple ' +
    'type vars zip self cls Exception ValueError TypeError KeyError IndexError RuntimeError').split(' '),
);

const IDENT_START = /[\p{L}_]/u;
const IDENT_PART = /[\p{L}\p{N}_]/u;
const NUMBER = /0[xXoObB][\da-fA-F_]+|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?[jJ]?/y;

/**
 * Splits Python source into tokens; concatenating their text gives back the source exactly. A hand-written
 * scanner (one pass, char codes): a regex alternation with Unicode classes was 5x slower on 10k scripts.
 */
export function tokenizePython(source: string): Token[] {
  const tokens: Token[] = [];
  const n = source.length;
  let i = 0;
  let plainStart = 0; // start of the pending run of plain text
  let previousWord = '';
  const emit = (cls: TokenClass, end: number) => {
    if (plainStart < i) tokens.push({ cls: '', text: source.slice(plainStart, i) });
    tokens.push({ cls, text: source.slice(i, end) });
    i = plainStart = end;
  };
  while (i < n) {
    const c = source.charCodeAt(i);
    if (c === 35 /* # */) {
      const eol = source.indexOf('\n', i);
      emit('c', eol < 0 ? n : eol);
      previousWord = '';
    } else if (c === 34 || c === 39 /* " ' */) {
      emit('s', stringEnd(source, i));
      previousWord = '';
    } else if (isDigit(c) || (c === 46 /* . */ && isDigit(source.charCodeAt(i + 1)))) {
      NUMBER.lastIndex = i;
      NUMBER.test(source);
      emit('n', Math.max(NUMBER.lastIndex, i + 1));
      previousWord = '';
    } else if (c === 64 /* @ */ && isIdentStart(source, i + 1)) {
      let end = identEnd(source, i + 1);
      while (source.charCodeAt(end) === 46 && isIdentStart(source, end + 1)) end = identEnd(source, end + 1);
      emit('d', end);
    } else if (isIdentStart(source, i)) {
      const end = identEnd(source, i);
      const quote = source.charCodeAt(end);
      const word = source.slice(i, end);
      if ((quote === 34 || quote === 39) && end - i <= 2 && /^[rRbBuUfF]+$/.test(word)) {
        emit('s', stringEnd(source, end)); // a prefixed string: rb'...', f"..."
        previousWord = '';
        continue;
      }
      const cls: TokenClass =
        previousWord === 'def' || previousWord === 'class' ? 'f' : KEYWORDS.has(word) ? 'k' : BUILTINS.has(word) ? 'b' : '';
      if (cls) emit(cls, end);
      else i = end;
      previousWord = word;
    } else {
      if (c !== 32 && c !== 9 && c !== 10 && c !== 13) previousWord = '';
      i++;
    }
  }
  if (plainStart < n) tokens.push({ cls: '', text: source.slice(plainStart) });
  return tokens;
}

/** End (exclusive) of the string literal whose opening quote is at `start`; unterminated ends at line/file end. */
function stringEnd(source: string, start: number): number {
  const q = source[start]!;
  if (source.startsWith(q + q + q, start)) {
    const close = source.indexOf(q + q + q, start + 3);
    // Escaped quotes inside triple-quoted strings are rare enough to ignore for colouring purposes.
    return close < 0 ? source.length : close + 3;
  }
  for (let i = start + 1; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') i++;
    else if (c === q) return i + 1;
    else if (c === '\n') return i;
  }
  return source.length;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isIdentStart(source: string, i: number): boolean {
  const c = source.charCodeAt(i);
  if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95) return true;
  return c >= 128 && IDENT_START.test(String.fromCodePoint(source.codePointAt(i)!));
}

function identEnd(source: string, i: number): number {
  let j = i;
  while (j < source.length) {
    const c = source.charCodeAt(j);
    if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95) j++;
    else if (c >= 128) {
      const ch = String.fromCodePoint(source.codePointAt(j)!);
      if (!IDENT_PART.test(ch)) break;
      j += ch.length;
    } else break;
  }
  return Math.max(j, i + 1);
}

/**
 * Highlights Python source as one HTML string per line (no trailing newline), each with balanced spans: a token
 * spanning lines (a docstring) is closed at each line end and reopened on the next line.
 */
export function highlightPythonLines(source: string): string[] {
  const lines: string[] = [];
  let current = '';
  for (const token of tokenizePython(source.replace(/\r\n?/g, '\n'))) {
    let text = token.text;
    for (;;) {
      const eol = text.indexOf('\n');
      const piece = eol < 0 ? text : text.slice(0, eol);
      if (piece) current += token.cls ? `<span class="${token.cls}">${escapeHtml(piece)}</span>` : escapeHtml(piece);
      if (eol < 0) break;
      lines.push(current);
      current = '';
      text = text.slice(eol + 1);
    }
  }
  lines.push(current);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop(); // the file's final newline is not a line
  return lines;
}

/** Files larger than this are shown escaped but not highlighted: the tokenizer is linear, the page is not. */
export const HIGHLIGHT_LIMIT = 512 * 1024;

/**
 * The script page's code block: one `<span class="line" id="L{n}">` per line with a link to itself (the number
 * is drawn by CSS from data-n, so copying the code does not copy line numbers).
 */
export function renderSourceHtml(source: string): string {
  const lines =
    source.length > HIGHLIGHT_LIMIT
      ? source.replace(/\r\n?/g, '\n').replace(/\n$/, '').split('\n').map(escapeHtml)
      : highlightPythonLines(source);
  let html = '';
  for (let i = 0; i < lines.length; i++) {
    const n = i + 1;
    // The newline sits inside the block-level line, so copying keeps line breaks without doubling them.
    html += `<span class="line" id="L${n}"><a class="ln" href="#L${n}" data-n="${n}"></a>${lines[i]}\n</span>`;
  }
  return html;
}
