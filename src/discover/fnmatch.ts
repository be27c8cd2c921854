/**
 * Python's fnmatch, as the original's FILENAME_EXCLUDES used it: `*` matches any run of characters (slashes
 * included), `?` one character, `[seq]` / `[!seq]` a set. Case-sensitive (fnmatchcase), as on Linux.
 */
export function fnmatchToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end === -1) {
        re += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, end);
      if (body.startsWith('!')) body = '^' + body.slice(1);
      re += '[' + body.replace(/\\/g, '\\\\') + ']';
      i = end;
    } else re += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp('^' + re + '$', 's');
}

/** A matcher for a list of fnmatch patterns, compiled once. */
export function fnmatchAny(patterns: string[]): (candidate: string) => boolean {
  const res = patterns.map(fnmatchToRegExp);
  return (candidate) => res.some((r) => r.test(candidate));
}
