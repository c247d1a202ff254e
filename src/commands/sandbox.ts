import { Command } from 'commander';
import { parseDuration } from '../config/index.js';
import type { SandboxFaults, SandboxOptions } from '../sandbox/index.js';
import { action, type App, type CommandContext } from './context.js';
import { examples } from './help-text.js';
import { UsageError } from './usage-error.js';

interface SandboxFlags {
  host: string;
  port: string;
  videoPort: string;
  key?: string;
  pending: string;
  running: string;
  retention: string;
  stateDir?: string;
  expiredUrl?: boolean;
  cutAfter?: string;
  cutTimes?: string;
  htmlBody?: boolean;
  wrongChecksum?: boolean;
  failTask?: string;
  failMessage?: string;
}

export const SANDBOX_HELP = `
The sandbox speaks the DashScope video-synthesis protocol on loopback: the same paths,
headers, JSON shapes, task states and error codes, with signed, expiring video URLs on a
second port and real H.264 MP4 files. Point any client at it:
  export DASHSCOPE_HTTP_BASE_URL=<the URL printed on the first line>
  export DASHSCOPE_API_KEY=sk-anything

Faults (for testing your own scripts and CI):
  --expired-url         video URLs are issued already expired (403 "Request has expired.")
  --cut-after <bytes>   video downloads are cut after this many bytes (--cut-times of them, default 1)
  --html-body           video downloads answer 200 with an HTML gateway page
  --wrong-checksum      x-oss-hash-crc64ecma does not match the bytes
  --fail-task <code>    every task ends FAILED with this code (e.g. DataInspectionFailed, InternalError)
`;

export function sandboxCommand(app: App): Command {
  return new Command('sandbox')
    .description('run a local stand-in for the DashScope API (offline trials, tests, CI)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <n>', 'API port (0 = any free port)', '0')
    .option('--video-port <n>', 'video host port (0 = any free port)', '0')
    .option('--key <key>', 'accept only this API key (default: any non-empty key)')
    .option('--pending <duration>', 'how long a task stays PENDING', '2s')
    .option('--running <duration>', 'how long a task stays RUNNING', '6s')
    .option('--retention <duration>', 'how long tasks and video URLs live after the task ends', '24h')
    .option('--state-dir <dir>', 'keep tasks in this directory across restarts')
    .option('--expired-url', 'fault: issue video URLs that have already expired')
    .option('--cut-after <bytes>', 'fault: cut video downloads after this many bytes')
    .option('--cut-times <n>', 'fault: how many downloads to cut (default 1)')
    .option('--html-body', 'fault: answer video downloads with an HTML page and status 200')
    .option('--wrong-checksum', 'fault: send a wrong x-oss-hash-crc64ecma')
    .option('--fail-task <code>', 'fault: every task ends FAILED with this code')
    .option('--fail-message <text>', 'message for --fail-task', 'Injected by the wan sandbox.')
    .addHelpText('after', SANDBOX_HELP + examples('wan sandbox --port 8750', 'wan sandbox --pending 0s --running 1s --cut-after 100000', 'DASHSCOPE_HTTP_BASE_URL=http://127.0.0.1:8750/api/v1 wan run "a cat" -o cat.mp4'))
    .action(action(app, runSandbox));
}

export async function runSandbox(ctx: CommandContext, flags: SandboxFlags): Promise<number> {
  const options = sandboxOptions(flags);
  const sandbox = await ctx.services.startSandbox(options);
  ctx.ui.result(sandbox.baseUrl);
  ctx.ui.info(`sandbox API at ${sandbox.baseUrl}, videos at ${sandbox.videoOrigin}`);
  ctx.ui.info(`use it with: DASHSCOPE_HTTP_BASE_URL=${sandbox.baseUrl} DASHSCOPE_API_KEY=${options.apiKey ? '<your --key>' : 'sk-anything'} wan …`);
  ctx.ui.info('Ctrl-C stops it');
  await new Promise<void>((resolve) => {
    if (ctx.signal.aborted) return resolve();
    ctx.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await sandbox.close();
  return 0;
}

function sandboxOptions(flags: SandboxFlags): SandboxOptions {
  const faults: SandboxFaults = {};
  if (flags.expiredUrl) faults.expiredUrl = true;
  if (flags.cutAfter !== undefined) faults.cutAfterBytes = count(flags.cutAfter, '--cut-after');
  if (flags.cutTimes !== undefined) faults.cutTimes = count(flags.cutTimes, '--cut-times');
  if (flags.htmlBody) faults.htmlBody = true;
  if (flags.wrongChecksum) faults.wrongChecksum = true;
  if (flags.failTask !== undefined) faults.failTask = { code: flags.failTask, message: flags.failMessage ?? 'Injected by the wan sandbox.' };
  return {
    host: flags.host,
    port: port(flags.port, '--port'),
    videoPort: port(flags.videoPort, '--video-port'),
    apiKey: flags.key,
    pendingMs: parseDuration(flags.pending, '--pending'),
    runningMs: parseDuration(flags.running, '--running'),
    retentionMs: parseDuration(flags.retention, '--retention'),
    stateDir: flags.stateDir,
    faults,
  };
}

function count(value: string, flag: string): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`"${value}" is not a whole number`, flag);
  return Number(value);
}

function port(value: string, flag: string): number {
  const n = count(value, flag);
  if (n > 65535) throw new UsageError(`${n} is not a port (0–65535)`, flag);
  return n;
}
