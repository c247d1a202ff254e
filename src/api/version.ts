import { readFileSync } from 'node:fs';

/** wan-cli's version, from its package.json (one level above dist/ or src/). */
export const VERSION: string = (() => {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
})();

/** `wan-cli/0.1.0 node/20.20.2 linux-x64`: who is calling, as the SDKs say it in theirs (dashscope-api.md §2). */
export const USER_AGENT = `wan-cli/${VERSION} node/${process.versions.node} ${process.platform}-${process.arch}`;
