/**
 * Sets the creation and modification times of an MP4's movie, track and media headers (mvhd,
 * tkhd, mdhd) to zero, in place. The encoder and the muxer write the time of encoding there, so
 * two encodes of one spec differed in a few bytes: a video cache shared by several processes
 * could then serve one encode's bytes under another's ETag and CRC-64, and a resumed download
 * mixed the two. With fixed times, the same spec is the same bytes.
 */
export function fixMovieTimes(mp4: Uint8Array): Uint8Array {
  const view = new DataView(mp4.buffer, mp4.byteOffset, mp4.byteLength);
  const visit = (from: number, to: number): void => {
    for (let at = from; at + 8 <= to; ) {
      const size = view.getUint32(at);
      const type = String.fromCharCode(mp4[at + 4]!, mp4[at + 5]!, mp4[at + 6]!, mp4[at + 7]!);
      if (size < 8 || at + size > to) return;
      if (type === 'moov' || type === 'trak' || type === 'mdia') visit(at + 8, at + size);
      if (type === 'mvhd' || type === 'tkhd' || type === 'mdhd') {
        // version (1 byte) and flags (3), then creation and modification: 4 bytes each, 8 in version 1.
        const width = mp4[at + 8] === 1 ? 8 : 4;
        mp4.fill(0, at + 12, at + 12 + 2 * width);
      }
      at += size;
    }
  };
  visit(0, mp4.byteLength);
  return mp4;
}
