import { WanError } from './wan-error.js';

export type DownloadFailure = 'expired' | 'integrity' | 'exists' | 'http' | 'disk' | 'not-video';

/**
 * A video could not be saved whole. `host` names the video host, never the signed query string.
 * Whatever happened, nothing partial is left at the output path (a `.part` may remain for resuming).
 */
export class DownloadError extends WanError {
  override readonly name = 'DownloadError';
  constructor(
    readonly kind: DownloadFailure,
    message: string,
    readonly host?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
