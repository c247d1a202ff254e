import { STATUS_CODES } from 'node:http';
import { dashscopeCode } from './error-codes.js';

export interface ErrorText {
  code: string;
  message: string;
}

/**
 * The code a `status` fault without `code=` answers with, per status (dashscope-api.md §5); the
 * message is the code's own (error-codes.ts), whose table lists it first for its status.
 */
const DEFAULT_CODE: Record<number, string> = {
  400: 'InvalidParameter',
  401: 'InvalidApiKey',
  403: 'AccessDenied',
  404: 'NotFound',
  429: 'Throttling.RateQuota',
  500: 'InternalError',
  503: 'ModelServingError',
  // UNCONFIRMED: §5 lists RequestTimeOut under 500; a gateway timeout is the closest match for 504.
  504: 'RequestTimeOut',
};

/**
 * The DashScope JSON error for a status fault: the named code, else the status's usual code;
 * statuses §5 does not list get a generic 4xx/5xx text.
 */
export function dashscopeError(status: number, code?: string): ErrorText {
  const named = code ?? DEFAULT_CODE[status];
  const text = named === undefined ? undefined : dashscopeCode(named);
  if (named !== undefined && text) return { code: named, message: text.message };
  // UNCONFIRMED: no documented body for e.g. 502; InternalError is what clients already handle for 5xx.
  if (status >= 500) return dashscopeError(500);
  return { code: 'BadRequest', message: `${STATUS_CODES[status] ?? 'Request error'}.` };
}

/** OSS's error code and message for a status (OSS error-code reference); other statuses are generic. */
const OSS: Record<number, ErrorText> = {
  400: { code: 'InvalidArgument', message: 'Invalid Argument.' },
  403: { code: 'AccessDenied', message: 'You have no right to access this object because of bucket acl.' },
  404: { code: 'NoSuchKey', message: 'The specified key does not exist.' },
  500: { code: 'InternalError', message: 'We encountered an internal error. Please try again.' },
  503: { code: 'ServiceUnavailable', message: 'Please reduce your request rate.' },
};

/** The OSS XML error for `status` on the video listener (UNCONFIRMED beyond 400/403/404/500). */
export function ossError(status: number): ErrorText {
  return (
    OSS[status] ?? {
      code: (STATUS_CODES[status] ?? 'Error').replace(/[^A-Za-z]/g, ''),
      message: `${STATUS_CODES[status] ?? 'Error'}.`,
    }
  );
}
