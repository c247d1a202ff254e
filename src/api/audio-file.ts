import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from './errors/input-error.js';

/** dashscope-api.md §3.1/§3.3: wav or mp3, 3–30 s, at most 15 MB. */
export const AUDIO_MAX_BYTES = 15 * 1024 * 1024;
export const AUDIO_MIN_SECONDS = 3;
export const AUDIO_MAX_SECONDS = 30;

export interface AudioFileInfo {
  path: string;
  bytes: number;
  format: 'wav' | 'mp3';
  /** Known for WAV (from its header); MP3 would need a frame scan, which is not cheap. */
  seconds?: number;
  mime: string;
}

/**
 * Checks a local audio file by its content (not its name) before anything is uploaded, so a wrong
 * file costs no upload and no task.
 */
export async function checkAudioFile(file: string): Promise<AudioFileInfo> {
  const shown = path.basename(file);
  const info = await stat(file).catch(() => undefined);
  if (!info) throw new InputError('audio', `${file} does not exist`);
  if (!info.isFile()) throw new InputError('audio', `${file} is not a file`);
  if (info.size > AUDIO_MAX_BYTES)
    throw new InputError(
      'audio',
      `${shown} is ${(info.size / 1024 / 1024).toFixed(1)} MB; the service takes at most 15 MB`,
    );
  const handle = await open(file, 'r');
  const head = Buffer.alloc(64);
  try {
    await handle.read(head, 0, 64, 0);
  } finally {
    await handle.close();
  }
  if (head.toString('latin1', 0, 4) === 'RIFF' && head.toString('latin1', 8, 12) === 'WAVE') {
    const seconds = wavSeconds(head, info.size);
    if (seconds !== undefined && (seconds < AUDIO_MIN_SECONDS || seconds > AUDIO_MAX_SECONDS)) {
      throw new InputError(
        'audio',
        `${shown} lasts ${seconds.toFixed(1)} s; the service takes ${AUDIO_MIN_SECONDS}–${AUDIO_MAX_SECONDS} s`,
      );
    }
    return { path: file, bytes: info.size, format: 'wav', seconds, mime: 'audio/wav' };
  }
  // ID3v2 tag, or an MPEG audio frame sync (11 set bits).
  if (head.toString('latin1', 0, 3) === 'ID3' || (head[0] === 0xff && (head[1]! & 0xe0) === 0xe0)) {
    return { path: file, bytes: info.size, format: 'mp3', mime: 'audio/mpeg' };
  }
  throw new InputError('audio', `${shown} is neither WAV nor MP3 (by its content); the service takes .wav and .mp3`);
}

/** Duration from the canonical 44-byte header: data size / byte rate (the "fmt " chunk comes first). */
function wavSeconds(head: Buffer, fileSize: number): number | undefined {
  if (head.toString('latin1', 12, 16) !== 'fmt ') return undefined;
  const byteRate = head.readUInt32LE(28);
  if (byteRate === 0) return undefined;
  const dataAt = 20 + head.readUInt32LE(16);
  const dataSize =
    head.toString('latin1', dataAt, dataAt + 4) === 'data' ? head.readUInt32LE(dataAt + 4) : fileSize - 44;
  return Math.min(dataSize, fileSize) / byteRate;
}
