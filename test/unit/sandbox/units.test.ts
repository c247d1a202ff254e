import { describe, expect, it } from 'vitest';
import { parseRange } from '../../../src/sandbox/byte-range.js';
import { FaultState } from '../../../src/sandbox/faults.js';
import { FramePainter } from '../../../src/sandbox/frame-painter.js';
import { ossErrorXml } from '../../../src/sandbox/oss-xml.js';
import { RequestLog, redactAuthorization } from '../../../src/sandbox/request-log.js';
import { taskIdOfObjectPath, UrlSigner, videoObjectPath } from '../../../src/sandbox/signed-url.js';
import { beijingDay, formatBeijingTime } from '../../../src/sandbox/time-format.js';
import { validateCreate } from '../../../src/sandbox/validate-create.js';
import { VideoEncoder } from '../../../src/sandbox/video-encoder.js';
import { videoKey } from '../../../src/sandbox/video-spec.js';

describe('formatBeijingTime', () => {
  it('formats UTC+8 with milliseconds, like the service', () => {
    // dashscope-api.md §4: end_time 2025-08-18 16:29:23.053 ≈ Expires 1755592162 − 24 h.
    expect(formatBeijingTime(Date.parse('2025-08-18T08:29:23.053Z'))).toBe('2025-08-18 16:29:23.053');
    expect(formatBeijingTime(Date.parse('2025-12-31T16:00:00.000Z'))).toBe('2026-01-01 00:00:00.000');
    expect(beijingDay(Date.parse('2025-12-31T16:00:00.000Z'))).toBe('20260101');
  });
});

describe('parseRange', () => {
  it.each([
    [undefined, { kind: 'full' }],
    ['bytes=0-9', { kind: 'partial', start: 0, end: 9 }],
    ['bytes=10-', { kind: 'partial', start: 10, end: 99 }],
    ['bytes=90-500', { kind: 'partial', start: 90, end: 99 }],
    ['bytes=-5', { kind: 'partial', start: 95, end: 99 }],
    ['bytes=-500', { kind: 'partial', start: 0, end: 99 }],
    ['bytes=100-', { kind: 'unsatisfiable' }],
    ['bytes=100-200', { kind: 'unsatisfiable' }],
    ['bytes=-0', { kind: 'unsatisfiable' }],
    ['bytes=9-3', { kind: 'full' }],
    ['bytes=0-1,4-5', { kind: 'full' }],
    ['bytes=-', { kind: 'full' }],
    ['chars=0-1', { kind: 'full' }],
  ])('%s', (header, expected) => {
    expect(parseRange(header, 100)).toEqual(expected);
  });
});

describe('UrlSigner', () => {
  const signer = new UrlSigner('secret');
  it('signs method, expiry and path, and verifies only the same three', () => {
    const path = videoObjectPath('abc-123', Date.parse('2026-05-01T00:00:00Z'));
    expect(path).toBe('/dashscope-result-sandbox/20260501/abc-123.mp4');
    expect(taskIdOfObjectPath(path)).toBe('abc-123');
    const url = new URL(signer.url('http://127.0.0.1:1', path, 1800000000));
    const sig = url.searchParams.get('Signature')!;
    expect(signer.verify('GET', '1800000000', path, sig)).toBe(true);
    expect(signer.verify('HEAD', '1800000000', path, sig)).toBe(false);
    expect(signer.verify('GET', '1800000001', path, sig)).toBe(false);
    expect(signer.verify('GET', '1800000000', path.replace('abc', 'abd'), sig)).toBe(false);
    expect(new UrlSigner('other').verify('GET', '1800000000', path, sig)).toBe(false);
  });
});

describe('ossErrorXml', () => {
  it('writes the OSS error document and escapes text', () => {
    const xml = ossErrorXml(
      { status: 403, code: 'AccessDenied', message: 'a < b & c', details: { Key: 'x"y' } },
      'ABC',
      'host',
    );
    expect(xml).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n  <Code>AccessDenied</Code>\n  <Message>a &#60; b &#38; c</Message>\n' +
        '  <RequestId>ABC</RequestId>\n  <HostId>host</HostId>\n  <Key>x&#34;y</Key>\n</Error>\n',
    );
  });
});

describe('request log', () => {
  it('redacts credentials', () => {
    expect(redactAuthorization('Bearer sk-123')).toBe('Bearer ***');
    expect(redactAuthorization('sk-123')).toBe('***');
  });
  it('keeps at most the limit, trimming in batches', () => {
    const log = new RequestLog(10);
    for (let i = 0; i < 25; i++)
      log.add({
        listener: 'api',
        method: 'GET',
        path: `/${i}`,
        query: '',
        headers: {},
        hasAuthorization: false,
        status: 200,
        time: i,
      });
    expect(log.entries.length).toBeLessThanOrEqual(11);
    expect(log.entries.at(-1)!.path).toBe('/24');
  });
});

describe('FaultState', () => {
  it('cuts cutTimes responses longer than the cut, then none; setFaults resets the count', () => {
    const faults = new FaultState({ cutAfterBytes: 10, cutTimes: 2 });
    expect(faults.takeCut(10)).toBeUndefined();
    expect(faults.takeCut(11)).toBe(10);
    expect(faults.takeCut(11)).toBe(10);
    expect(faults.takeCut(11)).toBeUndefined();
    faults.set({ cutAfterBytes: 5 });
    expect(faults.takeCut(100)).toBe(5);
    expect(faults.takeCut(100)).toBeUndefined();
  });
});

describe('videos', () => {
  const spec = { width: 64, height: 48, fps: 24, prompt: 'a cat', seed: 1, sound: false };
  const frame = (s: typeof spec, i: number) => Buffer.from(new FramePainter(s).paint(i));

  it('paints deterministic frames that differ by prompt, seed and time', () => {
    expect(frame(spec, 3).equals(frame(spec, 3))).toBe(true);
    expect(frame(spec, 3).equals(frame({ ...spec, seed: 2 }, 3))).toBe(false);
    expect(frame(spec, 3).equals(frame({ ...spec, prompt: 'a dog' }, 3))).toBe(false);
    expect(frame(spec, 3).equals(frame(spec, 12))).toBe(false);
    expect(frame(spec, 0).length).toBe(64 * 48 * 4);
  });

  it('keys the cache by every parameter', () => {
    const full = { ...spec, duration: 5 };
    const keys = new Set([
      videoKey(full),
      videoKey({ ...full, width: 66 }),
      videoKey({ ...full, height: 50 }),
      videoKey({ ...full, fps: 30 }),
      videoKey({ ...full, duration: 10 }),
      videoKey({ ...full, prompt: 'x' }),
      videoKey({ ...full, seed: 9 }),
      videoKey({ ...full, sound: true }),
    ]);
    expect(keys.size).toBe(8);
    expect(videoKey(full)).toMatch(/^[0-9a-f]{40}$/);
  });

  it('encodes in-process when running from the TypeScript sources', () => {
    expect(new VideoEncoder().mode).toBe('in-process');
  });
});

describe('validateCreate', () => {
  it('truncates by character, not UTF-16 unit', () => {
    const check = validateCreate(
      JSON.stringify({ model: 'wan2.2-t2v-plus', input: { prompt: '🐱'.repeat(801) } }),
      'beijing',
    );
    expect(check.ok && Array.from(check.spec.prompt)).toHaveLength(800);
  });

  it('resolves catalogue defaults', () => {
    const wan27 = validateCreate(JSON.stringify({ model: 'wan2.7-t2v', input: { prompt: 'x' } }), 'beijing');
    expect(wan27.ok && wan27.spec).toMatchObject({ size: '1920*1080', ratio: '16:9', duration: 5, promptExtend: true });
    const wan26 = validateCreate(
      JSON.stringify({ model: 'wan2.6-t2v', input: { prompt: 'x' }, parameters: { prompt_extend: false } }),
      'beijing',
    );
    expect(wan26.ok && wan26.spec).toMatchObject({ size: '1920*1080', duration: 5, promptExtend: false });
  });
});
