/** Base of every error `wan` throws on purpose; anything else reaching the top is a bug (exit 1, stack with --debug). */
export abstract class WanError extends Error {
  abstract override readonly name: string;
  /** The task the error is about, when known, so a user can resume or look it up. */
  taskId?: string;
  /** Where the user asked the task's video to go, so a resume hint can name it. */
  file?: string;
  /** DashScope's request id, when the service answered. */
  requestId?: string;
}
