/** The regions `wan` knows by name; any other deployment is reached with a base URL override. */
export const REGIONS = {
  beijing: { id: 'cn-beijing', baseUrl: 'https://dashscope.aliyuncs.com/api/v1' },
  singapore: { id: 'ap-southeast-1', baseUrl: 'https://dashscope-intl.aliyuncs.com/api/v1' },
  virginia: { id: 'us-east-1', baseUrl: 'https://dashscope-us.aliyuncs.com/api/v1' },
} as const;

// Plain data (no zod): the CLI's start-up path reads this.
export const REGION_NAMES = ['beijing', 'singapore', 'virginia'] as const;
export type Region = (typeof REGION_NAMES)[number];

/** @default 'beijing', the official SDK's default (`DASHSCOPE_HTTP_BASE_URL` unset). */
export const DEFAULT_REGION: Region = 'beijing';

export function regionBaseUrl(region: Region): string {
  return REGIONS[region].baseUrl;
}
