import { defaultLoaders, type Loader, type Loaders } from 'cosmiconfig';
import { ConfigError } from './config-error.js';

/**
 * cosmiconfig's loaders, wrapped so a broken file becomes a one-line ConfigError. Their own
 * messages quote the file around the error (parse-json's code frame, js-yaml's snippet, V8's
 * `"…" is not valid JSON`), and the quoted lines may hold the API key.
 */

function firstLine(text: string): string {
  return text.split('\n', 1)[0]!.trim();
}

function lineAndColumn(content: string, position: number): string {
  const before = content.slice(0, position).split('\n');
  return `line ${before.length}, column ${before.at(-1)!.length + 1}`;
}

const loadJson: Loader = (filepath, content) => {
  try {
    return JSON.parse(content) as unknown;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /at position (\d+)/.exec(message);
    const reason = firstLine(message)
      .replace(/, ".*$/, '') // V8 quotes the source: `Unexpected token 'a', "apiKey: sk"... is not valid JSON`
      .replace(/\s*\(line \d+ column \d+\)/, '')
      .replace(/ in JSON at position \d+.*$/, '');
    const where = position ? ` (${lineAndColumn(content, Number(position[1]))})` : '';
    throw new ConfigError(`${filepath}: invalid JSON: ${reason}${where}`, filepath);
  }
};

function yamlLoader(what: string): Loader {
  return (filepath, content) => {
    try {
      return defaultLoaders['.yaml'](filepath, content);
    } catch (error) {
      // js-yaml's YAMLException carries the bare reason and a 0-based mark apart from its snippet.
      const { reason, mark } = error as { reason?: string; mark?: { line: number; column: number } };
      const where = mark ? ` (line ${mark.line + 1}, column ${mark.column + 1})` : '';
      throw new ConfigError(`${filepath}: invalid ${what}: ${reason ?? 'cannot parse'}${where}`, filepath);
    }
  };
}

const loadJs: Loader = async (filepath, content) => {
  try {
    return await defaultLoaders['.js'](filepath, content);
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new ConfigError(`${filepath}: cannot load: ${firstLine(message)}`, filepath);
  }
};

/** Every loader `wan` uses; `.ts` is left out on purpose (it would need TypeScript at run time). */
export const LOADERS: Loaders = {
  '.json': loadJson,
  '.yaml': yamlLoader('YAML'),
  '.yml': yamlLoader('YAML'),
  // `.wanrc` / `config` without extension: YAML, which also accepts JSON.
  noExt: yamlLoader('YAML or JSON'),
  '.js': loadJs,
  '.cjs': loadJs,
  '.mjs': loadJs,
};
