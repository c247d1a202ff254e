/** Lower-case and drop `_`/`-`, so `base_url` and `negative-prompt` match `baseUrl` and `negativePrompt`. */
function fold(word: string): string {
  return word.toLowerCase().replace(/[_-]/g, '');
}

/** Edits between two words, two swapped neighbours counting as one (`wiat` is one edit from `wait`). */
function distance(a: string, b: string): number {
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)];
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(rows[i - 1]![j]! + 1, row[j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        row[j] = Math.min(row[j]!, rows[i - 2]![j - 2]! + 1);
    }
    rows.push(row);
  }
  return rows[a.length]![b.length]!;
}

/**
 * The candidate a typo most likely meant, or `undefined` when none is close enough to be "obvious":
 * at most 2 edits (1 for words of 4 characters or fewer) after folding case and separators.
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const folded = fold(word);
  const limit = folded.length <= 4 ? 1 : 2;
  let best: { candidate: string; score: number } | undefined;
  for (const candidate of candidates) {
    const score = distance(folded, fold(candidate));
    if (score <= limit && (!best || score < best.score)) best = { candidate, score };
  }
  return best?.candidate;
}
