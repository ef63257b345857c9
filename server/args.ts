// "Did you mean ...?" for mistyped command-line words (the CLI's options and commands, the server's flags).
// No imports: the CLI loads this on every admin command.

/** Optimal string alignment distance: inserting, deleting or replacing a character, or swapping two adjacent ones, costs 1. */
export function editDistance(a: string, b: string): number {
  // d[i][j]: distance between the first i characters of a and the first j of b; three rows are enough.
  let prev2: number[] = [];
  let prev: number[] = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2]! + 1);
      row.push(d);
    }
    prev2 = prev;
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * The candidate `word` most likely stands for: the nearest one when it is a plausible typo
 * (one edit for short words, up to a third of the word's length, at most 3), else the only
 * candidate it abbreviates (3 characters or more); undefined when nothing is close.
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(w, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  if (best !== undefined && bestDistance <= Math.min(3, Math.max(1, Math.floor(w.length / 3)))) return best;
  if (w.length >= 3) {
    const abbreviated = candidates.filter((c) => c.toLowerCase().startsWith(w));
    if (abbreviated.length === 1) return abbreviated[0];
  }
  return undefined;
}
