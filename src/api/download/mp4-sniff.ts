/**
 * An MP4 (ISO BMFF) file starts with a box header: a 4-byte size then the type `ftyp`. Checking the
 * first chunk for it means an HTML or XML error page served with status 200 (a captive portal, a
 * misconfigured proxy) is rejected before it is saved as `video.mp4`.
 */
export const SNIFF_BYTES = 8;

const FTYP = [0x66, 0x74, 0x79, 0x70]; // "ftyp"

/** True when `head` (the first bytes of the file, at least 8) has `ftyp` at bytes 4..8. */
export function looksLikeMp4(head: Uint8Array): boolean {
  return head.length >= SNIFF_BYTES && FTYP.every((byte, i) => head[4 + i] === byte);
}

/** What the body looked like instead, for the error message: printable characters of the first bytes. */
export function describeHead(head: Uint8Array): string {
  const text = Array.from(head.subarray(0, 16), (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
  return head.length === 0 ? 'an empty body' : `a body starting "${text}"`;
}
