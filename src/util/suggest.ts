/**
 * "Did you mean" for mistyped commands and options: the nearest known name by edit distance (a swap of two
 * neighbouring letters counts as one edit, so `biuld` is one edit from `build`), else the one name the word is a
 * prefix of. Pure, so the CLI's wording is tested apart from cac.
 */

/** Optimal-string-alignment distance: insertions, deletions, substitutions and adjacent swaps cost 1 each. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The candidate `word` was most likely meant as, or undefined when none is close. Close: at most one edit for
 * words under five letters (dashes not counted), two for longer ones; failing that, the only candidate that
 * starts with `word`.
 */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  const letters = word.replace(/^-+/, '').length;
  const limit = letters < 5 ? 1 : 2;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const dist = editDistance(word, c);
    if (dist > 0 && dist <= limit && dist < bestDistance) [best, bestDistance] = [c, dist];
  }
  if (best !== undefined) return best;
  const extending = candidates.filter((c) => c !== word && c.startsWith(word));
  return letters >= 2 && extending.length === 1 ? extending[0] : undefined;
}

/** ` Did you mean "x"?` or nothing: appended to an "Unknown ..." message. */
export function suggestion(word: string, candidates: readonly string[]): string {
  const near = didYouMean(word, candidates);
  return near === undefined ? '' : ` Did you mean "${near}"?`;
}
