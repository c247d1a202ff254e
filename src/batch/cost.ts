import { requestCost } from '../api/cost.js';
import type { PlannedLine } from './plan.js';
import type { LineStart } from './resume.js';

/** What a run of the batch will pay for: only lines that need a new task (failed tasks are free). */
export interface BatchSpend {
  /** Lines that will be created (new, or cut off during an earlier create). */
  toCreate: number;
  /** Lines whose task exists from an earlier run: waited for, not paid again. */
  resumed: number;
  /** Lines already saved. */
  done: number;
  /** Lines whose file is in the way (left alone, nothing created). */
  blocked: number;
  /** Estimated total of the lines to create, in `currency`. */
  amount: number;
  currency?: string;
  priceDate?: string;
  /** Lines to create whose price is not known (a region without published prices). */
  unpriced: number;
}

export function priceBatch(lines: PlannedLine[], starts: Map<number, LineStart>): BatchSpend {
  const spend: BatchSpend = { toCreate: 0, resumed: 0, done: 0, blocked: 0, amount: 0, unpriced: 0 };
  for (const line of lines) {
    const kind = starts.get(line.line)?.kind ?? 'new';
    if (kind === 'done') spend.done++;
    else if (kind === 'adopt') spend.resumed++;
    else if (kind === 'exists') spend.blocked++;
    else {
      spend.toCreate++;
      const cost = lineCost(line);
      if (!cost) spend.unpriced++;
      else {
        spend.amount += cost.amount;
        spend.currency = cost.currency;
        spend.priceDate = cost.price_date;
      }
    }
  }
  spend.amount = Math.round(spend.amount * 10_000) / 10_000;
  return spend;
}

export function lineCost(line: PlannedLine) {
  return requestCost(line.request);
}
