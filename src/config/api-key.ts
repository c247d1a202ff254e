import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { type Env, readEnv } from './env.js';
import type { FileApiKey } from './file-config.js';
import { resolveUserPath } from './paths.js';

export const API_KEY_VAR = 'DASHSCOPE_API_KEY';
export const API_KEY_FILE_VAR = 'DASHSCOPE_API_KEY_FILE_PATH';

export interface ApiKeyResult {
  apiKey?: string;
  apiKeySource?: string;
  /** Why the key cannot be sent (it would break the header, or is not a key), never quoting it. */
  apiKeyProblem?: string;
  warnings: string[];
}

/**
 * What is wrong with a key an HTTP header cannot carry: a line break, a NUL or other control
 * character, a space, non-ASCII text. Checked when the key is read, so nothing is sent with it.
 */
export function keyProblem(key: string): string | undefined {
  if (/[\r\n]/.test(key)) return 'contains a line break (copy the key again, on one line)';
  if (/[\x00-\x1f\x7f]/.test(key)) return 'contains a control character (copy the key again)';
  if (/\s/.test(key)) return 'contains white space (copy the key again, without spaces)';
  if (/[^\x21-\x7e]/.test(key)) return 'contains characters an HTTP header cannot carry (non-ASCII)';
  return undefined;
}

/**
 * A warning when a file holding a key can be read by group or others (`mode & 0o077`), else undefined.
 * Windows has no such mode bits, so nothing is said there.
 */
export async function permissionWarning(file: string): Promise<string | undefined> {
  if (process.platform === 'win32') return undefined;
  const info = await stat(file).catch(() => undefined);
  if (!info || (info.mode & 0o077) === 0) return undefined;
  const mode = (info.mode & 0o777).toString(8).padStart(3, '0');
  return `${file} holds an API key but is readable by others (mode ${mode}); run: chmod 600 ${file}`;
}

type KeyFile = { key: string } | { warning?: string };

/** A key file's trimmed contents, or why it was passed over. A missing default file is not worth a warning. */
async function readKeyFile(file: string, namedBy?: string): Promise<KeyFile> {
  const by = namedBy ? ` (named by ${namedBy})` : '';
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    if (code === 'ENOENT' && !namedBy) return {};
    return { warning: `cannot read API key file ${file}${by}: ${code}; skipped` };
  }
  const key = text.trim();
  if (key === '') return { warning: `API key file ${file}${by} is empty; skipped` };
  return { key };
}

/**
 * The API key, from the official SDK's places in its order, with our config file slotted in after
 * the variable: `DASHSCOPE_API_KEY`, the config file's `apiKey` (profile first), the file named by
 * `DASHSCOPE_API_KEY_FILE_PATH`, then `<home>/.dashscope/api_key`. Never read from a flag: a key on
 * the command line ends up in shell history and `ps` output.
 */
export async function resolveApiKey(opts: {
  env: Env;
  cwd: string;
  home: string;
  config?: { file: string; apiKey?: FileApiKey };
}): Promise<ApiKeyResult> {
  const warnings: string[] = [];
  const fromEnv = readEnv(opts.env, API_KEY_VAR)?.trim();
  if (fromEnv) return withProblem({ apiKey: fromEnv, apiKeySource: `env ${API_KEY_VAR}`, warnings });

  const fromConfig = opts.config?.apiKey;
  if (fromConfig) {
    return withProblem({
      apiKey: fromConfig.value,
      apiKeySource: `config ${opts.config!.file} (${fromConfig.key})`,
      warnings,
    });
  }

  const named = readEnv(opts.env, API_KEY_FILE_VAR);
  const candidates: Array<{ file: string; namedBy?: string }> = [
    ...(named ? [{ file: resolveUserPath(named, opts.cwd, opts.home), namedBy: API_KEY_FILE_VAR }] : []),
    { file: path.join(opts.home, '.dashscope', 'api_key') },
  ];
  for (const { file, namedBy } of candidates) {
    const result = await readKeyFile(file, namedBy);
    if ('key' in result) {
      const insecure = await permissionWarning(file);
      if (insecure) warnings.push(insecure);
      return withProblem({ apiKey: result.key, apiKeySource: `file ${file}`, warnings });
    }
    if (result.warning) warnings.push(result.warning);
  }
  return { warnings };
}

function withProblem(result: ApiKeyResult & { apiKey: string }): ApiKeyResult {
  const problem = keyProblem(result.apiKey);
  return problem ? { ...result, apiKeyProblem: problem } : result;
}
