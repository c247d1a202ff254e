import { open } from 'node:fs/promises';

/**
 * What a file is, read from its bytes (never its name): enough of the header to check it against a
 * model's limits before anything is uploaded or paid for. No image or video library is needed: the
 * sizes of PNG, JPEG, WebP and BMP images and the length of MP4/MOV and WAV files are in headers.
 */
export interface MediaInfo {
  kind: 'image' | 'video' | 'audio';
  format: 'png' | 'jpeg' | 'webp' | 'bmp' | 'mp4' | 'mov' | 'wav' | 'mp3';
  mime: string;
  bytes: number;
  width?: number;
  height?: number;
  /** A PNG with an alpha channel or a transparent colour (the service takes "PNG without alpha"). */
  alpha?: boolean;
  /** Videos (from `mvhd`) and WAV (from its header); MP3 would need a scan of every frame. */
  seconds?: number;
}

/** Positioned reads of a file or a buffer; a read past the end returns what there is. */
export interface ByteSource {
  size: number;
  read(position: number, length: number): Promise<Buffer>;
}

export function bufferSource(data: Uint8Array): ByteSource {
  const buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return { size: buffer.length, read: async (position, length) => buffer.subarray(position, position + length) };
}

/** Opens `file`, inspects it and closes it. */
export async function inspectFile(file: string): Promise<MediaInfo | undefined> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    return await inspectMedia({
      size,
      read: async (position, length) => {
        const buffer = Buffer.alloc(Math.max(0, Math.min(length, size - position)));
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
        return buffer.subarray(0, bytesRead);
      },
    });
  } finally {
    await handle.close();
  }
}

/** The media type of the bytes, or undefined for anything else. */
export async function inspectMedia(source: ByteSource): Promise<MediaInfo | undefined> {
  const head = await source.read(0, 64);
  const bytes = source.size;
  const ascii = (from: number, to: number) => head.toString('latin1', from, to);
  if (head.length >= 24 && head.readUInt32BE(0) === 0x89504e47 && head.readUInt32BE(4) === 0x0d0a1a0a) {
    return { kind: 'image', format: 'png', mime: 'image/png', bytes, ...(await pngInfo(source, head)) };
  }
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) {
    return { kind: 'image', format: 'jpeg', mime: 'image/jpeg', bytes, ...(await jpegSize(source)) };
  }
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') {
    return { kind: 'image', format: 'webp', mime: 'image/webp', bytes, ...webpSize(head) };
  }
  if (ascii(0, 2) === 'BM' && head.length >= 26) {
    return { kind: 'image', format: 'bmp', mime: 'image/bmp', bytes, ...bmpSize(head) };
  }
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WAVE') {
    const seconds = wavSeconds(head, bytes);
    return { kind: 'audio', format: 'wav', mime: 'audio/wav', bytes, ...(seconds !== undefined ? { seconds } : {}) };
  }
  // An ID3v2 tag, or an MPEG audio frame sync (11 set bits).
  if (ascii(0, 3) === 'ID3' || (head[0] === 0xff && (head[1]! & 0xe0) === 0xe0)) {
    return { kind: 'audio', format: 'mp3', mime: 'audio/mpeg', bytes };
  }
  const firstBox = ascii(4, 8);
  if (firstBox === 'ftyp' || (['moov', 'mdat', 'wide', 'free'].includes(firstBox) && isQuickTime(head))) {
    const mov = firstBox !== 'ftyp' || ascii(8, 12) === 'qt  ';
    return {
      kind: 'video',
      format: mov ? 'mov' : 'mp4',
      mime: mov ? 'video/quicktime' : 'video/mp4',
      bytes,
      ...(await movieInfo(source)),
    };
  }
  return undefined;
}

/** Old QuickTime files start with a moov, mdat, wide or free atom instead of ftyp: its size must fit. */
function isQuickTime(head: Buffer): boolean {
  return head.length >= 8 && head.readUInt32BE(0) >= 8;
}

async function pngInfo(source: ByteSource, head: Buffer): Promise<Pick<MediaInfo, 'width' | 'height' | 'alpha'>> {
  const width = head.readUInt32BE(16);
  const height = head.readUInt32BE(20);
  const colourType = head[25]!;
  // Colour types 4 and 6 carry alpha; a tRNS chunk (before the image data) makes a colour transparent.
  let alpha = colourType === 4 || colourType === 6;
  for (let position = 8, chunks = 0; !alpha && position < source.size && chunks < 64; chunks++) {
    const header = await source.read(position, 8);
    if (header.length < 8) break;
    const type = header.toString('latin1', 4, 8);
    if (type === 'IDAT' || type === 'IEND') break;
    if (type === 'tRNS') alpha = true;
    position += 12 + header.readUInt32BE(0);
  }
  return { width, height, alpha };
}

/** The frame size from the first SOFn marker (skipping EXIF and other segments). */
async function jpegSize(source: ByteSource): Promise<Pick<MediaInfo, 'width' | 'height'>> {
  for (let position = 2, segments = 0; position < source.size && segments < 256; segments++) {
    const marker = await source.read(position, 9);
    if (marker.length < 4 || marker[0] !== 0xff) break;
    const type = marker[1]!;
    if (type === 0xff) {
      position += 1; // fill byte
      continue;
    }
    if (type === 0xd8 || type === 0x01 || (type >= 0xd0 && type <= 0xd7)) {
      position += 2; // markers without a length
      continue;
    }
    if (type >= 0xc0 && type <= 0xcf && type !== 0xc4 && type !== 0xc8 && type !== 0xcc) {
      if (marker.length < 9) break;
      return { height: marker.readUInt16BE(5), width: marker.readUInt16BE(7) };
    }
    position += 2 + marker.readUInt16BE(2);
  }
  return {};
}

function webpSize(head: Buffer): Pick<MediaInfo, 'width' | 'height'> {
  const chunk = head.toString('latin1', 12, 16);
  if (chunk === 'VP8 ' && head.length >= 30) {
    return { width: head.readUInt16LE(26) & 0x3fff, height: head.readUInt16LE(28) & 0x3fff };
  }
  if (chunk === 'VP8L' && head.length >= 25) {
    const bits = head.readUInt32LE(21);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X' && head.length >= 30) {
    return { width: head.readUIntLE(24, 3) + 1, height: head.readUIntLE(27, 3) + 1 };
  }
  return {};
}

function bmpSize(head: Buffer): Pick<MediaInfo, 'width' | 'height'> {
  const dibSize = head.readUInt32LE(14);
  if (dibSize === 12) return { width: head.readUInt16LE(18), height: head.readUInt16LE(20) };
  // Negative height: rows stored top-down.
  return { width: Math.abs(head.readInt32LE(18)), height: Math.abs(head.readInt32LE(22)) };
}

/** Duration from the canonical header: data size / byte rate (the "fmt " chunk comes first). */
function wavSeconds(head: Buffer, fileSize: number): number | undefined {
  if (head.length < 44 || head.toString('latin1', 12, 16) !== 'fmt ') return undefined;
  const byteRate = head.readUInt32LE(28);
  if (byteRate === 0) return undefined;
  const dataAt = 20 + head.readUInt32LE(16);
  const dataSize =
    head.toString('latin1', dataAt, dataAt + 4) === 'data' ? head.readUInt32LE(dataAt + 4) : fileSize - 44;
  return Math.min(dataSize, fileSize) / byteRate;
}

/** The moov box is read whole; a larger one is not a clip the service takes. */
const MAX_MOOV_BYTES = 32 * 1024 * 1024;

/** Length (mvhd) and picture size (the first track whose tkhd has one) of an MP4 or MOV. */
async function movieInfo(source: ByteSource): Promise<Pick<MediaInfo, 'width' | 'height' | 'seconds'>> {
  const moov = await findBox(source, 0, source.size, 'moov');
  if (!moov || moov.size > MAX_MOOV_BYTES) return {};
  const data = await source.read(moov.start, moov.size);
  const info: Pick<MediaInfo, 'width' | 'height' | 'seconds'> = {};
  for (const box of boxes(data, 0, data.length)) {
    if (box.type === 'mvhd') {
      const version = data[box.start]!;
      const timescale = data.readUInt32BE(box.start + (version === 1 ? 20 : 12));
      const duration = version === 1 ? Number(data.readBigUInt64BE(box.start + 24)) : data.readUInt32BE(box.start + 16);
      if (timescale > 0) info.seconds = duration / timescale;
    }
    if (box.type === 'trak' && info.width === undefined) {
      const tkhd = [...boxes(data, box.start, box.start + box.size)].find((b) => b.type === 'tkhd');
      if (tkhd) {
        const at = tkhd.start + (data[tkhd.start] === 1 ? 88 : 76);
        const width = data.readUInt32BE(at) / 65536;
        const height = data.readUInt32BE(at + 4) / 65536;
        if (width > 0 && height > 0) Object.assign(info, { width: Math.round(width), height: Math.round(height) });
      }
    }
  }
  return info;
}

interface Box {
  type: string;
  /** Where its payload starts and how long it is. */
  start: number;
  size: number;
}

async function findBox(source: ByteSource, from: number, to: number, type: string): Promise<Box | undefined> {
  for (let position = from, count = 0; position + 8 <= to && count < 1024; count++) {
    const header = await source.read(position, 16);
    if (header.length < 8) return undefined;
    const box = boxAt(header, 0, position, to);
    if (!box) return undefined;
    if (box.type === type) return box;
    position = box.start + box.size;
  }
  return undefined;
}

function* boxes(data: Buffer, from: number, to: number): Generator<Box> {
  for (let position = from; position + 8 <= to; ) {
    const box = boxAt(data.subarray(position, position + 16), 0, position, to);
    if (!box) return;
    yield box;
    position = box.start + box.size;
  }
}

/** The box whose header is at `header[at]` (file offset `position`), bounded by `to`. */
function boxAt(header: Buffer, at: number, position: number, to: number): Box | undefined {
  let size = header.readUInt32BE(at);
  let headerSize = 8;
  if (size === 1) {
    if (header.length < at + 16) return undefined;
    size = Number(header.readBigUInt64BE(at + 8));
    headerSize = 16;
  } else if (size === 0) {
    size = to - position;
  }
  if (size < headerSize || position + size > to) return undefined;
  return { type: header.toString('latin1', at + 4, at + 8), start: position + headerSize, size: size - headerSize };
}
