import { createHash } from 'node:crypto';

const SHOTS = [
  'Cinematic wide shot',
  'Slow dolly-in close-up',
  'Aerial tracking shot',
  'Handheld medium shot',
  'Static tripod shot',
];
const LIGHT = [
  'soft golden-hour light',
  'cool overcast light',
  'dramatic rim lighting',
  'neon night lighting',
  'bright natural daylight',
];
const MOODS = [
  'calm and dreamy mood',
  'energetic mood',
  'nostalgic film grain',
  'crisp high-detail look',
  'warm cosy atmosphere',
];

/**
 * Stand-in for the service's LLM prompt extension (`prompt_extend`, dashscope-api.md §3.1): the same
 * prompt always gives the same `actual_prompt`, and it visibly differs from `orig_prompt`.
 */
export function rewritePrompt(prompt: string): string {
  const h = createHash('sha1').update(prompt).digest();
  const pick = (list: string[], byte: number) => list[h[byte]! % list.length]!;
  return `${pick(SHOTS, 0)}: ${prompt.trim()}. ${pick(LIGHT, 1)}, ${pick(MOODS, 2)}, smooth camera movement, rich detail.`;
}
