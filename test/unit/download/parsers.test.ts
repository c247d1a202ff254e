import { describe, expect, it } from 'vitest';
import { parseContentRange } from '../../../src/api/download/content-range.js';
import { describeHead, looksLikeMp4 } from '../../../src/api/download/mp4-sniff.js';
import { isExpiredOssError, parseOssError } from '../../../src/api/download/oss-error.js';

describe('parseContentRange', () => {
  it.each([
    ['bytes 0-499/1234', { kind: 'range', start: 0, end: 499, total: 1234 }],
    ['bytes 500-1233/1234', { kind: 'range', start: 500, end: 1233, total: 1234 }],
    ['bytes 0-499/*', { kind: 'range', start: 0, end: 499, total: undefined }],
    ['bytes */1234', { kind: 'unsatisfied', total: 1234 }],
  ])('parses %s', (header, parsed) => {
    expect(parseContentRange(header)).toEqual(parsed);
  });

  it.each([undefined, '', 'bytes 5-4/10', 'bytes 0-10/10', 'items 0-1/2', 'bytes=0-1/2', 'bytes 0-1/2, 3-4/5'])(
    'rejects %s',
    (header) => {
      expect(parseContentRange(header)).toBeUndefined();
    },
  );
});

describe('parseOssError', () => {
  const expired =
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n  <Code>AccessDenied</Code>\n  <Message>Request has expired.</Message>\n  <RequestId>6555F3A2B8D1E83431A3C1E9</RequestId>\n</Error>';

  it('reads Code, Message and RequestId', () => {
    expect(parseOssError(expired)).toEqual({
      code: 'AccessDenied',
      message: 'Request has expired.',
      requestId: '6555F3A2B8D1E83431A3C1E9',
    });
    expect(isExpiredOssError(parseOssError(expired))).toBe(true);
  });

  it('tells other AccessDenied errors apart from expiry', () => {
    const other = parseOssError(
      '<Error><Code>AccessDenied</Code><Message>You have no right to access this object.</Message></Error>',
    );
    expect(isExpiredOssError(other)).toBe(false);
    expect(
      isExpiredOssError(parseOssError('<Error><Code>SignatureDoesNotMatch</Code><Message>expired?</Message></Error>')),
    ).toBe(false);
  });

  it('decodes entities and ignores bodies that are not OSS errors', () => {
    expect(parseOssError('<Error><Code>X</Code><Message>a &lt;b&gt; &amp; c</Message></Error>')?.message).toBe(
      'a <b> & c',
    );
    expect(parseOssError('<html>502 Bad Gateway</html>')).toBeUndefined();
    expect(parseOssError('')).toBeUndefined();
  });
});

describe('looksLikeMp4', () => {
  it('accepts an ftyp box header and rejects everything else', () => {
    expect(looksLikeMp4(Buffer.concat([Buffer.from([0, 0, 0, 0x20]), Buffer.from('ftypmp42')]))).toBe(true);
    expect(looksLikeMp4(Buffer.from('<!DOCTYPE html>'))).toBe(false);
    expect(looksLikeMp4(Buffer.from('<?xml ve'))).toBe(false);
    expect(looksLikeMp4(Buffer.from([0, 0, 0, 0x18, 0x66, 0x74, 0x79]))).toBe(false); // too short
  });

  it('describes what came instead, printable characters only', () => {
    expect(describeHead(Buffer.from('<html>\n<body>'))).toBe('a body starting "<html>.<body>"');
    expect(describeHead(Buffer.alloc(0))).toBe('an empty body');
  });
});
