/** The exit codes every command uses; documented in README.md and `wan help exit-codes`. */
export const EXIT = {
  OK: 0,
  /** Unexpected error, or an API error not covered below. */
  ERROR: 1,
  /** Invalid usage, input or configuration: nothing was sent. */
  USAGE: 2,
  /** Authentication or permission: no key, InvalidApiKey, AccessDenied, … */
  AUTH: 3,
  /** The task ended without a video: FAILED, CANCELED or UNKNOWN. */
  TASK: 4,
  /** A wait timed out while the task still runs. */
  WAIT_TIMEOUT: 5,
  /** A download failed: expired URL, integrity, refusal to overwrite, disk. */
  DOWNLOAD: 6,
  /** Network failure or throttling after retries. */
  NETWORK: 7,
  /** Interrupted by SIGINT/SIGTERM. */
  INTERRUPTED: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_CODE_TABLE: ReadonlyArray<[number, string]> = [
  [0, 'success'],
  [1, 'unexpected error, or an API error not listed below'],
  [2, 'invalid usage, input or configuration (nothing was sent)'],
  [3, 'authentication, permission or account: no key, InvalidApiKey, AccessDenied, Arrearage, quota used up'],
  [4, 'the task ended without a video: FAILED, CANCELED or UNKNOWN'],
  [5, 'a wait timed out while the task still runs (resume with wan wait <id>)'],
  [6, 'download failed: expired URL, integrity check, refusal to overwrite, disk'],
  [7, 'network failure or throttling after retries'],
  [130, 'interrupted (Ctrl-C / SIGTERM); the task keeps running'],
];

/** When several tasks end differently, the exit code is the worst one; this is the order. */
const SEVERITY: readonly number[] = [0, 5, 4, 6, 7, 3, 1, 2, 130];

export function worstExit(codes: number[]): number {
  return codes.reduce((worst, code) => (SEVERITY.indexOf(code) > SEVERITY.indexOf(worst) ? code : worst), 0);
}
