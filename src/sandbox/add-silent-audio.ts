import {
  BufferSource,
  BufferTarget,
  EncodedAudioPacketSource,
  EncodedPacket,
  EncodedPacketSink,
  EncodedVideoPacketSource,
  Input,
  MP4,
  Mp4OutputFormat,
  Output,
} from 'mediabunny';
import {
  AAC_CHANNELS,
  AAC_FRAME_SAMPLES,
  AAC_LC_CODEC,
  AAC_SAMPLE_RATE,
  audioSpecificConfig,
  silentAacFrame,
} from './silent-aac.js';

/**
 * Remuxes an H.264 MP4 (as h264-mp4-encoder writes it) into a new MP4 with the same video packets,
 * untouched, plus a silent AAC-LC track that covers the whole video: what a model with sound
 * (dashscope-api.md §3.3, §8.8) gives, as far as a client can tell without listening. mediabunny does
 * the muxing from already-encoded packets, so no WebCodecs is needed and no MP4 box is written by hand.
 */
export async function addSilentAudio(mp4: Uint8Array, frameRate: number): Promise<Uint8Array> {
  const input = new Input({ source: new BufferSource(mp4), formats: [MP4] });
  const video = await input.getPrimaryVideoTrack();
  const videoConfig = await video?.getDecoderConfig();
  if (!video || !videoConfig) throw new Error('the encoded video has no H.264 track to add sound to');
  const seconds = await video.computeDuration();

  const target = new BufferTarget();
  // In-memory fast start puts moov before mdat, as the encoder's own files have it (players start at once).
  const output = new Output({ format: new Mp4OutputFormat({ fastStart: 'in-memory' }), target });
  const videoOut = new EncodedVideoPacketSource('avc');
  const audioOut = new EncodedAudioPacketSource('aac');
  output.addVideoTrack(videoOut, { frameRate });
  output.addAudioTrack(audioOut);
  await output.start();

  let first = true;
  for await (const packet of new EncodedPacketSink(video).packets()) {
    await videoOut.add(packet, first ? { decoderConfig: videoConfig } : undefined);
    first = false;
  }

  // Whole frames up to and past the video's end, so the sound never stops before the picture.
  const frame = silentAacFrame();
  const frameSeconds = AAC_FRAME_SAMPLES / AAC_SAMPLE_RATE;
  const frames = Math.ceil(seconds / frameSeconds - 1e-9);
  const decoderConfig = {
    codec: AAC_LC_CODEC,
    sampleRate: AAC_SAMPLE_RATE,
    numberOfChannels: AAC_CHANNELS,
    description: audioSpecificConfig(),
  };
  for (let i = 0; i < frames; i++) {
    const packet = new EncodedPacket(frame, 'key', (i * AAC_FRAME_SAMPLES) / AAC_SAMPLE_RATE, frameSeconds);
    await audioOut.add(packet, i === 0 ? { decoderConfig } : undefined);
  }

  await output.finalize();
  if (!target.buffer) throw new Error('mediabunny produced no file');
  return new Uint8Array(target.buffer);
}
