import type { CreateTaskOptions } from './create-request.js';
import type { MediaSource, VideoOptions } from './media-inputs.js';

/** What every mode takes besides its inputs. */
type Common = Pick<
  CreateTaskOptions,
  'model' | 'negativePrompt' | 'duration' | 'resolution' | 'seed' | 'promptExtend' | 'watermark'
>;

/** Text-to-video: the prompt is the input. */
export interface TextToVideo extends Common {
  mode?: 't2v';
  prompt: string;
  size?: string;
  ratio?: CreateTaskOptions['ratio'];
  /** A sound file (path, bytes or URL) to sync to, or `false` for a silent video from a model with sound. */
  audio?: MediaSource | false;
  shotType?: CreateTaskOptions['shotType'];
}

/** Image-to-video: the image is the first frame; the video keeps its aspect. */
export interface ImageToVideo extends Common {
  mode: 'i2v';
  image: MediaSource;
  prompt?: string;
  audio?: MediaSource | false;
  shotType?: CreateTaskOptions['shotType'];
}

/** wan2.7-i2v: continues a clip (mp4/mov, 2–10 s), optionally towards a last frame. */
export interface ClipToVideo extends Common {
  mode: 'i2v';
  clip: MediaSource;
  lastFrame?: MediaSource;
  prompt?: string;
}

/** First and last frame: the video goes from one image to the other. */
export interface FramesToVideo extends Common {
  mode: 'kf2v';
  firstFrame: MediaSource;
  lastFrame: MediaSource;
  prompt?: string;
  /** wan2.7-i2v only: a sound file to drive the video. */
  audio?: MediaSource;
}

/** Reference-to-video: images and clips of the characters, called character1, character2, … in the prompt. */
export interface ReferenceToVideo extends Common {
  mode: 'r2v';
  prompt: string;
  references: MediaSource[];
  size?: string;
  /** `false`: a silent video (wan2.6-r2v-flash). */
  audio?: false;
  shotType?: CreateTaskOptions['shotType'];
}

/** What `WanClient#create` takes: one shape per mode, local files as paths or bytes. */
export type VideoRequest = TextToVideo | ImageToVideo | ClipToVideo | FramesToVideo | ReferenceToVideo;

/** The flat options the request builder checks. */
export function videoOptionsOf(request: VideoRequest): VideoOptions {
  const { audio, ...rest } = request as VideoRequest & { audio?: MediaSource | false };
  const sound = audio === false ? { audio: false } : audio !== undefined ? { audioSource: audio } : {};
  if ('firstFrame' in rest) {
    const { firstFrame, ...others } = rest;
    return { ...others, image: firstFrame, ...sound };
  }
  return { ...rest, mode: rest.mode ?? 't2v', ...sound };
}
