import { Command, Option } from 'commander';
import { UsageError } from '../api/errors/usage-error.js';
import { DEFAULT_REGION, REGION_NAMES, type Region } from '../api/regions.js';
import { parseDuration } from '../config/duration.js';
// The pure spec parser and code table only: the sandbox itself is loaded when the command runs.
import { DASHSCOPE_CODES } from '../sandbox/error-codes.js';
import { FaultSpecError, formatFaultRule, parseFaultSpecs } from '../sandbox/fault-spec.js';
import type { FaultRule, SandboxFaults, SandboxOptions } from '../sandbox/index.js';
import { type App, action, type CommandContext } from './context.js';
import { examples } from './help-text.js';

interface SandboxFlags {
  host: string;
  region?: string;
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
  fault?: string[];
  seed?: string;
  clockOffset?: string;
  unknownTasks?: boolean;
  limits?: boolean;
}

/** Environment variable with fault specs, so CI can switch faults on without changing a command line. */
export const FAULTS_ENV = 'WAN_SANDBOX_FAULTS';

/** The DashScope codes a status fault can name, one status a line, wrapped to the help's width. */
function codeTable(): string {
  const byStatus = new Map<number, string[]>();
  for (const [code, { status }] of Object.entries(DASHSCOPE_CODES)) {
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const lines: string[] = [];
  for (const [status, codes] of byStatus) {
    let line = `    ${status}`;
    for (const code of codes) {
      if (line.length + 1 + code.length > 90) {
        lines.push(line);
        line = '       ';
      }
      line += ` ${code}`;
    }
    lines.push(line);
  }
  return `${lines.join('\n')}\n`;
}

export const SANDBOX_HELP = `
The sandbox speaks the DashScope video-synthesis protocol on loopback: the same paths,
headers, JSON shapes, task states and error codes, with signed, expiring video URLs on a
second port and real H.264 MP4 files. Point any client at it:
  export DASHSCOPE_HTTP_BASE_URL=<the URL printed on the first line>
  export DASHSCOPE_API_KEY=sk-anything
It serves every mode (text, first frame, first and last frame on /image2video/, reference
images and clips, wan2.7's media list), painting a video's first frame from the given image and
a first-and-last-frame video's last frame from the last one. It lists and cancels tasks
(GET /tasks, POST /tasks/{id}/cancel) and takes temporary file uploads for oss:// inputs
(GET /uploads?action=getPolicy, then the form POST). It fetches http(s) inputs from this
machine only: an input on any other host fails its task as undownloadable, as the service
fails one it cannot reach.
A create on a path that does not serve its model (400 InvalidParameter "url error, …") or
not sent as Content-Type: application/json (400 BadRequest.IllegalInput) is refused as the
service refuses it.

It answers for one region (--region, default ${DEFAULT_REGION}) and knows only that region's model
ids, as the service does: Beijing's wanx2.1-* models are wan2.1-* in Singapore, and Virginia
has wan2.6-t2v, wan2.6-i2v and wan2.6-r2v (wan models --region <region> lists them). Any
other id is refused with 400 InvalidParameter "Model not exist.".

Faults per endpoint (for testing your own scripts and CI): --fault <spec> (repeatable) or
${FAULTS_ENV}="<spec>,<spec>"; the first rule that matches a request applies.
  <spec> = <endpoint>:<fault>[:times=<n>][:after=<n>][:probability=<p>]
  endpoints: create query list cancel upload-policy upload video
  status=<status>   answer this HTTP status instead: DashScope JSON (OSS XML on video and
                    upload); :html sends a gateway HTML page, :retry-after=<s> a Retry-After
                    header, :code=<code> DashScope's error code <code> with its documented
                    message (API endpoints only; <status> must be the code's, listed below)
                    e.g. create:status=429:retry-after=2:times=1, query:status=503:html,
                    create:status=400:code=DataInspectionFailed
  reset[=<bytes>]   reset the connection before answering, or after <bytes> of the body
                    e.g. create:reset:times=1, video:reset=65536
  short=<bytes>     send full headers, then end the body cleanly after <bytes>
                    e.g. video:short=1000
  slow=<bytes/s>    send the body at this rate
                    e.g. video:slow=200000
  stall=<bytes>     send <bytes> of the body, then nothing until the client gives up
                    e.g. video:stall=1000
  times=<n>         hit n matching requests (default: all of them)
  after=<n>         let the first n matching requests through
                    e.g. query:status=500:after=2:times=3
  probability=<p>   hit each matching request with probability p (0..1), repeatably
                    with --seed <n>; e.g. query:status=503:probability=0.2
  status and a bare reset stop the request; under the other faults it still takes effect
  (a create still creates its task).
  Codes for :code=, by status (without :code=, a status answers with its first code):
${codeTable()}
Other faults:
  --clock-offset <d>    the sandbox clock runs ahead of yours (behind with -, e.g. -90s)
  --unknown-tasks       every task reads UNKNOWN; cancel refuses and the list is empty
  --expired-url         video URLs are issued already expired (403 "Request has expired.")
  --cut-after <bytes>   video downloads are cut after this many bytes (--cut-times of them, default 1)
  --html-body           video downloads answer 200 with an HTML gateway page
  --wrong-checksum      x-oss-hash-crc64ecma does not match the bytes
  --fail-task <code>    every task ends FAILED with this code (e.g. DataInspectionFailed, InternalError)

Rate limits (--limits): each model's task-submit rate (over it: 429 Throttling.RateQuota,
Retry-After: 1) and concurrent tasks (the rest wait in PENDING), and 20 queries per second
per key, as the real service enforces them.
`;

export function sandboxCommand(app: App): Command {
  return new Command('sandbox')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .addOption(
      new Option('--region <region>', 'answer for this region: accept only its model ids')
        .choices([...REGION_NAMES])
        .default(DEFAULT_REGION),
    )
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
    .option(
      '--fault <spec>',
      'fault: inject a fault into one endpoint (repeatable; see below)',
      (spec: string, all: string[] | undefined) => [...(all ?? []), spec],
    )
    .option('--seed <n>', 'seed for faults with a probability (default 1)')
    .option('--clock-offset <duration>', 'fault: skew the sandbox clock, e.g. 90s or -90s')
    .option('--unknown-tasks', 'fault: every task reads UNKNOWN')
    .option('--limits', "enforce each model's rate limits (submit rate, concurrent tasks, queries)")
    .addHelpText(
      'after',
      SANDBOX_HELP +
        examples(
          'wan sandbox --port 8750',
          'wan sandbox --region singapore',
          'wan sandbox --pending 0s --running 1s --cut-after 100000',
          'wan sandbox --fault create:status=429:retry-after=1:times=2 --fault video:short=100000',
          `${FAULTS_ENV}="query:status=503:probability=0.2" wan sandbox --seed 7 --limits`,
          'DASHSCOPE_HTTP_BASE_URL=http://127.0.0.1:8750/api/v1 wan run "a cat" -o cat.mp4',
        ),
    )
    .action(action(app, runSandbox));
}

export async function runSandbox(ctx: CommandContext, flags: SandboxFlags): Promise<number> {
  // The program's global --region is parsed by the program wherever it stands (`wan sandbox --region
  // x` too), so this command's own option only ever holds its default; the merged flags hold the value.
  const options = sandboxOptions({ ...flags, region: ctx.flags.region ?? flags.region }, ctx.io.env);
  const sandbox = await ctx.services.startSandbox(options);
  ctx.ui.result(sandbox.baseUrl);
  ctx.ui.info(`sandbox API at ${sandbox.baseUrl}, videos at ${sandbox.videoOrigin} (region ${options.region})`);
  ctx.ui.info(
    `use it with: DASHSCOPE_HTTP_BASE_URL=${sandbox.baseUrl} DASHSCOPE_API_KEY=${options.apiKey ? '<your --key>' : 'sk-anything'} wan …`,
  );
  // Faults may come from the environment, so say which are on: a CI log should explain odd failures.
  const rules = options.faults?.rules ?? [];
  if (rules.length > 0) ctx.ui.info(`faults: ${rules.map(formatFaultRule).join(', ')}`);
  if (options.limits)
    ctx.ui.info("rate limits: on (each model's submit rate and concurrent tasks, 20 queries/s per key)");
  ctx.ui.info('Ctrl-C stops it');
  await new Promise<void>((resolve) => {
    if (ctx.signal.aborted) return resolve();
    ctx.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await sandbox.close();
  return 0;
}

/** Maps flags (and `WAN_SANDBOX_FAULTS`) to sandbox options; throws UsageError for a bad value. */
export function sandboxOptions(flags: SandboxFlags, env: Record<string, string | undefined> = {}): SandboxOptions {
  const faults: SandboxFaults = {};
  if (flags.expiredUrl) faults.expiredUrl = true;
  if (flags.cutAfter !== undefined) faults.cutAfterBytes = count(flags.cutAfter, '--cut-after');
  if (flags.cutTimes !== undefined) faults.cutTimes = count(flags.cutTimes, '--cut-times');
  if (flags.htmlBody) faults.htmlBody = true;
  if (flags.wrongChecksum) faults.wrongChecksum = true;
  if (flags.failTask !== undefined)
    faults.failTask = { code: flags.failTask, message: flags.failMessage ?? 'Injected by the wan sandbox.' };
  if (flags.unknownTasks) faults.unknownTasks = true;
  if (flags.clockOffset !== undefined) faults.clockOffsetMs = signedDuration(flags.clockOffset, '--clock-offset');
  // Flags first: an explicit --fault is tried before the ambient ones from the environment.
  const rules = [
    ...(flags.fault ?? []).flatMap((spec) => faultRules(spec, '--fault')),
    ...faultRules(env[FAULTS_ENV] ?? '', FAULTS_ENV),
  ];
  if (rules.length > 0) faults.rules = rules;
  return {
    host: flags.host,
    region: region(flags.region),
    port: port(flags.port, '--port'),
    videoPort: port(flags.videoPort, '--video-port'),
    apiKey: flags.key,
    pendingMs: parseDuration(flags.pending, '--pending'),
    runningMs: parseDuration(flags.running, '--running'),
    retentionMs: parseDuration(flags.retention, '--retention'),
    stateDir: flags.stateDir,
    faults,
    ...(flags.seed !== undefined ? { seed: count(flags.seed, '--seed') } : {}),
    ...(flags.limits ? { limits: true } : {}),
  };
}

function region(value: string | undefined): Region {
  if (value === undefined) return DEFAULT_REGION;
  if (!(REGION_NAMES as readonly string[]).includes(value)) {
    throw new UsageError(`"${value}" is not a region; use one of ${REGION_NAMES.join(', ')}`, '--region');
  }
  return value as Region;
}

function faultRules(specs: string, source: string): FaultRule[] {
  try {
    return parseFaultSpecs(specs);
  } catch (err) {
    if (err instanceof FaultSpecError) throw new UsageError(err.message, source);
    throw err;
  }
}

/** A duration with an optional sign: the sandbox clock may run behind the client's. */
function signedDuration(value: string, flag: string): number {
  const m = /^\s*([+-]?)\s*(.+)$/.exec(value);
  const ms = parseDuration(m?.[2] ?? value, flag);
  return m?.[1] === '-' ? -ms : ms;
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
