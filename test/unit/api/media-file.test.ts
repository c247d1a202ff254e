import { describe, expect, it } from 'vitest';
import { bufferSource, inspectMedia } from '../../../src/api/media-file.js';
import { bmp, jpegHeader, mp4, png, webpHeader } from '../../helpers/media.js';
import { silentWav } from '../../helpers/wav.js';

const inspect = (bytes: Buffer) => inspectMedia(bufferSource(bytes));

describe('inspectMedia: what a file is, by its bytes', () => {
  it('a PNG: its size, and no alpha when it has none', async () => {
    expect(await inspect(png(300, 200))).toEqual({
      kind: 'image',
      format: 'png',
      mime: 'image/png',
      bytes: png(300, 200).length,
      width: 300,
      height: 200,
      alpha: false,
    });
  });

  it('a PNG with an alpha channel, or with a transparent colour (tRNS), has alpha', async () => {
    expect((await inspect(png(300, 200, { alpha: true })))?.alpha).toBe(true);
    expect((await inspect(png(300, 200, { transparent: true })))?.alpha).toBe(true);
  });

  it('a JPEG: the size from its frame header, after an EXIF segment', async () => {
    expect(await inspect(jpegHeader(4000, 3000, 30_000))).toMatchObject({ format: 'jpeg', width: 4000, height: 3000 });
  });

  it('a WebP and a BMP (stored top-down)', async () => {
    expect(await inspect(webpHeader(1024, 768))).toMatchObject({
      format: 'webp',
      mime: 'image/webp',
      width: 1024,
      height: 768,
    });
    expect(await inspect(bmp(320, 240))).toMatchObject({ format: 'bmp', width: 320, height: 240 });
  });

  it('an MP4 whose movie header comes after its media: length and picture size', async () => {
    expect(await inspect(mp4(7.5, 1280, 720))).toMatchObject({
      kind: 'video',
      format: 'mp4',
      mime: 'video/mp4',
      seconds: 7.5,
      width: 1280,
      height: 720,
    });
    expect(await inspect(mp4(3, 640, 360, { version: 1 }))).toMatchObject({ seconds: 3 });
    expect(await inspect(mp4(2, 640, 360, { brand: 'qt  ' }))).toMatchObject({
      format: 'mov',
      mime: 'video/quicktime',
    });
  });

  it('a WAV with its length; an MP3 by its frame sync or ID3 tag', async () => {
    expect(await inspect(silentWav(4))).toMatchObject({ kind: 'audio', format: 'wav', seconds: 4 });
    expect(await inspect(Buffer.from([0xff, 0xfb, 0x90, 0x64, 0, 0, 0, 0]))).toMatchObject({ format: 'mp3' });
    expect(await inspect(Buffer.from('ID3\u0004\u0000\u0000\u0000\u0000\u0000\u0000', 'latin1'))).toMatchObject({
      format: 'mp3',
    });
  });

  it('anything else is nothing it knows, whatever its name', async () => {
    expect(await inspect(Buffer.from('just some text, named cat.png'))).toBeUndefined();
    expect(await inspect(Buffer.from('GIF89a\u0001\u0000\u0001\u0000', 'latin1'))).toBeUndefined();
    expect(await inspect(Buffer.alloc(0))).toBeUndefined();
  });

  it('a truncated image is still an image, of unknown size', async () => {
    const cut = jpegHeader(4000, 3000).subarray(0, 100);
    expect(await inspect(cut)).toMatchObject({ format: 'jpeg' });
    expect((await inspect(cut))?.width).toBeUndefined();
  });
});
