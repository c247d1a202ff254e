/** How many characters of the prompt a file name keeps: enough to recognise it in a listing. */
const SLUG_MAX = 40;

/**
 * A file-name-safe, stable slug of a prompt: lower case, letters and digits of any script kept
 * (Wan prompts are often Chinese), everything else folded to single dashes, cut at a word boundary.
 * `A red panda, surfing!` → `a-red-panda-surfing`.
 */
export function slugify(text: string, max = SLUG_MAX): string {
  const words = text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '') // the accents NFKD split off
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
  let slug = '';
  for (const word of words) {
    const next = slug ? `${slug}-${word}` : word;
    if ([...next].length > max) {
      // One long word (or an unspaced script) is cut rather than dropped.
      if (!slug) slug = [...word].slice(0, max).join('');
      break;
    }
    slug = next;
  }
  return slug || 'video';
}

/** `003-a-red-panda-surfing.mp4`: the line number first, so files sort in batch order. */
export function defaultFileName(line: number, prompt: string): string {
  return `${String(line).padStart(3, '0')}-${slugify(prompt)}.mp4`;
}
