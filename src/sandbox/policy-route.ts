import type { Account } from './account.js';
import { sendError, sendThrottled } from './api-error.js';
import type { ApiDeps } from './api-routes.js';
import { type Exchange, sendJson } from './exchange.js';
import { newUuid } from './ids.js';
import { FAKE_ACCESS_KEY_ID } from './signed-url.js';
import { CAPACITY_LIMIT_MB, MAX_FILE_SIZE_MB, POLICY_TTL_SECONDS } from './upload-policy.js';
import { resolveModel } from './validate-create.js';

/**
 * `GET /uploads?action=getPolicy&model=…` (dashscope-api.md §1.3 step 1): a fresh upload policy for
 * one model and account; the file it admits can only be used by creates for that model and key.
 */
export async function getPolicy(ex: Exchange, deps: ApiDeps, account: Account): Promise<void> {
  const query = new URLSearchParams(ex.query);
  const invalid = (name: string) =>
    sendError(
      ex,
      400,
      'InvalidParameter',
      `Required parameter(${name}) missing or invalid, please check the request parameters.`,
    );
  if (query.get('action') !== 'getPolicy') return invalid('action');
  const model = query.get('model')?.trim() ?? '';
  if (model === '') return invalid('model');
  // UNCONFIRMED for getPolicy: the create endpoint's answer to an unknown model.
  if (!resolveModel(model, deps.region)) return sendError(ex, 400, 'InvalidParameter', 'Model not exist.');
  if (!deps.limits.tryPolicy(account.keyHash, model, ex.now)) return sendThrottled(ex);

  const issued = deps.policies.issue({ model, account: deps.policies.accountTag(account.keyHash) }, ex.now);
  sendJson(ex, 200, {
    request_id: newUuid(),
    data: {
      policy: issued.policy,
      signature: issued.signature,
      upload_dir: issued.uploadDir,
      upload_host: deps.uploadHost(),
      expire_in_seconds: POLICY_TTL_SECONDS,
      max_file_size_mb: MAX_FILE_SIZE_MB,
      capacity_limit_mb: CAPACITY_LIMIT_MB,
      oss_access_key_id: FAKE_ACCESS_KEY_ID,
      x_oss_object_acl: 'private',
      x_oss_forbid_overwrite: 'true',
    },
  });
}
