/**
 * The regions `wan` knows by name (dashscope-api.md §1.1). Model ids, prices and upload
 * availability differ by region; any other deployment is reached with a base URL override.
 */
export const REGIONS = {
  beijing: {
    id: 'cn-beijing',
    baseUrl: 'https://dashscope.aliyuncs.com/api/v1',
    currency: 'CNY',
    // §1.3: the temporary-upload API was Beijing-only; late-2026 docs add Singapore.
    uploads: true,
  },
  singapore: {
    id: 'ap-southeast-1',
    baseUrl: 'https://dashscope-intl.aliyuncs.com/api/v1',
    // §6.4 and [S10]: the international site bills in USD.
    currency: 'USD',
    uploads: true,
  },
  virginia: { id: 'us-east-1', baseUrl: 'https://dashscope-us.aliyuncs.com/api/v1', currency: 'USD', uploads: false },
} as const;

// Plain data (no zod): the CLI's start-up path reads this.
export const REGION_NAMES = ['beijing', 'singapore', 'virginia'] as const;
export type Region = (typeof REGION_NAMES)[number];

/** @default 'beijing', the official SDK's default (`DASHSCOPE_HTTP_BASE_URL` unset). */
export const DEFAULT_REGION: Region = 'beijing';

export function regionBaseUrl(region: Region): string {
  return REGIONS[region].baseUrl;
}

/** `dashscope.aliyuncs.com`, `dashscope-intl…`, `dashscope-us…` and `<workspace>.<region-id>.maas.aliyuncs.com`. */
const WORKSPACE_HOST = /^[^.]+\.([a-z0-9-]+)\.maas\.aliyuncs\.com$/;

/** Whether `host` is one of DashScope's own API hosts (which serve the API under `/api/v1` only). */
export function isDashScopeHost(host: string): boolean {
  return /^dashscope(-[a-z]+)?\.aliyuncs\.com$/.test(host) || WORKSPACE_HOST.test(host);
}

/**
 * The region a base URL's host belongs to, or undefined for a host that names none (a gateway, the
 * sandbox, a region `wan` has no name for). The SDKs switch region by the base URL alone (§1.1).
 */
export function regionOfBaseUrl(baseUrl: string): Region | undefined {
  let host: string;
  try {
    host = new URL(baseUrl).hostname.toLowerCase();
  } catch {
    return undefined;
  }
  const regionId = WORKSPACE_HOST.exec(host)?.[1];
  return REGION_NAMES.find((name) =>
    regionId ? REGIONS[name].id === regionId : new URL(REGIONS[name].baseUrl).hostname === host,
  );
}
