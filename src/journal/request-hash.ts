import { createHash } from 'node:crypto';

/**
 * SHA-256 (lowercase hex) of a canonical JSON form of a request body: object keys sorted at every
 * depth, array order kept, `undefined` members dropped and `toJSON` applied as `JSON.stringify` does.
 * Two bodies that mean the same request hash the same regardless of how they were built.
 * Strings are hashed as given (no Unicode normalisation): the service sees exactly those bytes.
 */
export function requestHash(body: unknown): string {
  const plain = JSON.stringify(body);
  if (plain === undefined) throw new TypeError('requestHash: the body has no JSON form');
  return createHash('sha256')
    .update(canonicalJson(JSON.parse(plain)))
    .digest('hex');
}

/**
 * Serialised by hand: rebuilding an object with sorted keys is not enough, because JavaScript
 * orders integer-like keys ("2", "10") before the others whatever the insertion order.
 */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    const members = Object.keys(object)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(object[key])}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value);
}
