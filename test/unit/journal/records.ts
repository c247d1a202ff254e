import type { IntentRecord, JournalRecordInput } from '../../../src/journal/index.js';

/** A minimal valid intent; tests override what they look at. */
export function intent(id: string, extra: Partial<IntentRecord> = {}): JournalRecordInput {
  return {
    type: 'intent',
    id,
    region: 'ap-southeast-1',
    baseUrl: 'https://dashscope-intl.aliyuncs.com/api/v1',
    model: 'wan2.2-t2v-plus',
    prompt: `prompt of ${id}`,
    parameters: { size: '832*480', duration: 5 },
    requestHash: `hash-${id}`,
    ...extra,
  } as JournalRecordInput;
}

/** A fixed clock: 2025-01-01T00:00:00Z plus one second per call, so `at` values are ordered. */
export function steppingClock(start = Date.UTC(2025, 0, 1)): () => number {
  let t = start - 1000;
  return () => (t += 1000);
}
