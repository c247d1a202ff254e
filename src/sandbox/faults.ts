import { validateFaultRule } from './fault-spec.js';
import { seededRandom } from './prng.js';
import type { FaultEndpoint, FaultRule, SandboxFaults } from './types.js';

/** Per-rule bookkeeping: matching requests seen and requests hit since the faults were set. */
interface RuleCounter {
  rule: FaultRule;
  seen: number;
  hits: number;
}

/**
 * The faults in force, plus the counters that make `times`/`after`/`cutTimes` and the probability
 * draws deterministic: everything restarts on {@link set}, so a test or CI run sees the same sequence.
 */
export class FaultState {
  private faults: SandboxFaults = {};
  private counters: RuleCounter[] = [];
  private cuts = 0;
  private random: () => number;

  constructor(
    faults: SandboxFaults = {},
    private readonly seed = 1,
  ) {
    this.random = seededRandom(seed);
    this.set(faults);
  }

  get current(): Readonly<SandboxFaults> {
    return this.faults;
  }

  /** Replaces every fault and restarts every count and the PRNG. Throws FaultSpecError for a bad rule. */
  set(faults: SandboxFaults): void {
    const rules = faults.rules ?? [];
    for (const rule of rules) validateFaultRule(rule);
    this.faults = { ...faults, rules: rules.map((rule) => ({ ...rule })) };
    this.counters = this.faults.rules!.map((rule) => ({ rule, seen: 0, hits: 0 }));
    this.cuts = 0;
    this.random = seededRandom(this.seed);
  }

  /** The skew of the sandbox clock against the injected one, ms. */
  get clockOffsetMs(): number {
    const offset = this.faults.clockOffsetMs ?? 0;
    return Number.isFinite(offset) ? offset : 0;
  }

  /**
   * The rule that hits this request to `endpoint`, if any (first match wins). Called once per request
   * as it arrives, so counts follow arrival order.
   */
  pick(endpoint: FaultEndpoint): FaultRule | undefined {
    for (const counter of this.counters) {
      const { rule } = counter;
      if (rule.endpoint !== endpoint) continue;
      counter.seen += 1;
      if (counter.seen <= (rule.after ?? 0)) continue;
      if (counter.hits >= (rule.times ?? Infinity)) continue;
      const p = rule.probability ?? 1;
      // Draw only when needed, so adding a certain rule does not shift another rule's sequence.
      if (p < 1 && !(this.random() < p)) continue;
      counter.hits += 1;
      return rule;
    }
    return undefined;
  }

  /**
   * For a video GET whose body is `bodyLength` bytes: the number of bytes to send before closing the
   * socket, or undefined to send it whole. Only bodies longer than the cut count against `cutTimes`.
   */
  takeCut(bodyLength: number): number | undefined {
    const { cutAfterBytes, cutTimes = 1 } = this.faults;
    if (cutAfterBytes === undefined || cutAfterBytes < 0 || bodyLength <= cutAfterBytes) return undefined;
    if (this.cuts >= cutTimes) return undefined;
    this.cuts += 1;
    return Math.floor(cutAfterBytes);
  }
}
