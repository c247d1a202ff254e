/** Task states (dashscope-api.md §8 item 3), kept free of zod so light modules can use them. */
export const TERMINAL_STATUSES = ['SUCCEEDED', 'FAILED', 'CANCELED', 'UNKNOWN'] as const;
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];

/** SUCCEEDED, FAILED, CANCELED and UNKNOWN end a task; anything else (PENDING, RUNNING, states never seen) does not. */
export function isTerminal(status: string): status is TerminalStatus {
  return (TERMINAL_STATUSES as readonly string[]).includes(status);
}
