import type { SandboxFaults } from './types.js';

/** The faults in force, plus how many video responses have been cut since they were set. */
export class FaultState {
  private faults: SandboxFaults;
  private cuts = 0;

  constructor(faults: SandboxFaults = {}) {
    this.faults = { ...faults };
  }

  get current(): Readonly<SandboxFaults> {
    return this.faults;
  }

  /** Replaces every fault and starts counting cut responses afresh. */
  set(faults: SandboxFaults): void {
    this.faults = { ...faults };
    this.cuts = 0;
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
