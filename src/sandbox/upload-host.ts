import { createHash } from 'node:crypto';
import { type Exchange, header, sendBody, writeHead } from './exchange.js';
import { newOssRequestId } from './ids.js';
import { boundaryOf, parseMultipart } from './multipart.js';
import { type OssError, ossErrorXml } from './oss-xml.js';
import { readBodyBytes } from './read-body.js';
import { FAKE_ACCESS_KEY_ID } from './signed-url.js';
import { failedCondition, MAX_FILE_SIZE_MB, type PostPolicySigner } from './upload-policy.js';
import type { UploadStore } from './upload-store.js';

export interface UploadHostDeps {
  policies: PostPolicySigner;
  uploads: UploadStore;
}

/** The file plus a few small fields; anything larger is refused while it streams in. */
const FORM_LIMIT = (MAX_FILE_SIZE_MB + 1) * 1024 * 1024;
const TOO_LARGE: OssError = {
  status: 400,
  code: 'EntityTooLarge',
  message: 'Your proposed upload exceeds the maximum allowed size.',
};

/**
 * Step 2 of the temporary-file upload (dashscope-api.md §1.3): an OSS PostObject form — OSSAccessKeyId,
 * Signature, policy, key, x-oss-object-acl, x-oss-forbid-overwrite, success_action_status, optional
 * x-oss-content-type, and `file` last — checked the way OSS checks it, answering OSS XML errors.
 */
export async function handleUpload(ex: Exchange, deps: UploadHostDeps): Promise<void> {
  const requestId = newOssRequestId();
  const common = { 'x-oss-request-id': requestId, server: 'AliyunOSS' };
  const fail = (error: OssError, extra: Record<string, string> = {}) => {
    ex.req.resume();
    sendBody(ex, error.status, 'application/xml', ossErrorXml(error, requestId, ex.req.headers.host ?? 'localhost'), {
      ...common,
      ...extra,
    });
  };

  if (ex.req.method !== 'POST') {
    const message = 'The specified method is not allowed against this resource.';
    return fail(
      { status: 405, code: 'MethodNotAllowed', message, details: { Method: ex.req.method ?? '' } },
      { allow: 'POST' },
    );
  }
  // The form's Signature is the only credential; a client sending its DashScope key here leaks it.
  if (ex.req.headers.authorization !== undefined) {
    const message =
      'An Authorization header is not allowed with a POST policy upload; the form Signature authenticates it.';
    return fail({ status: 400, code: 'InvalidArgument', message, details: { ArgumentName: 'Authorization' } });
  }
  const boundary = boundaryOf(header(ex, 'content-type'));
  if (!boundary)
    return fail({
      status: 400,
      code: 'InvalidArgument',
      message: 'The Content-Type of a PostObject request must be multipart/form-data.',
    });
  if (Number(header(ex, 'content-length') ?? 0) > FORM_LIMIT) return fail(TOO_LARGE);
  const body = await readBodyBytes(ex.req, FORM_LIMIT);
  if (!body) return fail(TOO_LARGE);
  const parts = parseMultipart(body, boundary);
  if (!parts)
    return fail({
      status: 400,
      code: 'MalformedPOSTRequest',
      message: 'The body of your POST request is not well-formed multipart/form-data.',
    });

  // OSS reads the form up to the file: fields after it are ignored, which is why clients send it last.
  const fields: Record<string, string> = {};
  const fileIndex = parts.findIndex((p) => p.name === 'file');
  for (const part of parts.slice(0, fileIndex === -1 ? parts.length : fileIndex))
    fields[part.name.toLowerCase()] = part.data.toString('utf8');
  const file = parts[fileIndex];
  if (!file)
    return fail({
      status: 400,
      code: 'InvalidArgument',
      message: 'POST requires exactly one file upload per request.',
    });
  for (const name of ['ossaccesskeyid', 'policy', 'signature', 'key']) {
    if (!fields[name])
      return fail({
        status: 400,
        code: 'InvalidArgument',
        message: `The form field ${name} is required.`,
        details: { ArgumentName: name },
      });
  }
  if (fields.ossaccesskeyid !== FAKE_ACCESS_KEY_ID) {
    const message = 'The OSS Access Key Id you provided does not exist in our records.';
    return fail({
      status: 403,
      code: 'InvalidAccessKeyId',
      message,
      details: { OSSAccessKeyId: fields.ossaccesskeyid! },
    });
  }
  const policy = deps.policies.verify(fields.policy!, fields.signature!);
  if (!policy?.['x-sandbox-binding']) {
    const message =
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.';
    return fail({ status: 403, code: 'SignatureDoesNotMatch', message });
  }
  if (!(ex.now < Date.parse(policy.expiration))) {
    return fail({ status: 403, code: 'AccessDenied', message: 'Invalid according to Policy: Policy expired.' });
  }
  // OSS substitutes ${filename} in the key with the uploaded file's name.
  const key = fields.key!.replaceAll('${filename}', file.filename ?? '');
  fields.key = key;
  const broken = failedCondition(policy, fields, file.data.length);
  if (broken?.tooLarge) return fail(TOO_LARGE);
  if (broken)
    return fail({
      status: 403,
      code: 'AccessDenied',
      message: `Invalid according to Policy: Policy Condition failed: ${broken.condition}`,
    });
  if (key.endsWith('/'))
    return fail({ status: 400, code: 'InvalidObjectName', message: 'The specified object is not valid.' });

  if (fields['x-oss-forbid-overwrite'] === 'true' && (await deps.uploads.find(key, ex.now))) {
    return fail({
      status: 409,
      code: 'FileAlreadyExists',
      message: 'The object you specified already exists and can not be overwritten.',
    });
  }
  const contentType = fields['x-oss-content-type'] ?? file.contentType;
  const { model, account } = policy['x-sandbox-binding'];
  await deps.uploads.put(
    { key, model, account, size: file.data.length, ...(contentType ? { contentType } : {}), uploadedAt: ex.now },
    file.data,
  );

  // §1.3: clients send success_action_status=200 and get 200 with an empty body; OSS's default is 204.
  const status = fields.success_action_status === '200' ? 200 : 204;
  const etag = `"${createHash('md5').update(file.data).digest('hex').toUpperCase()}"`;
  writeHead(ex, status, { ...common, etag, 'content-length': 0 });
  ex.res.end();
}
