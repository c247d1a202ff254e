import type { Dispatcher } from 'undici';
import { ApiError } from './errors/api-error.js';
import { ConnectionError } from './errors/connection-error.js';
import { loadUndici } from './load-undici.js';
import { describeError } from './redact.js';
import type { UploadPolicy } from './schemas.js';

/**
 * Step 2 of a temporary upload (dashscope-api.md §1.3): a multipart form POSTed to the policy's
 * upload host, with `file` last and **no Authorization header** (the policy is the credential).
 * Returns the `oss://` URL, valid 48 hours and only for the model named in the policy request.
 */
export async function postUpload(
  policy: UploadPolicy,
  file: { name: string; mime: string; data: Buffer },
  dispatcher: Dispatcher,
  signal?: AbortSignal,
): Promise<string> {
  const key = `${policy.upload_dir}/${file.name}`;
  const { FormData, request } = await loadUndici();
  const form = new FormData();
  form.append('OSSAccessKeyId', policy.oss_access_key_id);
  form.append('Signature', policy.signature);
  form.append('policy', policy.policy);
  form.append('key', key);
  form.append('x-oss-object-acl', policy.x_oss_object_acl);
  form.append('x-oss-forbid-overwrite', policy.x_oss_forbid_overwrite);
  form.append('success_action_status', '200');
  form.append('x-oss-content-type', file.mime);
  form.append(
    'file',
    new Blob([new Uint8Array(file.data.buffer as ArrayBuffer, file.data.byteOffset, file.data.length)], {
      type: file.mime,
    }),
    file.name,
  );
  const host = new URL(policy.upload_host).host;
  let res: Dispatcher.ResponseData;
  try {
    res = await request(policy.upload_host, { method: 'POST', body: form, dispatcher, signal });
  } catch (err) {
    throw new ConnectionError('upload file', host, true, describeError(err), { cause: err });
  }
  const text = await res.body.text();
  if (res.statusCode !== 200 && res.statusCode !== 204) {
    const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
    const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? `HTTP ${res.statusCode}`;
    throw new ApiError('upload file', res.statusCode, code, message);
  }
  return `oss://${key}`;
}
