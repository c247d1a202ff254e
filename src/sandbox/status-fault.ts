import { type Exchange, sendBody, sendJson } from './exchange.js';
import { gatewayHtml } from './gateway-html.js';
import { newOssRequestId, newUuid } from './ids.js';
import { ossErrorXml } from './oss-xml.js';
import { dashscopeError, ossError } from './status-errors.js';
import type { FaultRule, SandboxRequest } from './types.js';

type StatusRule = Extract<FaultRule, { kind: 'status' }>;

/**
 * Answers a request with a `status` fault instead of handling it, in the dialect of the listener:
 * DashScope JSON on the API, OSS XML on the video/upload host, or a gateway's HTML page with `html`.
 */
export function sendStatusFault(ex: Exchange, rule: StatusRule, listener: SandboxRequest['listener']): void {
  ex.req.resume();
  const extra: Record<string, string> = rule.retryAfter !== undefined ? { 'retry-after': String(rule.retryAfter) } : {};
  if (rule.html)
    return sendBody(ex, rule.status, 'text/html', gatewayHtml(rule.status), { server: 'Tengine', ...extra });
  if (listener === 'api') {
    const { code, message } = dashscopeError(rule.status, rule.code);
    return sendJson(ex, rule.status, { code, message, request_id: newUuid() }, extra);
  }
  const requestId = newOssRequestId();
  const xml = ossErrorXml(
    { status: rule.status, ...ossError(rule.status) },
    requestId,
    ex.req.headers.host ?? 'localhost',
  );
  sendBody(ex, rule.status, 'application/xml', xml, { 'x-oss-request-id': requestId, server: 'AliyunOSS', ...extra });
}
