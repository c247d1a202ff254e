import path from 'node:path';
import type { Command } from 'commander';
import type { WanClient } from '../api/client.js';
import { type Clock, systemClock } from '../api/clock.js';
import { MissingKeyError } from '../api/errors/missing-key-error.js';
import { UsageError } from '../api/errors/usage-error.js';
import { redactSecret } from '../api/redact.js';
import { parseDuration } from '../config/duration.js';
import type { ConfigFlags, ResolvedConfig } from '../config/index.js';
import type { Journal } from '../journal/journal.js';
import type { IO } from '../output/io.js';
import { reportError } from '../output/report-error.js';
import { Ui } from '../output/ui.js';
import type { Sandbox, SandboxOptions } from '../sandbox/index.js';
import type { Job } from '../tasks/job.js';

/** Flags every command accepts (see `wan --help`). */
export interface GlobalFlags {
  json?: boolean;
  quiet?: boolean;
  debug?: boolean;
  color?: boolean;
  region?: string;
  baseUrl?: string;
  profile?: string;
  config?: string;
  sandbox?: boolean;
}

/** What tests may replace: time, and how the in-process sandbox is started. */
export interface Services {
  clock: Clock;
  startSandbox: (options: SandboxOptions) => Promise<Sandbox>;
}

export const defaultServices: Services = {
  clock: systemClock,
  startSandbox: async (options) => (await import('../sandbox/index.js')).startSandbox(options),
};

/** A command's own flags that are also config keys (the global ones are added here). */
export type CommandConfigFlags = Omit<ConfigFlags, 'config' | 'profile' | 'region' | 'baseUrl'>;

/**
 * Per-invocation dependencies, built lazily so that bad input fails before config is read or a
 * connection is opened.
 */
export class CommandContext {
  readonly ui: Ui;
  private configPromise?: Promise<ResolvedConfig>;
  private clientPromise?: Promise<WanClient>;
  private journalPromise?: Promise<Journal>;
  private sandbox?: Sandbox;

  constructor(
    readonly io: IO,
    readonly services: Services,
    readonly flags: GlobalFlags,
  ) {
    this.ui = new Ui(io, {
      json: Boolean(flags.json),
      quiet: Boolean(flags.quiet),
      debug: Boolean(flags.debug),
      noColor: flags.color === false,
    });
  }

  get clock(): Clock {
    return this.services.clock;
  }

  get signal(): AbortSignal {
    return this.io.signal;
  }

  /** The resolved configuration; the first call's `commandFlags` (the command's config-key flags) stay. */
  config(commandFlags: CommandConfigFlags = {}): Promise<ResolvedConfig> {
    // Loaded here, not at start-up: cosmiconfig and the schemas are for commands that need config.
    this.configPromise ??= import('../config/resolve.js')
      .then(({ resolveConfig }) =>
        resolveConfig({
          flags: { ...commandFlags, ...this.globalConfigFlags() },
          env: this.io.env,
          cwd: this.io.cwd,
          home: this.io.home,
        }),
      )
      .then((config) => {
        for (const warning of config.warnings) this.ui.warn(warning);
        return config;
      });
    return this.configPromise;
  }

  private globalConfigFlags(): ConfigFlags {
    const { config, profile, region, baseUrl } = this.flags;
    // --sandbox replaces the endpoint: a configured base URL (and its region) does not apply.
    return { config, profile, region, ...(this.flags.sandbox ? { baseUrl: undefined } : { baseUrl }) };
  }

  /** The API client for this invocation; with --sandbox, against a sandbox started in this process. */
  client(): Promise<WanClient> {
    this.clientPromise ??= this.config().then(async (config) => {
      let { baseUrl, apiKey } = config;
      if (this.flags.sandbox) {
        this.sandbox = await this.services.startSandbox({
          ...(await sandboxOptionsFromEnv(this.io)),
          region: config.values.region,
        });
        baseUrl = this.sandbox.baseUrl;
        // The sandbox's files are outside the CLI's start-up path: load even this constant only with --sandbox.
        apiKey = (await import('../sandbox/sandbox-key.js')).SANDBOX_KEY;
        this.ui.debug(`sandbox listening at ${baseUrl}`);
      } else if (apiKey && config.apiKeyProblem) {
        throw new MissingKeyError(`the API key from ${config.apiKeySource} ${config.apiKeyProblem}`);
      }
      const timeouts = {
        connectMs: config.values.connectTimeout,
        headersMs: config.values.requestTimeout,
        stallMs: config.values.stallTimeout,
      };
      // HTTP(S)_PROXY / NO_PROXY carry the API, video and upload requests; the in-process sandbox is never proxied.
      const [{ WanClient }, { proxyPlan }] = await Promise.all([import('../api/client.js'), import('../net/proxy.js')]);
      const plan = this.flags.sandbox ? undefined : proxyPlan(this.io.env);
      const dispatcher = plan
        ? (await import('../net/proxy-dispatcher.js')).createProxyDispatcher(plan, {
            connectMs: timeouts.connectMs,
            headersMs: timeouts.headersMs,
            bodyMs: timeouts.stallMs,
          })
        : undefined;
      return new WanClient({
        apiKey,
        dispatcher,
        region: config.values.region,
        baseUrl,
        workspace: config.values.workspace,
        clock: this.clock,
        timeouts,
        retry: { attempts: config.values.retries },
        onDebug: this.flags.debug ? (line) => this.ui.debug(redactSecret(line, apiKey)) : undefined,
      });
    });
    return this.clientPromise;
  }

  /** Where this process's --sandbox serves videos (undefined without --sandbox). */
  async sandboxVideoOrigin(): Promise<string | undefined> {
    await this.client();
    return this.sandbox?.videoOrigin;
  }

  /** The task journal; sandbox tasks are kept apart from real ones. */
  journal(): Promise<Journal> {
    const dir = this.flags.sandbox ? path.join(stateDir(this.io), 'sandbox') : stateDir(this.io);
    this.journalPromise ??= import('../journal/journal.js').then(
      ({ Journal }) => new Journal(dir, { now: () => this.clock.now() }),
    );
    return this.journalPromise;
  }

  /** What the jobs layer works with: client, journal, clock, the interrupt signal, and this command's voice. */
  async job(ui: Ui = this.ui): Promise<Job> {
    const [client, journal] = await Promise.all([this.client(), this.journal()]);
    return {
      client,
      journal,
      clock: this.clock,
      signal: this.signal,
      note: (text) => ui.info(text),
      warn: (text) => ui.warn(text),
    };
  }

  async close(): Promise<void> {
    await this.sandbox?.close();
  }
}

/** Where `wan` keeps state: `$WAN_STATE_DIR`, else `$XDG_STATE_HOME/wan`, else `~/.local/state/wan`. */
export function stateDir(io: IO): string {
  if (io.env.WAN_STATE_DIR) return path.resolve(io.cwd, io.env.WAN_STATE_DIR);
  const base = io.env.XDG_STATE_HOME
    ? path.resolve(io.cwd, io.env.XDG_STATE_HOME)
    : path.join(io.home, '.local', 'state');
  return path.join(base, 'wan');
}

/** Loaded only with --sandbox: nothing of the sandbox is on the start-up path of other commands. */
async function sandboxOptionsFromEnv(io: IO): Promise<SandboxOptions> {
  const { parseFaultSpecs } = await import('../sandbox/fault-spec.js');
  // An empty variable counts as unset; a bad one is an error naming it, not silently ignored.
  const ms = (name: string): number | undefined => (io.env[name] ? parseDuration(io.env[name]!, name) : undefined);
  let rules: ReturnType<typeof parseFaultSpecs>;
  try {
    rules = parseFaultSpecs(io.env.WAN_SANDBOX_FAULTS ?? '');
  } catch (err) {
    throw new UsageError((err as Error).message, 'WAN_SANDBOX_FAULTS');
  }
  return {
    stateDir: path.join(stateDir(io), 'sandbox'),
    pendingMs: ms('WAN_SANDBOX_PENDING') ?? 1000,
    runningMs: ms('WAN_SANDBOX_RUNNING') ?? 4000,
    faults: rules.length > 0 ? { rules } : undefined,
  };
}

/** The action wrapper every command uses: build the context, run, report errors, clean up. */
export type Handler<A extends unknown[]> = (ctx: CommandContext, ...args: A) => Promise<number>;

export interface App {
  io: IO;
  services: Services;
  exitCode: number;
}

export function action<A extends unknown[]>(app: App, handler: Handler<A>) {
  return async (...args: unknown[]): Promise<void> => {
    const command = args[args.length - 1] as Command;
    const ctx = new CommandContext(app.io, app.services, command.optsWithGlobals<GlobalFlags>());
    try {
      app.exitCode = await handler(ctx, ...(args.slice(0, -1) as A));
    } catch (err) {
      app.exitCode = reportError(err, ctx.ui);
    } finally {
      await ctx.close();
    }
  };
}
