/** Just enough of ISO BMFF to check what the sandbox encoded: size, duration and frame count. */
export interface Mp4Info {
  brand: string;
  width: number;
  height: number;
  /** Seconds, from the track's media header. */
  duration: number;
  frames: number;
}

const CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl']);

function boxes(buf: Buffer, start: number, end: number, found: Map<string, Buffer>): void {
  for (let at = start; at + 8 <= end; ) {
    const size = buf.readUInt32BE(at);
    const type = buf.toString('latin1', at + 4, at + 8);
    if (size < 8) break;
    if (!found.has(type)) found.set(type, buf.subarray(at + 8, at + size));
    if (CONTAINERS.has(type)) boxes(buf, at + 8, at + size, found);
    at += size;
  }
}

export function mp4Info(buf: Buffer): Mp4Info {
  const found = new Map<string, Buffer>();
  boxes(buf, 0, buf.length, found);
  const need = (type: string) => {
    const box = found.get(type);
    if (!box) throw new Error(`no ${type} box`);
    return box;
  };
  const tkhd = need('tkhd');
  const whAt = tkhd[0] === 1 ? 4 + 32 + 52 : 4 + 20 + 52;
  const mdhd = need('mdhd');
  const [timescale, length] =
    mdhd[0] === 1
      ? [mdhd.readUInt32BE(20), Number(mdhd.readBigUInt64BE(24))]
      : [mdhd.readUInt32BE(12), mdhd.readUInt32BE(16)];
  return {
    brand: need('ftyp').toString('latin1', 0, 4),
    width: tkhd.readUInt32BE(whAt) / 65536,
    height: tkhd.readUInt32BE(whAt + 4) / 65536,
    duration: length / timescale,
    frames: need('stsz').readUInt32BE(8),
  };
}
