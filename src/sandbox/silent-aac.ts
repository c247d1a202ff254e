/**
 * Silent AAC-LC audio, built bit by bit from ISO/IEC 14496-3 (MPEG-4 Audio) instead of being encoded:
 * the sandbox's videos need a sound track that every player accepts, not a sound, and an AAC encoder
 * would cost a dependency and time. Mono at 48 kHz, the rate video files commonly use.
 */

export const AAC_SAMPLE_RATE = 48_000;
export const AAC_CHANNELS = 1;
/** Samples per AAC-LC frame (GASpecificConfig frameLengthFlag 0). */
export const AAC_FRAME_SAMPLES = 1024;
/** The WebCodecs / RFC 6381 codec string of AAC-LC (object type 2). */
export const AAC_LC_CODEC = 'mp4a.40.2';

/** MSB-first bit packing, padded with zero bits to whole bytes. */
function packBits(fields: ReadonlyArray<readonly [value: number, bits: number]>): Uint8Array {
  const total = fields.reduce((sum, [, bits]) => sum + bits, 0);
  const bytes = new Uint8Array(Math.ceil(total / 8));
  let at = 0;
  for (const [value, bits] of fields) {
    for (let i = bits - 1; i >= 0; i--, at++) {
      if ((value >> i) & 1) bytes[at >> 3]! |= 0x80 >> (at & 7);
    }
  }
  return bytes;
}

/** 14496-3 §1.6.2.1 AudioSpecificConfig: AAC-LC, 48 kHz, mono (`11 88`); the `esds` decoder config. */
export function audioSpecificConfig(): Uint8Array {
  return packBits([
    [2, 5], // audioObjectType: AAC LC
    [3, 4], // samplingFrequencyIndex: 3 = 48000 Hz
    [AAC_CHANNELS, 4], // channelConfiguration: 1 = mono (front centre)
    [0, 1], // GASpecificConfig frameLengthFlag: 1024-sample frames
    [0, 1], // dependsOnCoreCoder
    [0, 1], // extensionFlag
  ]);
}

/**
 * One frame of silence (`00 00 00 07`): a raw_data_block (14496-3 §4.4.2.1) holding a single channel
 * element whose ics_info says max_sfb = 0, so no band has spectral data and the decoder outputs 1024
 * zero samples, then the END element. 32 bits, already byte-aligned.
 */
export function silentAacFrame(): Uint8Array {
  return packBits([
    [0, 3], // id_syn_ele: ID_SCE (single channel element)
    [0, 4], // element_instance_tag
    [0, 8], // individual_channel_stream: global_gain (unused: no bands)
    [0, 1], // ics_info: ics_reserved_bit
    [0, 2], // window_sequence: ONLY_LONG_SEQUENCE
    [0, 1], // window_shape
    [0, 6], // max_sfb: no scale factor bands, hence no section, scale factor or spectral data
    [0, 1], // predictor_data_present
    [0, 1], // pulse_data_present
    [0, 1], // tns_data_present
    [0, 1], // gain_control_data_present
    [7, 3], // id_syn_ele: ID_END
  ]);
}
