/**
 * DashScope's request-level error codes, each with the HTTP status and the message dashscope-api.md §5
 * documents for it: what a `status` fault naming a code answers (`create:status=400:code=Arrearage`).
 * Where §5 gives several messages for one code, the first general one is used. Codes whose message
 * §5 only abbreviates (`Throttling.BurstRate`, `NOT AUTHORIZED`) are left out rather than invented.
 * The first code of each status is the one a status fault without a code answers (status-errors.ts).
 * Pure data: the CLI's fault-spec parser loads it without the sandbox.
 */

export interface CodeText {
  status: number;
  message: string;
}

export const DASHSCOPE_CODES: Readonly<Record<string, CodeText>> = {
  InvalidParameter: {
    status: 400,
    message: 'Required parameter(s) missing or invalid, please check the request parameters.',
  },
  'InvalidParameter.DataInspection': {
    status: 400,
    message: 'Unable to download the media resource during the data inspection process.',
  },
  DataInspectionFailed: { status: 400, message: 'Input or output data may contain inappropriate content.' },
  IPInfringementSuspect: { status: 400, message: 'Input data is suspected of being involved in IP infringement.' },
  InvalidURL: { status: 400, message: 'Invalid URL provided in your request.' },
  'BadRequest.EmptyInput': { status: 400, message: 'Required input parameter missing from request.' },
  'BadRequest.EmptyParameters': { status: 400, message: 'Required parameter "parameters" missing from request.' },
  'BadRequest.EmptyModel': { status: 400, message: 'Required parameter "model" missing from request.' },
  'BadRequest.IllegalInput': { status: 400, message: 'The input parameter requires json format.' },
  // §5 lists 400; some clients treat it as 403 (UNCONFIRMED), so the documented status it is.
  Arrearage: { status: 400, message: 'Access denied, please make sure your account is in good standing.' },
  UnsupportedOperation: {
    status: 400,
    message: 'Failed to cancel the task, please confirm if the task is in PENDING status.',
  },
  InvalidApiKey: { status: 401, message: 'Invalid API-key provided.' },
  AccessDenied: { status: 403, message: 'Access denied.' },
  'AccessDenied.Unpurchased': {
    status: 403,
    message: 'Access to model denied. Please make sure you are eligible for using the model.',
  },
  'Model.AccessDenied': { status: 403, message: 'Model access denied.' },
  'Workspace.AccessDenied': { status: 403, message: 'Workspace access denied.' },
  'AllocationQuota.FreeTierOnly': {
    status: 403,
    message:
      'The free tier of the model has been exhausted. If you wish to continue access the model on a paid basis, please disable the "use free tier only" mode in the management console.',
  },
  NotFound: { status: 404, message: 'Not found!' },
  ModelNotFound: { status: 404, message: 'Model can not be found.' },
  'Throttling.RateQuota': { status: 429, message: 'Requests rate limit exceeded, please try again later.' },
  Throttling: { status: 429, message: 'Requests throttling triggered.' },
  'Throttling.AllocationQuota': { status: 429, message: 'Allocated quota exceeded, please increase your quota limit.' },
  InternalError: {
    status: 500,
    message: 'An internal error has occured, please try again later or contact service support.',
  },
  'InternalError.Timeout': {
    status: 500,
    message:
      'An internal timeout error has occured during execution, please try again later or contact service support.',
  },
  'InternalError.Algo': { status: 500, message: 'inference internal error.' },
  SystemError: { status: 500, message: 'An system error has occured, please try again later.' },
  RequestTimeOut: { status: 500, message: 'Request timed out, please try again later.' },
  ModelServingError: {
    status: 503,
    message:
      'Too many requests. Your requests are being throttled due to system capacity limits. Please try again later.',
  },
  ModelUnavailable: { status: 503, message: 'Model is unavailable, please try again later.' },
};

/** The code's status and message, or undefined for a code §5 does not document. */
export function dashscopeCode(code: string): CodeText | undefined {
  return Object.hasOwn(DASHSCOPE_CODES, code) ? DASHSCOPE_CODES[code] : undefined;
}

/** The documented codes answered with `status`, in table order. */
export function codesOfStatus(status: number): string[] {
  return Object.entries(DASHSCOPE_CODES)
    .filter(([, text]) => text.status === status)
    .map(([code]) => code);
}

/**
 * The live answer to a create on a service path that does not serve the model (dashscope-api.md §5,
 * [S24]). §5's table has `url error, please check url!`; the live text ends the first sentence with a
 * FULL-WIDTH exclamation mark (U+FF01) and adds the link.
 */
export const URL_ERROR = 'url error, please check url\uff01 For details, see: https://help.aliyun.com/zh/model-studio';
