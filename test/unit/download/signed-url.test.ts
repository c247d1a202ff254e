import { describe, expect, it } from 'vitest';
import { describeUrl, urlExpiry } from '../../../src/api/download/index.js';
import { expiredMessage, formatDuration, redactUrl } from '../../../src/api/download/signed-url.js';

const SIGNED =
  'https://dashscope-result-bj.oss-cn-beijing.aliyuncs.com/1d/7f/20250601/abc/task-1.mp4?Expires=1748865600&OSSAccessKeyId=LTAI5tXXXX&Signature=a%2Bb%3D';

describe('urlExpiry', () => {
  it('reads Expires (unix seconds) from a V1 signed URL', () => {
    expect(urlExpiry(SIGNED)).toEqual(new Date(1748865600 * 1000));
  });

  it('reads x-oss-date + x-oss-expires from a V4 signed URL', () => {
    const v4 =
      'https://b.oss-cn-beijing.aliyuncs.com/v.mp4?x-oss-signature-version=OSS4-HMAC-SHA256&x-oss-date=20250601T120000Z&x-oss-expires=86400&x-oss-signature=abc';
    expect(urlExpiry(v4)).toEqual(new Date('2025-06-02T12:00:00Z'));
  });

  it.each([
    ['no Expires', 'https://example.com/v.mp4'],
    ['a non-numeric Expires', 'https://example.com/v.mp4?Expires=tomorrow'],
    ['an invalid URL', 'not a url'],
  ])('is undefined for %s', (_, url) => {
    expect(urlExpiry(url)).toBeUndefined();
  });
});

describe('describeUrl', () => {
  it('keeps origin and path, drops the signed query', () => {
    expect(describeUrl(SIGNED)).toBe(
      'https://dashscope-result-bj.oss-cn-beijing.aliyuncs.com/1d/7f/20250601/abc/task-1.mp4',
    );
  });

  it('drops user info and fragments too', () => {
    expect(describeUrl('https://user:pw@example.com:8443/a.mp4?x=1#frag')).toBe('https://example.com:8443/a.mp4');
  });

  it('does not echo an unparsable string', () => {
    expect(describeUrl('Signature=secret')).toBe('<invalid URL>');
  });
});

describe('expiry messages', () => {
  it('says when, how long ago and why', () => {
    const message = expiredMessage(SIGNED, new Date(1748865600 * 1000), 1748865600 * 1000 + 26 * 3600 * 1000);
    expect(message).toContain('2025-06-02T12:00:00.000Z');
    expect(message).toContain('26 h ago');
    expect(message).toContain('24 hours after the task ends');
    expect(message).not.toContain('Signature');
  });

  it.each([
    [45_000, '45 s'],
    [5 * 60_000, '5 min'],
    [2 * 3600_000 + 5 * 60_000, '2 h 5 min'],
    [3 * 24 * 3600_000 + 4 * 3600_000, '3 d 4 h'],
  ])('formats %i ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('redacts the query from free text', () => {
    expect(redactUrl(`failed: ${SIGNED}`, SIGNED)).not.toContain('Signature');
  });
});
