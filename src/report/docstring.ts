/**
 * A Python module's docstring, read from the source text without running Python: the first statement, when it is
 * a string literal (after comments, blank lines and a shebang/encoding line).
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
