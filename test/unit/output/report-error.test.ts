import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
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
  TimeoutError,
  WaitTimeoutError,
} from '../../../src/api/errors/index.js';
import { UsageError } from '../../../src/api/errors/usage-error.js';
import { ConfigError } from '../../../src/config/index.js';
import { classifyError, reportError } from '../../../src/output/report-error.js';
import { Ui } from '../../../src/output/ui.js';
import { testIO } from '../../helpers/test-io.js';

function exhausted<T extends ApiError | ConnectionError>(err: T, attempts = 5): T {
  err.attempts = attempts;
  return err;
}
function ambiguous<T extends ApiError | ConnectionError>(err: T): T {
  err.mayHaveCreated = true;
  return err;
}

const cases: Array<[string, unknown, number, string, RegExp]> = [
  ['usage', new UsageError('bad', '--size'), 2, 'usage', /^--size: bad$/],
  ['input', new InputError('size', 'wan2.2 does not make 1*1'), 2, 'invalid_input', /^--size: wan2.2/],
  ['config', new ConfigError('/x/.wanrc.json: key "durration" is not a config key'), 2, 'invalid_config', /durration/],
  [
    'commander',
    new CommanderError(1, 'commander.unknownOption', "error: unknown option '--sise'"),
    2,
    'usage',
    /^unknown option '--sise'$/,
  ],
  ['no key', new MissingKeyError(), 3, 'no_api_key', /DASHSCOPE_API_KEY/],
  [
    '401',
    new AuthError('create task', 401, 'InvalidApiKey', 'Invalid API-key provided.', 'req-1'),
    3,
    'InvalidApiKey',
    /401 InvalidApiKey.*req-1/,
  ],
  [
    '403',
    new AuthError('create task', 403, 'AccessDenied.Unpurchased', 'Access to model denied.'),
    3,
    'AccessDenied.Unpurchased',
    /403/,
  ],
  [
    'failed task',
    new TaskFailedError('t1', 'FAILED', 'DataInspectionFailed', 'Output data may contain inappropriate content.'),
    4,
    'DataInspectionFailed',
    /t1 FAILED: DataInspectionFailed/,
  ],
  ['canceled task', new TaskFailedError('t1', 'CANCELED', undefined, undefined), 4, 'task_canceled', /CANCELED/],
  [
    'unknown task',
    new TaskFailedError('t1', 'UNKNOWN', undefined, undefined),
    4,
    'task_unknown',
    /older than 24 hours/,
  ],
  ['wait timeout', new WaitTimeoutError('t1', 'RUNNING', 60_000), 5, 'wait_timeout', /still RUNNING after 60s/],
  [
    'arrears',
    new AccountError(
      'create task',
      400,
      'Arrearage',
      'Access denied, please make sure your account is in good standing.',
    ),
    3,
    'Arrearage',
    /good standing/,
  ],
  [
    'quota used up',
    new AccountError('create task', 429, 'Throttling.AllocationQuota', 'Allocated quota exceeded'),
    3,
    'Throttling.AllocationQuota',
    /quota exceeded/,
  ],
  ['expired', new DownloadError('expired', 'the video URL expired'), 6, 'download_expired', /expired/],
  ['integrity', new DownloadError('integrity', 'checksum mismatch'), 6, 'download_integrity', /checksum/],
  ['exists', new DownloadError('exists', 'out.mp4 already exists'), 6, 'download_exists', /exists/],
  ['not video', new DownloadError('not-video', 'text/html'), 6, 'download_not_video', /html/],
  [
    'throttled',
    new RateLimitError('query task', 429, 'Throttling.RateQuota', 'Requests rate limit exceeded'),
    7,
    'Throttling.RateQuota',
    /429/,
  ],
  [
    '5xx after retries',
    exhausted(new ApiError('query task', 503, 'ModelUnavailable', 'Model is unavailable')),
    7,
    'ModelUnavailable',
    /gave up after 5 attempts/,
  ],
  [
    '5xx without retry',
    new ApiError('create task', 500, 'InternalError', 'An internal error'),
    1,
    'InternalError',
    /500/,
  ],
  [
    'other 4xx',
    new ApiError('create task', 400, 'InvalidParameter', 'Model not exist.'),
    1,
    'InvalidParameter',
    /Model not exist/,
  ],
  [
    'connection',
    exhausted(new ConnectionError('query task', 'h:1', false, 'connect ECONNREFUSED')),
    7,
    'connection',
    /ECONNREFUSED.*5 attempts/,
  ],
  ['timeout', new TimeoutError('query task', 'h:1', true, 'headers timeout'), 7, 'timeout', /headers timeout/],
  [
    'shape',
    new ResponseShapeError('query task', 200, 'field "output.task_id": missing'),
    1,
    'bad_response',
    /output.task_id/,
  ],
  ['abort', new AbortedError(), 130, 'interrupted', /interrupted/],
  ['bug', new TypeError('x is undefined'), 1, 'unexpected', /unexpected error: x is undefined/],
];

describe('classifyError', () => {
  it.each(cases)('%s', (_name, err, exitCode, code, message) => {
    const report = classifyError(err);
    expect(report.exitCode).toBe(exitCode);
    expect(report.code).toBe(code);
    expect(report.message).toMatch(message);
  });

  it('says a failed create may still have made a task', () => {
    const report = classifyError(ambiguous(new ApiError('create task', 502, undefined, 'Bad Gateway', 'req-9')));
    expect(report.hint).toMatch(/may have been created.*req-9/);
  });

  it('tells an interrupted wait how to resume', () => {
    const err = new AbortedError();
    err.taskId = 'abc';
    expect(classifyError(err).hint).toBe('task abc keeps running (it is paid for); resume with: wan wait abc');
  });

  it('every hint after a task exists names the task, and the file the user asked for', () => {
    const timeout = Object.assign(new WaitTimeoutError('abc', 'RUNNING', 60_000), { file: '/videos/my boat.mp4' });
    expect(classifyError(timeout).hint).toBe(
      "resume with: wan wait abc -o '/videos/my boat.mp4'; a longer --timeout waits longer",
    );
    const cut = Object.assign(new DownloadError('http', 'download video: … answered 503'), {
      taskId: 'abc',
      file: '/v/b.mp4',
    });
    expect(classifyError(cut).hint).toBe("the task's video is still there for 24 hours: wan download abc -o /v/b.mp4");
    const bad = Object.assign(new DownloadError('integrity', 'wrong CRC'), { taskId: 'abc', file: '/v/b.mp4' });
    expect(classifyError(bad).hint).toBe('nothing was saved; fetch it anew: wan download abc -o /v/b.mp4');
    const taken = Object.assign(new DownloadError('exists', '/v/b.mp4 already exists'), { taskId: 'abc' });
    expect(classifyError(taken).hint).toMatch(/wan download abc -o <another file>/);
  });

  it('says what an account error means, and that trying again will not help', () => {
    expect(classifyError(new AccountError('create task', 400, 'Arrearage', 'x')).hint).toMatch(/overdue/);
    expect(classifyError(new AccountError('create task', 429, 'Throttling.AllocationQuota', 'x')).hint).toMatch(
      /quota.*trying again will not help/,
    );
    expect(
      classifyError(
        new ApiError('create task', 400, 'DataInspectionFailed', 'Input data may contain inappropriate content.'),
      ).hint,
    ).toMatch(/nothing was created or billed/);
  });
});

describe('reportError', () => {
  it('prints one line and a hint on stderr, nothing on stdout', () => {
    const t = testIO();
    const code = reportError(
      new DownloadError('exists', 'out.mp4 already exists'),
      new Ui(t.io, { json: false, quiet: false, debug: false, noColor: true }),
    );
    expect(code).toBe(6);
    expect(t.out()).toBe('');
    expect(t.err()).toBe(
      'error: out.mp4 already exists\nhint: pass --force to overwrite it, or choose another path with -o\n',
    );
  });

  it('prints one JSON line with --json', () => {
    const t = testIO();
    const err = new TaskFailedError('t1', 'FAILED', 'InternalError', 'boom', 'req-2');
    reportError(err, new Ui(t.io, { json: true, quiet: false, debug: false, noColor: false }));
    const parsed = JSON.parse(t.err()) as { error: Record<string, unknown> };
    expect(parsed.error).toMatchObject({ code: 'InternalError', request_id: 'req-2', task_id: 't1', exit_code: 4 });
    expect(t.err().trim().split('\n')).toHaveLength(1);
  });

  it('shows a stack only with --debug, and only for the unexpected', () => {
    const t = testIO();
    reportError(new Error('kaboom'), new Ui(t.io, { json: false, quiet: false, debug: false, noColor: true }));
    expect(t.err()).not.toMatch(/at /);
    const d = testIO();
    reportError(new Error('kaboom'), new Ui(d.io, { json: false, quiet: false, debug: true, noColor: true }));
    expect(d.err()).toMatch(/\n\s+at /);
  });
});
