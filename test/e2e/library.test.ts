import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SandboxFixture, sandboxFixture } from '../helpers/sandbox.js';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
let fx: SandboxFixture;
let project: string;

/** A project that depends on wan-cli the way a user's would: through node_modules and the package's exports. */
beforeAll(async () => {
  fx = await sandboxFixture();
  project = mkdtempSync(path.join(os.tmpdir(), 'wan-lib-'));
  mkdirSync(path.join(project, 'node_modules'));
  symlinkSync(ROOT, path.join(project, 'node_modules', 'wan-cli'), 'dir');
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ type: 'module' }));
});
afterAll(async () => fx.close());

function readmeExample(): string {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Library'));
  return /```ts\n([\s\S]*?)```/.exec(section)![1]!;
}

describe('the library', () => {
  it("README's example runs as it is, from a plain Node ESM script", async () => {
    writeFileSync(path.join(project, 'example.mjs'), readmeExample());
    const { stdout, stderr } = await run(process.execPath, ['example.mjs'], {
      cwd: project,
      env: {
        PATH: process.env.PATH,
        DASHSCOPE_API_KEY: 'sk-library-example',
        DASHSCOPE_HTTP_BASE_URL: fx.sandbox.baseUrl,
      },
    });
    const [file, bytes, sha] = stdout.trim().split(' ');
    expect(file).toBe('panda.mp4');
    expect(Number(bytes)).toBe(readFileSync(path.join(project, 'panda.mp4')).length);
    expect(sha).toMatch(/^[0-9a-f]{64}$/);
    expect(stderr).toMatch(/SUCCEEDED/);
  });

  it("says zod's messages in English, unless the application chose another zod locale first", async () => {
    const zod = (file: string) => JSON.stringify(pathToFileURL(path.join(ROOT, 'node_modules/zod/v4', file)).href);
    const check =
      "const { createTaskOptionsSchema } = await import('wan-cli');\nconsole.log(createTaskOptionsSchema.safeParse({ prompt: 5 }).error.issues[0].message);\n";
    writeFileSync(path.join(project, 'english.mjs'), check);
    writeFileSync(
      path.join(project, 'french.mjs'),
      `import { config } from ${zod('core/index.js')};\nimport fr from ${zod('locales/fr.js')};\nconfig(fr());\n${check}`,
    );
    const english = await run(process.execPath, ['english.mjs'], { cwd: project });
    expect(english.stdout.trim()).toBe('Invalid input: expected string, received number');
    const french = await run(process.execPath, ['french.mjs'], { cwd: project });
    expect(french.stdout.trim()).not.toBe(english.stdout.trim());
    expect(french.stdout).toMatch(/attendu/);
  });

  it('type-checks from TypeScript with the shipped types', async () => {
    writeFileSync(path.join(project, 'example.ts'), readmeExample());
    writeFileSync(
      path.join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
          typeRoots: [path.join(ROOT, 'node_modules/@types')],
        },
        files: ['example.ts'],
      }),
    );
    await run(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], {
      cwd: project,
    });
  });

  it('loads no terminal package, no config loader, and not undici until a request needs it', async () => {
    // A resolve hook sees every ESM import the entry point makes, however deep.
    writeFileSync(
      path.join(project, 'hooks.mjs'),
      `export async function resolve(specifier, context, next) { if (!specifier.startsWith('.') && !specifier.startsWith('node:') && !specifier.startsWith('file:')) process.stderr.write('import ' + specifier + '\\n'); return next(specifier, context); }`,
    );
    writeFileSync(
      path.join(project, 'register.mjs'),
      `import { register } from 'node:module'; register('./hooks.mjs', import.meta.url);`,
    );
    writeFileSync(
      path.join(project, 'probe.mjs'),
      `const lib = await import('wan-cli'); console.log(typeof lib.WanClient);`,
    );
    const { stdout, stderr } = await run(process.execPath, ['--import', './register.mjs', 'probe.mjs'], {
      cwd: project,
    });
    expect(stdout.trim()).toBe('function');
    const imported = [...stderr.matchAll(/^import (\S+)$/gm)].map((m) => m[1]);
    expect(imported).toContain('wan-cli');
    for (const name of ['commander', 'chalk', 'ora', 'cli-progress', 'cosmiconfig', 'undici'])
      expect(imported).not.toContain(name);
  });

  it("exports the CLI's proxy support as wan-cli/proxy", async () => {
    writeFileSync(
      path.join(project, 'proxy.mjs'),
      `const { proxyDispatcher } = await import('wan-cli/proxy'); const t = { connectMs: 1000, headersMs: 1000, bodyMs: 1000 };
console.log(proxyDispatcher({}, t) === undefined, proxyDispatcher({ HTTPS_PROXY: 'http://127.0.0.1:9' }, t)?.constructor.name);`,
    );
    const { stdout } = await run(process.execPath, ['proxy.mjs'], { cwd: project });
    expect(stdout.trim()).toBe('true EnvHttpProxyAgent');
  });
});
