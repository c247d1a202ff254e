import { codesOfStatus, dashscopeCode } from './error-codes.js';
import type { FaultEndpoint, FaultRule } from './types.js';

/**
 * The compact text form of a {@link FaultRule}, used by `wan sandbox --fault` and `WAN_SANDBOX_FAULTS`
 * so CI can switch faults on without code:
 *
 *   spec     = endpoint ":" kind *( ":" option )
 *   endpoint = create | query | list | cancel | upload-policy | upload | video
 *   kind     = status=<400-599> | reset[=<bytes>] | short=<bytes> | slow=<bytes/s> | stall[=<bytes>]
 *   option   = times=<n> | after=<n> | probability=<0..1> | retry-after=<seconds> | html | code=<code>
 *
 * e.g. `create:status=429:retry-after=2:times=1`, `video:reset=65536`, `query:status=500:after=2:times=3`,
 * `create:status=400:code=DataInspectionFailed` (a DashScope code from error-codes.ts, with its own
 * status, on an API endpoint: the body carries the code's documented message).
 * This module is pure (no I/O) so the CLI can load it without starting anything.
 */

/** A fault spec or rule that cannot be used; the message is one line and names the bad part. */
export class FaultSpecError extends Error {
  override readonly name = 'FaultSpecError';
}

export const FAULT_ENDPOINTS: readonly FaultEndpoint[] = [
  'create',
  'query',
  'list',
  'cancel',
  'upload-policy',
  'upload',
  'video',
];
const KINDS = ['status', 'reset', 'short', 'slow', 'stall'] as const;
/** The endpoints DashScope answers (JSON), where a status fault may name a DashScope code. */
const API_ENDPOINTS: readonly FaultEndpoint[] = ['create', 'query', 'list', 'cancel', 'upload-policy'];

const WHOLE = /^\d+$/;
const FRACTION = /^(?:0(?:\.\d*)?|1(?:\.0*)?|\.\d+)$/;

/** Parses one spec such as `query:status=503:html`. */
export function parseFaultSpec(spec: string): FaultRule {
  const text = spec.trim();
  const fail = (reason: string): never => {
    throw new FaultSpecError(`fault "${text}": ${reason}`);
  };
  const [endpoint = '', kindPart, ...options] = text.split(':').map((p) => p.trim());
  if (endpoint === '') fail(`missing endpoint; use one of ${FAULT_ENDPOINTS.join(', ')}`);
  if (!(FAULT_ENDPOINTS as readonly string[]).includes(endpoint)) {
    fail(`"${endpoint}" is not an endpoint; use one of ${FAULT_ENDPOINTS.join(', ')}`);
  }
  if (kindPart === undefined || kindPart === '')
    fail(`missing fault after "${endpoint}:"; use one of ${KINDS.join(', ')}`);

  const [kind, value] = splitPart(kindPart!);
  const whole = (part: string, v: string | undefined, what: string): number => {
    if (v === undefined || !WHOLE.test(v)) fail(`"${part}" needs ${what}`);
    return Number(v);
  };
  let rule: FaultRule;
  const match = { endpoint: endpoint as FaultEndpoint };
  switch (kind) {
    case 'status':
      rule = { ...match, kind, status: whole(kindPart!, value, 'an HTTP status, e.g. status=429') };
      break;
    case 'reset':
      rule =
        value === undefined
          ? { ...match, kind }
          : { ...match, kind, afterBytes: whole(kindPart!, value, 'a whole number of bytes') };
      break;
    case 'short':
      rule = { ...match, kind, afterBytes: whole(kindPart!, value, 'a whole number of bytes, e.g. short=1000') };
      break;
    case 'stall':
      rule = {
        ...match,
        kind,
        afterBytes: value === undefined ? 0 : whole(kindPart!, value, 'a whole number of bytes'),
      };
      break;
    case 'slow':
      rule = { ...match, kind, bytesPerSecond: whole(kindPart!, value, 'bytes per second, e.g. slow=200000') };
      break;
    default:
      return fail(`"${kindPart}" is not a fault; use one of ${KINDS.join(', ')}`);
  }

  const seen = new Set<string>();
  for (const option of options) {
    const [name, v] = splitPart(option);
    if (option === '') fail('empty option (two colons in a row?)');
    if (seen.has(name)) fail(`"${name}" is given twice`);
    seen.add(name);
    switch (name) {
      case 'times':
        rule.times = whole(option, v, 'a whole number, e.g. times=1');
        break;
      case 'after':
        rule.after = whole(option, v, 'a whole number, e.g. after=2');
        break;
      case 'probability':
        if (v === undefined || !FRACTION.test(v)) fail(`"${option}" needs a number from 0 to 1, e.g. probability=0.25`);
        rule.probability = Number(v);
        break;
      case 'retry-after':
        if (rule.kind !== 'status') fail(`"${option}" only applies to status faults`);
        (rule as Extract<FaultRule, { kind: 'status' }>).retryAfter = whole(option, v, 'a whole number of seconds');
        break;
      case 'html':
        if (rule.kind !== 'status') fail(`"html" only applies to status faults`);
        if (v !== undefined) fail(`"${option}": html takes no value`);
        (rule as Extract<FaultRule, { kind: 'status' }>).html = true;
        break;
      case 'code':
        if (rule.kind !== 'status') fail(`"${option}" only applies to status faults`);
        if (v === undefined || v === '') fail(`"${option}" needs a DashScope error code, e.g. code=Arrearage`);
        (rule as Extract<FaultRule, { kind: 'status' }>).code = v;
        break;
      default:
        fail(`"${option}" is not an option; use times=, after=, probability=, retry-after=, html or code=`);
    }
  }
  validateFaultRule(rule, text);
  return rule;
}

/** Parses specs separated by commas or semicolons (the form of `WAN_SANDBOX_FAULTS`); blanks are skipped. */
export function parseFaultSpecs(text: string): FaultRule[] {
  return text
    .split(/[,;]/)
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(parseFaultSpec);
}

/** The canonical spec of a rule; what {@link SandboxRequest.fault} shows. Round-trips through parseFaultSpec. */
export function formatFaultRule(rule: FaultRule): string {
  const parts: string[] = [rule.endpoint];
  switch (rule.kind) {
    case 'status':
      parts.push(`status=${rule.status}`);
      if (rule.code !== undefined) parts.push(`code=${rule.code}`);
      if (rule.html) parts.push('html');
      if (rule.retryAfter !== undefined) parts.push(`retry-after=${rule.retryAfter}`);
      break;
    case 'reset':
      parts.push(rule.afterBytes === undefined ? 'reset' : `reset=${rule.afterBytes}`);
      break;
    case 'slow':
      parts.push(`slow=${rule.bytesPerSecond}`);
      break;
    default:
      parts.push(`${rule.kind}=${rule.afterBytes}`);
  }
  if (rule.after !== undefined && rule.after > 0) parts.push(`after=${rule.after}`);
  if (rule.times !== undefined && rule.times !== Infinity) parts.push(`times=${rule.times}`);
  if (rule.probability !== undefined && rule.probability !== 1) parts.push(`probability=${rule.probability}`);
  return parts.join(':');
}

/**
 * Checks a rule's values, whether parsed or written in code (`setFaults` calls this), so a typo fails
 * loudly instead of silently injecting nothing. `label` names the rule in the message.
 */
export function validateFaultRule(rule: FaultRule, label = describe(rule)): void {
  const fail = (reason: string): never => {
    throw new FaultSpecError(`fault "${label}": ${reason}`);
  };
  const count = (value: number | undefined, name: string, min: number) => {
    if (value === undefined) return;
    if (!(Number.isInteger(value) && value >= min) && !(name === 'times' && value === Infinity)) {
      fail(`${name}=${value} must be a whole number${min > 0 ? ` of at least ${min}` : ''}`);
    }
  };
  if (!(FAULT_ENDPOINTS as readonly string[]).includes(rule.endpoint)) fail(`"${rule.endpoint}" is not an endpoint`);
  count(rule.times, 'times', 1);
  count(rule.after, 'after', 0);
  if (rule.probability !== undefined && !(rule.probability >= 0 && rule.probability <= 1)) {
    fail(`probability=${rule.probability} must be from 0 to 1`);
  }
  switch (rule.kind) {
    case 'status':
      if (!(Number.isInteger(rule.status) && rule.status >= 400 && rule.status <= 599)) {
        fail(`status=${rule.status} is not an HTTP error status (400–599)`);
      }
      count(rule.retryAfter, 'retry-after', 0);
      if (rule.code !== undefined) checkCode(rule.code, rule, fail);
      break;
    case 'reset':
    case 'short':
    case 'stall':
      count(rule.afterBytes, rule.kind, 0);
      if (rule.kind !== 'reset' && rule.afterBytes === undefined) fail(`${rule.kind} needs afterBytes`);
      break;
    case 'slow':
      count(rule.bytesPerSecond, 'slow', 1);
      if (rule.bytesPerSecond === undefined) fail('slow needs bytesPerSecond');
      break;
    default:
      fail(`"${(rule as { kind: unknown }).kind}" is not a fault kind; use one of ${KINDS.join(', ')}`);
  }
}

/** A code is DashScope's (§5), answered with its own status, in JSON: not on the OSS stand-in, not as HTML. */
function checkCode(code: string, rule: Extract<FaultRule, { kind: 'status' }>, fail: (reason: string) => never) {
  const known = dashscopeCode(code);
  if (!known) {
    const same = codesOfStatus(rule.status);
    const hint = same.length > 0 ? `; use one of ${same.join(', ')}` : ` answered with status ${rule.status}`;
    fail(`code=${code} is not a DashScope error code the sandbox knows${hint} (wan help sandbox lists them)`);
  }
  if (known.status !== rule.status) fail(`code=${code} is answered with status ${known.status}, not ${rule.status}`);
  if (!API_ENDPOINTS.includes(rule.endpoint)) {
    fail(`code= only applies to the API endpoints (${API_ENDPOINTS.join(', ')}); ${rule.endpoint} answers as OSS`);
  }
  if (rule.html) fail('code and html exclude each other: a gateway page carries no DashScope code');
}

function describe(rule: FaultRule): string {
  try {
    return formatFaultRule(rule);
  } catch {
    return JSON.stringify(rule);
  }
}

/** `name=value` → [name, value]; `name` → [name, undefined]. */
function splitPart(part: string): [string, string | undefined] {
  const eq = part.indexOf('=');
  return eq === -1 ? [part, undefined] : [part.slice(0, eq).trim(), part.slice(eq + 1).trim()];
}
