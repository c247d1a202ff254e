import { ConfigError, type ResolvedConfig } from '../config/index.js';
import { type CheckResult, printResult, result } from '../doctor/check-result.js';
import { diskCheck, outputDirCheck } from '../doctor/local-checks.js';
import { networkChecks } from '../doctor/network-checks.js';
import {
  configCheck,
  endpointCheck,
  keyCheck,
  keyFormatCheck,
  proxyCheck,
  SANDBOX_KEY,
} from '../doctor/settings-checks.js';
import { type ProxyPlan, proxyPlan } from '../net/proxy.js';
import { EXIT } from '../output/exit-codes.js';
import type { CommandContext } from './context.js';

/** `wan doctor`: every check in order, each line printed as it completes (or one JSON array); returns the exit code. */
export async function runDoctor(ctx: CommandContext): Promise<number> {
  const results: CheckResult[] = [];
  const emit = (result: CheckResult) => {
    results.push(result);
    if (!ctx.ui.json) printResult(ctx.ui, result);
  };
  const sandbox = Boolean(ctx.flags.sandbox);

  let config: ResolvedConfig | undefined;
  try {
    config = await ctx.config();
    emit(configCheck(config));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    emit(
      result(
        'config',
        'fail',
        err.message,
        `correct ${err.source ?? 'the value'}${err.key ? ` (${err.key})` : ''}; wan help config lists the keys`,
      ),
    );
  }

  const apiKey = sandbox ? SANDBOX_KEY : config?.apiKey;
  emit(keyCheck(config, sandbox));
  emit(keyFormatCheck(apiKey));
  const baseUrl = config ? (sandbox ? (await ctx.client()).baseUrl : config.baseUrl) : undefined;
  emit(endpointCheck(config, baseUrl, sandbox));

  let plan: ProxyPlan | undefined;
  let proxyOk = true;
  if (sandbox) {
    emit(result('proxy', 'pass', 'not used: --sandbox talks to its loopback server directly'));
  } else {
    try {
      plan = proxyPlan(ctx.io.env);
      emit(proxyCheck(ctx.io.env, plan, baseUrl));
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      proxyOk = false;
      emit(result('proxy', 'fail', err.message, `set ${err.source} to http://host:port, or unset it`));
    }
  }

  const net = await networkChecks(ctx, { config, baseUrl, apiKey, plan, proxyOk, sandbox });
  for (const r of net.results) emit(r);

  const outputDir = config?.values.outputDir ?? ctx.io.cwd;
  const dir = await outputDirCheck(outputDir);
  emit(dir.result);
  emit(await diskCheck(dir.existing));

  const failed = results.filter((r) => r.status === 'fail').length;
  const warned = results.filter((r) => r.status === 'warn').length;
  if (ctx.ui.json) ctx.ui.resultJson(results);
  else if (!ctx.ui.options.quiet) {
    ctx.ui.result(
      failed === 0 && warned === 0
        ? `all ${results.length} checks passed`
        : `${results.length} checks: ${failed} failed, ${warned} warning${warned === 1 ? '' : 's'}`,
    );
  }
  if (failed === 0) return EXIT.OK;
  // As everywhere in wan: a missing or refused key is exit 3 (wan help exit-codes).
  const keyMissing = results.some((r) => r.check === 'api-key' && r.status === 'fail');
  return keyMissing || net.keyRejected ? EXIT.AUTH : EXIT.ERROR;
}
