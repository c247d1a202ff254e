/**
 * A minimal `multipart/form-data` reader (RFC 7578) for the upload host: the form is a handful of
 * small fields plus one file, already in memory under a size cap, so a whole-buffer parse is enough
 * and avoids a dependency.
 */

export interface FormPart {
  /** `name` of Content-Disposition. */
  name: string;
  filename?: string;
  contentType?: string;
  data: Buffer;
}

/** More parts than a PostObject form ever has means something is wrong. */
const MAX_PARTS = 64;
const MAX_HEADER_BYTES = 8 * 1024;
const CRLF = Buffer.from('\r\n');

/** The boundary of a `multipart/form-data` Content-Type, or undefined if it is not one. */
export function boundaryOf(contentType: string | undefined): string | undefined {
  if (!contentType || !/^\s*multipart\/form-data\s*(;|$)/i.test(contentType)) return undefined;
  const m = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = m?.[1] ?? m?.[2];
  return boundary && boundary.length <= 200 ? boundary : undefined;
}

/** The parts in order, or undefined if the body is not well-formed for this boundary. */
export function parseMultipart(body: Buffer, boundary: string): FormPart[] | undefined {
  const delimiter = Buffer.from(`--${boundary}`);
  const between = Buffer.from(`\r\n--${boundary}`);
  // The first delimiter may follow a preamble; the others are always preceded by CRLF.
  let pos = body.indexOf(delimiter);
  if (pos === -1) return undefined;
  pos += delimiter.length;
  const parts: FormPart[] = [];
  for (;;) {
    if (body.subarray(pos, pos + 2).toString('latin1') === '--') return parts;
    while (body[pos] === 0x20 || body[pos] === 0x09) pos++; // transport padding
    if (!body.subarray(pos, pos + 2).equals(CRLF)) return undefined;
    pos += 2;
    const headerEnd = body.indexOf('\r\n\r\n', pos);
    if (headerEnd === -1 || headerEnd - pos > MAX_HEADER_BYTES) return undefined;
    const headers = partHeaders(body.toString('utf8', pos, headerEnd));
    const dataStart = headerEnd + 4;
    const next = body.indexOf(between, dataStart);
    if (!headers || next === -1 || parts.length >= MAX_PARTS) return undefined;
    parts.push({ ...headers, data: body.subarray(dataStart, next) });
    pos = next + between.length;
  }
}

function partHeaders(text: string): Omit<FormPart, 'data'> | undefined {
  let disposition: string | undefined;
  let contentType: string | undefined;
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon === -1) return undefined;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'content-disposition') disposition = value;
    else if (name === 'content-type') contentType = value;
  }
  if (!disposition || !/^form-data\s*(;|$)/i.test(disposition)) return undefined;
  const params = dispositionParams(disposition);
  if (params.name === undefined) return undefined;
  return {
    name: params.name,
    ...(params.filename !== undefined ? { filename: params.filename } : {}),
    ...(contentType !== undefined ? { contentType } : {}),
  };
}

/** `name="key"; filename="a b.mp3"` → { name, filename } (quoted strings may escape `"` and `\`). */
function dispositionParams(value: string): Record<string, string> {
  const params: Record<string, string> = {};
  const re = /;\s*([\w*.-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g;
  for (let m = re.exec(value); m; m = re.exec(value)) {
    params[m[1]!.toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]!.trim();
  }
  return params;
}
