import { isInsecureRemote } from '../config/base-url.js';
import { maskKey, type ResolvedConfig, type ValueSource } from '../config/index.js';
import {
  ignoredProxyVariables,
  type ProxyPlan,
  type ProxyRoute,
  routeFor,
  unsupportedNoProxyEntries,
} from '../net/proxy.js';
import type { IO } from '../output/io.js';
import { type CheckResult, result } from './check-result.js';

/** The checks that need no network: configuration, key, endpoint and proxy settings. */

/** The key the in-process sandbox is given by context.ts: a real key never goes to the sandbox. */
import { SANDBOX_KEY } from '../sandbox/sandbox-key.js';

export { SANDBOX_KEY };

function sourceText(source: ValueSource | undefined): string {
  return source ? `${source.kind}${source.detail ? ` ${source.detail}` : ''}` : 'default';
}

export function configCheck(config: ResolvedConfig): CheckResult {
  if (!config.configFile) return result('config', 'pass', 'no config file; environment and defaults');
  return result('config', 'pass', `${config.configFile}${config.profile ? ` (profile ${config.profile})` : ''}`);
}

export function keyCheck(config: ResolvedConfig | undefined, sandbox: boolean): CheckResult {
  if (sandbox)
    return result(
      'api-key',
      'pass',
      `--sandbox: the sandbox's stand-in key ${SANDBOX_KEY} (a real key is never sent to it)`,
    );
  if (!config)
    return result('api-key', 'skip', 'not looked for: the configuration is unusable', 'fix the config check first');
  if (config.apiKey) return result('api-key', 'pass', `${maskKey(config.apiKey)} from ${config.apiKeySource}`);
  return result(
    'api-key',
    'fail',
    'no API key found in DASHSCOPE_API_KEY, the config file (apiKey), DASHSCOPE_API_KEY_FILE_PATH or ~/.dashscope/api_key',
    'export DASHSCOPE_API_KEY=sk-… with a key from the Model Studio console of your region (or try wan without one: wan --sandbox run "a prompt")',
  );
}

export function keyFormatCheck(key: string | undefined): CheckResult {
  if (key === undefined) return result('key-format', 'skip', 'no key to check', 'see the api-key check');
  if (/\s/.test(key))
    return result(
      'key-format',
      'fail',
      `${maskKey(key)} contains white space (a space or line break copied with it)`,
      'copy the key again, without spaces or line breaks',
    );
  if (/[^\x21-\x7e]/.test(key))
    return result(
      'key-format',
      'fail',
      `${maskKey(key)} contains characters an HTTP header cannot carry`,
      'copy the key again from the Model Studio console',
    );
  if (!key.startsWith('sk-'))
    return result(
      'key-format',
      'fail',
      `${maskKey(key)} does not start with sk- as Model Studio (DashScope) keys do`,
      "use a Model Studio API key (sk- followed by 32 characters), not another service's key",
    );
  return result('key-format', 'pass', `sk- prefix, ${key.length} characters, no white space`);
}

export function endpointCheck(
  config: ResolvedConfig | undefined,
  baseUrl: string | undefined,
  sandbox: boolean,
): CheckResult {
  if (!config || !baseUrl)
    return result('endpoint', 'skip', 'unknown: the configuration is unusable', 'fix the config check first');
  if (sandbox) return result('endpoint', 'pass', `${baseUrl} (the in-process sandbox)`);
  const region = config.values.region;
  const origin = config.values.baseUrl
    ? `base URL from ${sourceText(config.sources.baseUrl)}`
    : "the region's endpoint";
  // Where the region came from: a flag, a variable, the file, the base URL's host, or the default.
  const detail = `${baseUrl} — region ${region} (${sourceText(config.sources.region)}), ${origin}`;
  if (isInsecureRemote(baseUrl)) {
    return result('endpoint', 'warn', `${detail}; plain http sends the key unencrypted`, 'use an https:// base URL');
  }
  return result('endpoint', 'pass', detail);
}

function routeText(route: ProxyRoute): string {
  if (route.kind === 'proxy') return `through ${route.proxy.shown} (${route.proxy.variable})`;
  if (route.kind === 'bypass') return `direct (${route.variable} entry "${route.entry}")`;
  return 'direct (no proxy for this scheme)';
}

export function proxyCheck(env: IO['env'], plan: ProxyPlan | undefined, baseUrl: string | undefined): CheckResult {
  const ignored = ignoredProxyVariables(env);
  const ignoredFix = ignored.length
    ? `wan reads HTTPS_PROXY, HTTP_PROXY and NO_PROXY, not ${ignored.join('/')}: set HTTPS_PROXY=<the same URL>`
    : null;
  if (!plan) {
    const detail = 'none: HTTPS_PROXY and HTTP_PROXY are unset, connections are direct';
    return ignored.length
      ? result('proxy', 'warn', `${detail}; ${ignored.join(', ')} is set but not read`, ignoredFix)
      : result('proxy', 'pass', detail);
  }
  const vars = [
    plan.https && plan.https !== plan.http ? `${plan.https.variable}=${plan.https.shown}` : undefined,
    plan.http ? `${plan.http.variable}=${plan.http.shown}` : undefined,
  ]
    .filter(Boolean)
    .join(', ');
  const noProxy = plan.noProxyVariable ? `, ${plan.noProxyVariable}=${plan.noProxy}` : '';
  const api = baseUrl ? `API ${new URL(baseUrl).host}: ${routeText(routeFor(plan, baseUrl))}; ` : '';
  const videos = `https video and upload hosts: ${plan.https ? `through ${plan.https.shown} unless NO_PROXY lists them` : 'direct'}`;
  const detail = `${api}${videos} (${vars}${noProxy})`;
  const unsupported = unsupportedNoProxyEntries(plan);
  if (unsupported.length) {
    return result(
      'proxy',
      'warn',
      `${detail}; NO_PROXY entries ${unsupported.join(', ')} are compared as plain names (no CIDR ranges or inner wildcards)`,
      'list the host names (or a .domain suffix) to reach directly',
    );
  }
  if (ignored.length)
    return result('proxy', 'warn', `${detail}; ${ignored.join(', ')} is set but not read`, ignoredFix);
  return result('proxy', 'pass', detail);
}
