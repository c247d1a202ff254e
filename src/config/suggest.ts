/** Lower-case and drop `_`/`-`, so `base_url` and `negative-prompt` match `baseUrl` and `negativePrompt`. */
function fold(word: string): string {
  return word.toLowerCase().replace(/[_-]/g, '');
}

function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
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
