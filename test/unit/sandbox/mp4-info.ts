/**
 * Just enough of ISO BMFF (ISO/IEC 14496-12) to check what the sandbox encoded: the tracks with their
 * handler (`vide`/`soun`), sample entry (`avc1`/`mp4a`), duration and sample count, and the video's
 * size. Written against the boxes, not with the muxer that made the file, so a muxer bug cannot hide.
 */
export interface Mp4Track {
  /** `hdlr` handler type: `vide`, `soun`, … */
  handler: string;
  /** The first `stsd` entry's type: `avc1`, `mp4a`, … */
  sampleEntry: string;
  /** Seconds, from the track's media header. */
  duration: number;
  /** Samples in `stsz` (frames of video, AAC frames of audio). */
  samples: number;
  /** `mp4a` only: channel count and sample rate of the sample entry. */
  channels?: number;
  sampleRate?: number;
  /** `tkhd` width and height (zero for audio). */
  width: number;
  height: number;
}

export interface Mp4Info {
  brand: string;
  width: number;
  height: number;
  /** Seconds, from the video track's media header. */
  duration: number;
  frames: number;
  tracks: Mp4Track[];
}

interface Box {
  type: string;
  /** The payload, after the 8-byte header. */
  body: Buffer;
}

function children(buf: Buffer): Box[] {
  const found: Box[] = [];
  for (let at = 0; at + 8 <= buf.length; ) {
    const size = buf.readUInt32BE(at);
    if (size < 8 || at + size > buf.length) break;
    found.push({ type: buf.toString('latin1', at + 4, at + 8), body: buf.subarray(at + 8, at + size) });
    at += size;
  }
  return found;
}

function child(box: Buffer, path: string[]): Buffer {
  let current = box;
  for (const type of path) {
    const next = children(current).find((b) => b.type === type);
    if (!next) throw new Error(`no ${path.join('/')} box`);
    current = next.body;
  }
  return current;
}

function track(trak: Buffer): Mp4Track {
  const tkhd = child(trak, ['tkhd']);
  const whAt = tkhd[0] === 1 ? 4 + 32 + 52 : 4 + 20 + 52;
  const mdhd = child(trak, ['mdia', 'mdhd']);
  const [timescale, length] =
    mdhd[0] === 1
      ? [mdhd.readUInt32BE(20), Number(mdhd.readBigUInt64BE(24))]
      : [mdhd.readUInt32BE(12), mdhd.readUInt32BE(16)];
  // hdlr: version/flags (4), pre_defined (4), handler_type (4).
  const handler = child(trak, ['mdia', 'hdlr']).toString('latin1', 8, 12);
  const stbl = ['mdia', 'minf', 'stbl'];
  // stsd: version/flags (4), entry_count (4), then the first entry's box header.
  const stsd = child(trak, [...stbl, 'stsd']);
  const sampleEntry = stsd.toString('latin1', 12, 16);
  const entry = stsd.subarray(16);
  // AudioSampleEntry: 6 reserved + 2 data_reference_index, 8 reserved, channelcount (2), samplesize (2),
  // 4 reserved, samplerate (16.16).
  const audio =
    handler === 'soun' ? { channels: entry.readUInt16BE(16), sampleRate: entry.readUInt32BE(24) >>> 16 } : {};
  return {
    handler,
    sampleEntry,
    duration: length / timescale,
    samples: child(trak, [...stbl, 'stsz']).readUInt32BE(8),
    ...audio,
    width: tkhd.readUInt32BE(whAt) / 65536,
    height: tkhd.readUInt32BE(whAt + 4) / 65536,
  };
}

export function mp4Info(buf: Buffer): Mp4Info {
  const top = children(buf);
  const ftyp = top.find((b) => b.type === 'ftyp');
  const moov = top.find((b) => b.type === 'moov');
  if (!ftyp || !moov) throw new Error('no ftyp or moov box');
  const tracks = children(moov.body)
    .filter((b) => b.type === 'trak')
    .map((b) => track(b.body));
  const video = tracks.find((t) => t.handler === 'vide');
  if (!video) throw new Error('no video track');
  return {
    brand: ftyp.body.toString('latin1', 0, 4),
    width: video.width,
    height: video.height,
    duration: video.duration,
    frames: video.samples,
    tracks,
  };
}
