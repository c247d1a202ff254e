/** A parsed `Content-Range` response header (RFC 9110 §14.4). */
export type ContentRange =
  /** `bytes START-END/TOTAL` (END inclusive); `total` is undefined for `/*`. */
  | { kind: 'range'; start: number; end: number; total: number | undefined }
  /** `bytes` then an asterisk and `/TOTAL`, sent with 416: the range asked for starts at or after TOTAL. */
  | { kind: 'unsatisfied'; total: number };

/** Parses `Content-Range`; `undefined` for anything malformed or inconsistent (start > end, end ≥ total). */
export function parseContentRange(value: string | undefined): ContentRange | undefined {
  if (!value) return undefined;
  const text = value.trim();
  const unsatisfied = /^bytes \*\/(\d{1,16})$/i.exec(text);
  if (unsatisfied) return { kind: 'unsatisfied', total: Number(unsatisfied[1]) };
  const m = /^bytes (\d{1,16})-(\d{1,16})\/(\d{1,16}|\*)$/i.exec(text);
  if (!m) return undefined;
  const start = Number(m[1]);
  const end = Number(m[2]);
  const total = m[3] === '*' ? undefined : Number(m[3]);
  if (start > end || (total !== undefined && end >= total)) return undefined;
  return { kind: 'range', start, end, total };
}
