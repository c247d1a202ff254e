import type { UploadRecord, UploadStore } from './upload-store.js';

/**
 * Resolving an `oss://` input URL to a temporary upload (dashscope-api.md §1.3): the create must send
 * `X-DashScope-OssResourceResolve: enable`, and the file must exist, be younger than 48 h and have
 * been uploaded for the same model and account. Shared by audio URLs and image/video inputs.
 */

export interface OssContext {
  /** The request sent `X-DashScope-OssResourceResolve: enable`. */
  ossResolve: boolean;
  /** The model as the create request names it. */
  model: string;
  /** Account tag of the creating key. */
  account: string;
  uploads: UploadStore;
  now: number;
}

export interface UrlError {
  code: string;
  message: string;
}

export const isOssUrl = (url: string) => /^oss:\/\//i.test(url);

export async function findOssUpload(
  url: string,
  ctx: OssContext,
): Promise<{ upload: UploadRecord; key: string } | { error: UrlError }> {
  if (!ctx.ossResolve) {
    // UNCONFIRMED for video models: this is the documented answer of VL models to an oss:// URL sent
    // without the header (§1.3).
    return {
      error: {
        code: 'InvalidParameter',
        message: 'The provided URL does not appear to be valid. Ensure it is correctly formatted.',
      },
    };
  }
  const key = url.slice('oss://'.length);
  const upload = await ctx.uploads.find(key, ctx.now);
  // §8.5: the file must have been uploaded for the same model and account. UNCONFIRMED wording.
  if (!upload || upload.model !== ctx.model || upload.account !== ctx.account) {
    return {
      error: {
        code: 'InvalidParameter',
        message: `The file ${url} cannot be resolved: it does not exist, has expired, or was uploaded for another model or account.`,
      },
    };
  }
  return { upload, key };
}
