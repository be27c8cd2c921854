/**
 * A Python module's docstring, read from the source text without running Python: the first statement, when it is
 * a string literal (after comments, blank lines and a shebang/encoding line). Docstrings are often reST or
 * Markdown (sphinx-gallery examples start with a title underlined by `=====`); the report shows them as plain
 * text, so the markup is taken out.
 */
export function moduleDocstring(source: string): string {
  const m = /^(?:\s*(?:#[^\n]*)?\n)*\s*[rRuU]?("""|''')([\s\S]*?)\1/.exec(source);
  if (m) return dedent(m[2]!).trim();
  const single = /^(?:\s*(?:#[^\n]*)?\n)*\s*[rRuU]?("|')((?:\\.|(?!\1)[^\\\n])*)\1/.exec(source);
  return single ? single[2]!.trim() : '';
}

function dedent(s: string): string {
  const lines = s.split('\n');
  const indents = lines.slice(1).filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length);
  const n = indents.length ? Math.min(...indents) : 0;
  return [lines[0]!.trim(), ...lines.slice(1).map((l) => l.slice(n))].join('\n');
}

/** A reST section adornment or a Markdown rule: one punctuation character repeated, `=====`, `-----`, `***`. */
const ADORNMENT = /^\s*([!-/:-@[-`{-~])\1{2,}\s*$/;
/** reST explicit markup: `.. note::`, `.. _label:`, `.. image:: x.png`, a comment. */
const EXPLICIT_MARKUP = /^\s*\.\.(?:\s|$)/;

/**
 * The docstring as plain text: underline and overline rows and reST directives dropped, Markdown heading marks
 * and inline markup (emphasis, literals, roles, links) reduced to their text; paragraphs kept.
 * @example cleanDocstring('Raster\n======\n\nPlots **spikes** of `net`.') => 'Raster\n\nPlots spikes of net.'
 */
export function cleanDocstring(doc: string): string {
  const lines: string[] = [];
  for (const line of doc.split('\n')) {
    if (ADORNMENT.test(line) || EXPLICIT_MARKUP.test(line) || line.trim() === '::') continue;
    const heading = /^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line);
    lines.push(inlineText(heading ? heading[1]! : line).replace(/::\s*$/, ':'));
  }
  return lines.join('\n').replace(/\n\s*\n(?:\s*\n)+/g, '\n\n').trim();
}

function inlineText(line: string): string {
  return line
    .replace(/!?\[([^\]\n]*)\]\([^)\n]*\)/g, '$1') // Markdown links and images
    .replace(/:[\w.+-]+(?::[\w.+-]+)*:`([^`\n]+)`/g, (_, text: string) => targetText(text)) // :func:`x`, :ref:`t <l>`
    .replace(/``([^`\n]+)``/g, '$1') // ``literal``
    .replace(/`([^`\n]+)`__?/g, (_, text: string) => targetText(text)) // `text <url>`_
    .replace(/`([^`\n]+)`/g, '$1') // `literal`, *interpreted*
    .replace(/(\*\*|__)(?=\S)([^\n]*?\S)\1/g, '$2') // **strong**
    .replace(/(^|[^\w*])\*(?=[^\s*])([^*\n]*?[^\s*])\*(?![\w*])/g, '$1$2') // *emphasis*, not a * b
    .replace(/(^|[\s(])_(?=[^\s_])([^_\n]*?[^\s_])_(?=$|[\s).,;:!?])/g, '$1$2'); // _emphasis_, not snake_case
}

/** `text <target>` -> text (a reST hyperlink or cross-reference with an explicit title). */
function targetText(text: string): string {
  const titled = /^(.*?)\s*<[^<>]+>$/.exec(text);
  return titled && titled[1] ? titled[1] : text;
}

/** Longest summary, in characters: the overview shows two lines of it. */
const SUMMARY_MAX = 300;

/**
 * The line lists show of a docstring (already cleaned): its first paragraph on one line; when that is a title
 * (one short line, no closing punctuation), the title and the paragraph after it.
 * @example docSummary('Raster\n\nPlots spikes.\n\nDetails.') => 'Raster — Plots spikes.'
 */
export function docSummary(doc: string): string {
  const paragraphs = doc
    .split(/\n\s*\n/)
    .map((p) => p.split('\n').map((l) => l.trim()).filter(Boolean))
    .filter((lines) => lines.length > 0);
  const [first, second] = paragraphs;
  if (!first) return '';
  const title = second !== undefined && first.length === 1 && first[0]!.length <= 80 && !/[.!?:;,]$/.test(first[0]!);
  const text = title ? `${first[0]} — ${second.join(' ')}` : first.join(' ');
  return text.length > SUMMARY_MAX ? `${text.slice(0, SUMMARY_MAX - 1).trimEnd()}…` : text;
}
