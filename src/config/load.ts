import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { PublicExplorer } from 'cosmiconfig';
import { ConfigError } from './config-error.js';
import { type Env, readEnv } from './env.js';
import { resolveUserPath } from './paths.js';

export const MODULE_NAME = 'wan';

/** The extensions a config file may have ('' is `.wanrc` or `config`, read as YAML or JSON); see loaders.ts. */
export const SUPPORTED_EXTENSIONS: readonly string[] = ['', '.json', '.yaml', '.yml', '.js', '.cjs', '.mjs'];

/** Looked for in the working directory and each parent, in this order; the first one that holds settings wins. */
export const SEARCH_PLACES: readonly string[] = [
  'package.json', // its "wan" key
  '.wanrc',
  '.wanrc.json',
  '.wanrc.yaml',
  '.wanrc.yml',
  '.wanrc.js',
  '.wanrc.cjs',
  '.wanrc.mjs',
  'wan.config.js',
  'wan.config.mjs',
  'wan.config.cjs',
];

/** Looked for in `$XDG_CONFIG_HOME/wan/` when no project file exists. */
export const USER_SEARCH_PLACES: readonly string[] = [
  'config',
  'config.json',
  'config.yaml',
  'config.yml',
  'config.js',
  'config.cjs',
  'config.mjs',
];

/** A file cosmiconfig read; `config` is still unchecked. */
export interface LoadedFile {
  filepath: string;
  config: unknown;
}

/**
 * We walk the directories ourselves and ask cosmiconfig about one directory at a time
 * (`searchStrategy: 'none'`): its `global` strategy would stop at `stopDir` but then also read the
 * user directory that `env-paths` computes from the real environment and home directory, which
 * would bypass the injected `env`/`home` and read a developer's own config during tests.
 * (cosmiconfig still honours a "meta config", `package.json#cosmiconfig` or `.config/config.*`, in the
 * process's working directory; that is its documented way for users to add search places.)
 */
async function explorer(searchPlaces: readonly string[]): Promise<PublicExplorer> {
  // Loaded only when a directory holds a candidate: cosmiconfig and its loaders take longer to
  // load than the rest of a command that scripts call (`wan status`, `wan models --json`).
  const [{ cosmiconfig }, { LOADERS }] = await Promise.all([import('cosmiconfig'), import('./loaders.js')]);
  return cosmiconfig(MODULE_NAME, {
    searchStrategy: 'none',
    searchPlaces: [...searchPlaces],
    loaders: LOADERS,
    // An empty `.wanrc` (or a package.json without "wan") is passed over, as cosmiconfig does by default.
    ignoreEmptySearchPlaces: true,
    // Each resolveConfig() call builds its own explorers, so a long-lived process sees edits.
    cache: false,
  });
}

/** `cwd`, then each parent up to and including the stop directory: `home` if `cwd` is inside it, else the root. */
export function searchDirs(cwd: string, home: string): string[] {
  const relative = path.relative(home, cwd);
  const insideHome = !relative.startsWith('..') && !path.isAbsolute(relative);
  const stopDir = insideHome ? home : path.parse(cwd).root;
  const dirs = [cwd];
  for (let dir = cwd; dir !== stopDir; ) {
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dirs.push(parent);
    dir = parent;
  }
  return dirs;
}

/** `$XDG_CONFIG_HOME/wan`, or `<home>/.config/wan`; the XDG spec says to ignore a relative `XDG_CONFIG_HOME`. */
export function userConfigDir(env: Env, home: string): string {
  const xdg = readEnv(env, 'XDG_CONFIG_HOME');
  return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(home, '.config'), MODULE_NAME);
}

/** The project file nearest to `cwd`, else the user-level file, else `undefined`. */
export async function findConfigFile(opts: { cwd: string; home: string; env: Env }): Promise<LoadedFile | undefined> {
  for (const dir of searchDirs(opts.cwd, opts.home)) {
    const found = await searchDir(dir, SEARCH_PLACES);
    if (found) return found;
  }
  return searchDir(userConfigDir(opts.env, opts.home), USER_SEARCH_PLACES);
}

async function searchDir(dir: string, places: readonly string[]): Promise<LoadedFile | undefined> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const present = places.filter((place) => names.includes(place));
  if (present.length === 0) return undefined;
  // Most projects have a package.json and no "wan" key in it: no need for cosmiconfig to see that.
  if (present.length === 1 && present[0] === 'package.json' && !(await hasWanKey(path.join(dir, 'package.json'))))
    return undefined;
  const found = await (await explorer(places)).search(dir);
  return found ? { filepath: found.filepath, config: found.config } : undefined;
}

/** Whether a package.json has a "wan" key; one that cannot be read is left to cosmiconfig to report. */
async function hasWanKey(file: string): Promise<boolean> {
  try {
    const pkg = JSON.parse(await readFile(file, 'utf8')) as unknown;
    return typeof pkg !== 'object' || pkg === null || Object.hasOwn(pkg, MODULE_NAME);
  } catch {
    return true;
  }
}

/** Exactly the file `--config` names; an empty file counts as no settings. */
export async function loadConfigFile(file: string, opts: { cwd: string; home: string }): Promise<LoadedFile> {
  const label = '--config';
  if (file.trim() === '') throw new ConfigError(`${label}: expected a file path`, label);
  const filepath = resolveUserPath(file, opts.cwd, opts.home);
  const info = await stat(filepath).catch(() => undefined);
  if (!info) throw new ConfigError(`${label}: ${filepath}: no such file`, label);
  if (!info.isFile()) throw new ConfigError(`${label}: ${filepath} is not a file`, label);
  const ext = path.extname(filepath);
  if (!SUPPORTED_EXTENSIONS.includes(ext)) {
    const allowed = SUPPORTED_EXTENSIONS.filter(Boolean).join(', ');
    throw new ConfigError(
      `${label}: ${filepath}: unsupported file type "${ext}"; use ${allowed} or no extension`,
      label,
    );
  }
  const loaded = await (await explorer(SEARCH_PLACES)).load(filepath);
  if (loaded === null) {
    // cosmiconfig returns null only for a package.json without the module's key.
    throw new ConfigError(`${label}: ${filepath} has no "${MODULE_NAME}" key`, label);
  }
  return { filepath: loaded.filepath, config: loaded.isEmpty ? {} : loaded.config };
}
