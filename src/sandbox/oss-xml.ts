/** Escapes text for an XML element body. */
function xmlText(value: string): string {
  return value.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface OssError {
  status: number;
  code: string;
  message: string;
  /** Extra elements OSS adds for some codes (e.g. `Expires`/`ServerTime` for expired URLs). */
  details?: Record<string, string>;
}

/** The OSS error document: `<Error><Code/><Message/><RequestId/><HostId/>…</Error>`. */
export function ossErrorXml(error: OssError, requestId: string, hostId: string): string {
  const extra = Object.entries(error.details ?? {})
    .map(([name, value]) => `  <${name}>${xmlText(value)}</${name}>\n`)
    .join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n' +
    `  <Code>${xmlText(error.code)}</Code>\n` +
    `  <Message>${xmlText(error.message)}</Message>\n` +
    `  <RequestId>${requestId}</RequestId>\n` +
    `  <HostId>${xmlText(hostId)}</HostId>\n` +
    extra +
    '</Error>\n'
  );
}
