/**
 * Edit distance with adjacent transpositions (optimal string alignment):
 * insertions, deletions, substitutions and swaps of two neighbours each count 1,
 * so the typos `stepps` and `maen` are 1 away from `steps` and `mean`.
 *
 * @example
 * editDistance('stepps', 'steps'); // 1
 * editDistance('maen', 'mean');    // 1
 */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)];
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, row[j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      row.push(d);
    }
    rows.push(row);
  }
  return rows[a.length]![b.length]!;
}

/** Case, `_` and `-` do not count: `min_margin`, `MinMargin` and `minMargin` are the same key. */
const normalize = (s: string): string => s.toLowerCase().replace(/[_-]/g, '');

/**
 * The candidate closest to `word` by edit distance (ignoring case, `_` and
 * `-`, so deel-lip's snake_case names find their camelCase forms), or
 * `undefined` when none is within a third of the longer length (at least 1)
 * and shares at least one letter's worth with it.
 *
 * @example
 * closestMatch('disjointHead', ['lipschitzConstant', 'disjointHeads']); // 'disjointHeads'
 * closestMatch('min_margin', ['alpha', 'minMargin']);                   // 'minMargin'
 * closestMatch('zzz', ['alpha']);                                        // undefined
 */
export function closestMatch(word: string, candidates: readonly string[]): string | undefined {
  const w = normalize(word);
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const n = normalize(c);
    const d = editDistance(w, n);
    const limit = Math.max(1, Math.floor(Math.max(w.length, n.length) / 3));
    if (d <= limit && d < Math.min(w.length, n.length) && d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}
