import type { ModelInfo } from '../api/catalogue.js';
import type { ModelRateLimit, SandboxLimits } from './types.js';

/** §6.1: query, list and cancel share 20 requests per second per account. */
export const QUERY_PER_SECOND = 20;
/** §6.1: getPolicy allows 100 requests per second per account and model. */
export const POLICY_PER_SECOND = 100;
const WINDOW_MS = 1000;

/**
 * Per-account request rates (dashscope-api.md §6.1), counted in a sliding 1 s window on the sandbox
 * clock so tests can step through it. Only accepted requests count, so a client that waits the
 * `Retry-After` second gets through. Counts live in this process only: processes sharing a state dir
 * each count their own traffic.
 */
export class RateLimiter {
  private readonly windows = new Map<string, number[]>();

  constructor(private readonly limits: SandboxLimits | undefined) {}

  get enabled(): boolean {
    return Boolean(this.limits);
  }

  /** The limits of a model (by any of its ids), or undefined when limits are off. */
  forModel(info: ModelInfo, sentId: string): ModelRateLimit | undefined {
    if (!this.limits) return undefined;
    if (this.limits === true) return info.rateLimit;
    const ids = [sentId, info.id, ...Object.values(info.ids)];
    const custom = ids
      .map((id) => (this.limits as Record<string, Partial<ModelRateLimit>>)[id])
      .find((v) => v !== undefined);
    return { ...info.rateLimit, ...custom };
  }

  /** Takes one create for this key and model, or false if `limit` were already accepted in the last second. */
  trySubmit(keyHash: string, modelId: string, limit: ModelRateLimit, now: number): boolean {
    return this.take(`submit\n${keyHash}\n${modelId}`, limit.submitPerSecond, now);
  }

  /** Takes one query/list/cancel for this key; always true when limits are off. */
  tryQuery(keyHash: string, now: number): boolean {
    return !this.limits || this.take(`query\n${keyHash}`, QUERY_PER_SECOND, now);
  }

  /** Takes one getPolicy for this key and model; always true when limits are off. */
  tryPolicy(keyHash: string, model: string, now: number): boolean {
    return !this.limits || this.take(`policy\n${keyHash}\n${model}`, POLICY_PER_SECOND, now);
  }

  private take(key: string, limit: number, now: number): boolean {
    // A clock stepped backwards (a changed clockOffsetMs) must not leave hits "in the future" forever.
    const recent = (this.windows.get(key) ?? []).filter((t) => t > now - WINDOW_MS && t <= now);
    const ok = recent.length < limit;
    if (ok) recent.push(now);
    if (recent.length > 0) this.windows.set(key, recent);
    else this.windows.delete(key);
    return ok;
  }
}
