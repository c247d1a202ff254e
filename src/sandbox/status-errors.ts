import { STATUS_CODES } from 'node:http';

export interface ErrorText {
  code: string;
  message: string;
}

/**
 * DashScope's code and message for a request-level error status (dashscope-api.md §5), used when a
 * `status` fault answers instead of the endpoint.
 */
const DASHSCOPE: Record<number, ErrorText> = {
  400: {
    code: 'InvalidParameter',
    message: 'Required parameter(s) missing or invalid, please check the request parameters.',
  },
  401: { code: 'InvalidApiKey', message: 'Invalid API-key provided.' },
  403: { code: 'AccessDenied', message: 'Access denied.' },
  404: { code: 'NotFound', message: 'Not found!' },
  429: { code: 'Throttling.RateQuota', message: 'Requests rate limit exceeded, please try again later.' },
  500: {
    code: 'InternalError',
    message: 'An internal error has occured, please try again later or contact service support.',
  },
  503: {
    code: 'ModelServingError',
    message:
      'Too many requests. Your requests are being throttled due to system capacity limits. Please try again later.',
  },
  // UNCONFIRMED: §5 lists RequestTimeOut under 500; a gateway timeout is the closest match for 504.
  504: { code: 'RequestTimeOut', message: 'Request timed out, please try again later.' },
};

/** The DashScope JSON error for `status`; statuses §5 does not list get a generic 4xx/5xx text. */
export function dashscopeError(status: number): ErrorText {
  const known = DASHSCOPE[status];
  if (known) return known;
  // UNCONFIRMED: no documented body for e.g. 502; InternalError is what clients already handle for 5xx.
  if (status >= 500) return DASHSCOPE[500]!;
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
