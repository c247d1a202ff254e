import { createHash } from 'node:crypto';

/**
 * Who made a request, as far as the sandbox needs to know. There are no accounts here: one API key
 * stands for one Alibaba Cloud account (the real service scopes lists, uploads and rate limits per
 * account). Only a hash of the key is kept, never the key, since task records go to disk.
 */
export interface Account {
  /** Hex SHA-256 of the bearer key. */
  keyHash: string;
}

export function accountOf(key: string): Account {
  return { keyHash: createHash('sha256').update(key).digest('hex') };
}

/**
 * The numeric ids a task list shows for the key (dashscope-api.md §1.2: `api_key_id` "15xxxx",
 * `caller_uid`/`caller_parent_id` numeric). Derived from the hash so they are stable per key.
 */
export function accountIds(keyHash: string): { apiKeyId: string; uid: string } {
  const apiKeyId = String(100_000 + (Number.parseInt(keyHash.slice(0, 8), 16) % 900_000));
  const uid = String(1_000_000_000_000_000n + (BigInt(`0x${keyHash.slice(8, 24)}`) % 9_000_000_000_000_000n));
  return { apiKeyId, uid };
}
