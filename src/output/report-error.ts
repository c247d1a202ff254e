import { existsSync } from 'node:fs';
import { CommanderError } from 'commander';
import {
  AbortedError,
  AccountError,
  ApiError,
  AuthError,
  ConnectionError,
  DownloadError,
  InputError,
  MissingKeyError,
  RateLimitError,
  ResponseShapeError,
  TaskFailedError,
  UsageError,
  WaitTimeoutError,
  WanError,
} from '../api/errors/index.js';
import { RETRYABLE_STATUSES } from '../api/retry.js';
import { ConfigError } from '../config/config-error.js';
import { JournalError } from '../journal/journal-error.js';
import { EXIT } from './exit-codes.js';
import type { Ui } from './ui.js';

/** How an error is shown: one line, at most one hint, and the ids a user needs to follow up. */
export interface ErrorReport {
  exitCode: number;
  /** DashScope's code when the service gave one, else ours (`usage`, `wait_timeout`, …). */
  code: string;
  message: string;
  hint?: string;
  requestId?: string;
  taskId?: string;
}

/** Library field names → the flags a CLI user typed. */
const FLAG_OF_FIELD: Record<string, string> = {
  model: '--model',
  size: '--size',
  resolution: '--resolution',
  ratio: '--ratio',
  duration: '--duration',
  seed: '--seed',
  audioUrl: '--audio',
  audio: '--audio',
  shotType: '--shot-type',
  negativePrompt: '--negative-prompt',
  image: '--image',
  lastFrame: '--last-frame',
  clip: '--clip',
  references: '--reference',
  upload: 'file',
  region: '--region',
  prompt: 'prompt',
  taskId: 'task id',
};

/** The only instanceof chain in the program: every error → exit code, code and words. */
export function classifyError(err: unknown): ErrorReport {
  const ids = err instanceof WanError ? { requestId: err.requestId, taskId: err.taskId } : {};
  if (err instanceof UsageError) return { exitCode: EXIT.USAGE, code: 'usage', message: err.message, ...ids };
  if (err instanceof InputError) {
    const flag = FLAG_OF_FIELD[err.field] ?? err.field;
    return { exitCode: EXIT.USAGE, code: 'invalid_input', message: `${flag}: ${err.message}`, ...ids };
  }
  if (err instanceof ConfigError) return { exitCode: EXIT.USAGE, code: 'invalid_config', message: err.message };
  if (err instanceof JournalError) {
    return {
      exitCode: EXIT.USAGE,
      code: 'journal',
      message: err.message,
      hint: 'nothing was sent; set WAN_STATE_DIR to a writable local directory',
    };
  }
  if (err instanceof CommanderError) {
    // Commander puts its "(Did you mean …?)" on a line of its own; keep the report to one line.
    const message = err.message
      .replace(/^error: /, '')
      .replace(/\n\((Did you mean [^)]*)\)/, (_m, s: string) => ` (${s.toLowerCase()})`);
    return {
      exitCode: EXIT.USAGE,
      code: 'usage',
      message,
      hint: message.includes('did you mean') ? undefined : 'see wan --help',
    };
  }
  if (err instanceof MissingKeyError) {
    return {
      exitCode: EXIT.AUTH,
      code: 'no_api_key',
      message: err.message,
      hint: 'or try wan without a key: wan --sandbox run "a prompt"',
    };
  }
  if (err instanceof AccountError) {
    return {
      exitCode: EXIT.AUTH,
      code: err.code ?? `http_${err.status}`,
      message: err.message,
      hint: accountHint(err),
      ...ids,
    };
  }
  if (err instanceof AuthError) {
    return {
      exitCode: EXIT.AUTH,
      code: err.code ?? `http_${err.status}`,
      message: err.message,
      hint: authHint(err),
      ...ids,
    };
  }
  if (err instanceof RateLimitError) {
    return {
      exitCode: EXIT.NETWORK,
      code: err.code ?? 'throttled',
      message: err.message,
      hint: createHint(err) ?? 'the account is throttled; try again later or lower the request rate',
      ...ids,
    };
  }
  if (err instanceof ApiError) {
    const exhausted = err.attempts > 1 && RETRYABLE_STATUSES.has(err.status);
    const message = exhausted ? `${err.message} (gave up after ${err.attempts} attempts)` : err.message;
    return {
      exitCode: exhausted ? EXIT.NETWORK : EXIT.ERROR,
      code: err.code ?? `http_${err.status}`,
      message,
      hint: createHint(err) ?? contentHint(err.code),
      ...ids,
    };
  }
  if (err instanceof ConnectionError) {
    const message = err.attempts > 1 ? `${err.message} (gave up after ${err.attempts} attempts)` : err.message;
    return {
      exitCode: EXIT.NETWORK,
      code: err.name === 'TimeoutError' ? 'timeout' : 'connection',
      message,
      hint:
        createHint(err) ??
        (err.operation === 'download video' && err.taskId
          ? downloadAgain(err)
          : 'check the network, proxy settings (HTTPS_PROXY) and the base URL (wan config)'),
      ...ids,
    };
  }
  if (err instanceof TaskFailedError) {
    return {
      exitCode: EXIT.TASK,
      code: err.code ?? `task_${err.status.toLowerCase()}`,
      message: err.message,
      hint: taskHint(err),
      ...ids,
    };
  }
  if (err instanceof WaitTimeoutError) {
    return {
      exitCode: EXIT.WAIT_TIMEOUT,
      code: 'wait_timeout',
      message: err.message,
      hint: `resume with: ${command('wait', err)}; a longer --timeout waits longer`,
      ...ids,
    };
  }
  if (err instanceof DownloadError) {
    return {
      exitCode: EXIT.DOWNLOAD,
      code: `download_${err.kind.replace('-', '_')}`,
      message: err.message,
      hint: downloadHint(err),
      ...ids,
    };
  }
  if (err instanceof ResponseShapeError) {
    return {
      exitCode: EXIT.ERROR,
      code: 'bad_response',
      message: err.message,
      hint: 'the service answered in a shape wan does not know; run with --debug to see it',
      ...ids,
    };
  }
  if (err instanceof AbortedError) {
    const hint = err.taskId
      ? `task ${err.taskId} keeps running (it is paid for); resume with: ${command('wait', err)}`
      : undefined;
    return { exitCode: EXIT.INTERRUPTED, code: 'interrupted', message: 'interrupted', hint, ...ids };
  }
  const message = err instanceof Error ? err.message : String(err);
  return {
    exitCode: EXIT.ERROR,
    code: 'unexpected',
    message: `unexpected error: ${message}`,
    hint: 'run again with --debug for details, and please report it',
  };
}

/** Prints the error on stderr (one JSON line with --json) and returns the exit code. */
export function reportError(err: unknown, ui: Ui): number {
  const report = classifyError(err);
  if (ui.json) {
    const error = {
      code: report.code,
      message: report.message,
      request_id: report.requestId ?? null,
      task_id: report.taskId ?? null,
      exit_code: report.exitCode,
      ...(report.hint ? { hint: report.hint } : {}),
    };
    ui.io.stderr.write(`${JSON.stringify({ error })}\n`);
  } else {
    ui.io.stderr.write(`${ui.err.red('error:')} ${report.message}\n`);
    if (report.hint) ui.io.stderr.write(`${ui.err.dim('hint:')} ${report.hint}\n`);
  }
  if (ui.options.debug && err instanceof Error && err.stack && report.code === 'unexpected') {
    ui.io.stderr.write(`${err.stack}\n`);
  }
  return report.exitCode;
}

/**
 * A command that, pasted as it is, finishes the job where the user asked: it names the task and,
 * when the user chose the file, the file.
 */
function command(verb: 'wait' | 'download', err: WanError): string {
  return `wan ${verb} ${err.taskId}${err.file ? ` -o ${shellQuote(err.file)}` : ''}`;
}

function shellQuote(text: string): string {
  return /^[\w./@%+=:,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

function downloadAgain(err: WanError): string {
  const part = err.file && existsSync(`${err.file}.part`) ? ` (it resumes from ${err.file}.part)` : '';
  return `the task's video is still there for 24 hours: ${command('download', err)}${part}`;
}

function authHint(err: AuthError): string {
  if (/synchronous/.test(err.apiMessage)) {
    return 'the request lacked X-DashScope-Async: enable; this is a bug in the client, please report it';
  }
  if (err.code === 'InvalidApiKey') {
    return 'check DASHSCOPE_API_KEY (wan config shows where the key came from); keys belong to one region: a key from another region is refused (wan config shows the region and why)';
  }
  if (err.code?.startsWith('AccessDenied') || err.code === 'Model.AccessDenied') {
    return 'the key may not use this model here: activate the model in the Model Studio console, check the workspace (WAN_WORKSPACE) and the region';
  }
  return 'check that the key, region and workspace belong together and that the model is activated for this account';
}

function accountHint(err: AccountError): string {
  if (err.code === 'Arrearage')
    return 'the account is overdue: settle it in the Alibaba Cloud console; nothing was created';
  return 'the account\'s quota for this model is used up: raise it (or turn off "free tier only") in the Model Studio console; trying again will not help';
}

/** A create refused by the content check: nothing was created, so nothing is billed. */
function contentHint(code: string | undefined): string | undefined {
  if (code === 'DataInspectionFailed' || code === 'IPInfringementSuspect') {
    return 'the content check refused the prompt (or an input file); change it — nothing was created or billed';
  }
  return undefined;
}

function createHint(err: ApiError | ConnectionError): string | undefined {
  if (!err.mayHaveCreated) return undefined;
  return `the task may have been created (and billed) anyway${err.requestId ? ` — request id ${err.requestId}` : ''}; do not create it again: \`wan wait --pending\` looks for it in the task list`;
}

function taskHint(err: TaskFailedError): string | undefined {
  if (err.status === 'PENDING' || err.status === 'RUNNING') return `wait for it with: ${command('wait', err)}`;
  if (err.status === 'UNKNOWN') {
    return 'check the id and the region (--region); tasks and their videos are kept 24 hours';
  }
  if (err.code === 'DataInspectionFailed' || err.code === 'IPInfringementSuspect') {
    return 'the content check refused the prompt or the result; change the prompt (failed tasks are not billed)';
  }
  if (err.code?.startsWith('InternalError')) {
    return 'a service-side failure; failed tasks are not billed, so creating it again is safe';
  }
  if (err.code === 'InvalidParameter') return 'see wan models for what each model accepts';
  return undefined;
}

function downloadHint(err: DownloadError): string | undefined {
  switch (err.kind) {
    case 'exists':
      return err.taskId
        ? `it was left untouched: save the video elsewhere with wan download ${err.taskId} -o <another file>, or pass --force`
        : 'pass --force to overwrite it, or choose another path with -o';
    case 'expired':
      return 'results are kept 24 hours after the task ends; create the video again';
    case 'integrity':
    case 'not-video':
      return err.taskId
        ? `nothing was saved; fetch it anew: ${command('download', err)}`
        : 'nothing was saved; run the same command again to fetch it anew';
    case 'disk':
      return 'check the output path, free space and permissions';
    case 'http':
      return err.taskId ? downloadAgain(err) : 'run the same command again to resume';
    default:
      return undefined;
  }
}
