/**
 * OSS answers errors with a small XML document:
 * `<Error><Code>AccessDenied</Code><Message>Request has expired.</Message><RequestId>…</RequestId>…</Error>`.
 * We only need a few fields, so a tolerant regex read beats pulling in an XML parser.
 */
export interface OssError {
  code?: string;
  message?: string;
  requestId?: string;
}

/** The fields of an OSS XML error body, or `undefined` when the body is not one. */
export function parseOssError(body: string): OssError | undefined {
  if (!/<Error>/.test(body)) return undefined;
  const error: OssError = {};
  const code = field(body, 'Code');
  const message = field(body, 'Message');
  const requestId = field(body, 'RequestId');
  if (code !== undefined) error.code = code;
  if (message !== undefined) error.message = message;
  if (requestId !== undefined) error.requestId = requestId;
  return code === undefined && message === undefined ? undefined : error;
}

/** OSS's answer to a signed URL used after its `Expires`: 403 `AccessDenied` "Request has expired." */
export function isExpiredOssError(error: OssError | undefined): boolean {
  return error?.code === 'AccessDenied' && /expired/i.test(error.message ?? '');
}

function field(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>([^<]{0,500})</${name}>`).exec(xml);
  return m ? decodeEntities(m[1]!.trim()) : undefined;
}

function decodeEntities(text: string): string {
  return text.replace(
    /&(lt|gt|amp|quot|apos);/g,
    (_, e: string) => ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" })[e]!,
  );
}
