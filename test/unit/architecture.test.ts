import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(__dirname, '../../src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? files(full) : full.endsWith('.ts') ? [full] : [];
  });
}

const all = files(SRC).map((file) => ({ file: path.relative(SRC, file), text: readFileSync(file, 'utf8') }));

describe('architecture', () => {
  it('only output/system-io.ts touches the process streams, env and exit', () => {
    const offenders = all.filter(
      ({ file, text }) =>
        file !== 'output/system-io.ts' && /process\.(exit|stdout|stderr|env\b)|\bconsole\.[a-z]+\(/.test(text),
    );
    expect(offenders.map((o) => o.file)).toEqual([]);
  });

  it('the API core loads no terminal package and nothing of the CLI', () => {
    const core = all.filter(({ file }) => file.startsWith('api/'));
    const offenders = core.filter(({ text }) =>
      /from ['"](commander|chalk|ora|cli-progress)['"]|from ['"]\.\.\/(\.\.\/)?(output|commands|config)\//.test(text),
    );
    expect(offenders.map((o) => o.file)).toEqual([]);
  });

  it('undici is loaded on first use, never by importing the library (load-undici.ts)', () => {
    // The static imports reachable from the library's entry point, type-only ones aside.
    const byFile = new Map(all.map(({ file, text }) => [file, text]));
    const reached = new Set<string>();
    const visit = (file: string) => {
      if (reached.has(file)) return;
      reached.add(file);
      for (const [, spec] of byFile
        .get(file)!
        .matchAll(/^(?:import|export)(?! type)[^'"]*?from ['"](\.[^'"]+)['"]/gm)) {
        visit(path.join(path.dirname(file), spec!).replace(/\.js$/, '.ts'));
      }
    };
    visit('index.ts');
    expect(reached.has('api/client.ts')).toBe(true); // the walk does follow the imports
    const offenders = [...reached].filter((file) =>
      /^import (?!type )[^'"]*from ['"]undici['"]/m.test(byFile.get(file)!),
    );
    expect(offenders).toEqual([]);
  });

  /**
   * Layers you can see, imports that only go down: each folder may import its own files and the
   * folders listed for it, nothing else of src/ (main.ts and index.ts, at the top, may import all).
   */
  const MAY_IMPORT: Record<string, readonly string[]> = {
    commands: ['batch', 'doctor', 'completion', 'tasks', 'output', 'config', 'journal', 'net', 'api', 'sandbox'],
    batch: ['tasks', 'output', 'config', 'journal', 'api'],
    doctor: ['output', 'config', 'net', 'api', 'sandbox'],
    completion: ['output', 'api'],
    tasks: ['journal', 'api'],
    output: ['config', 'journal', 'api'],
    config: ['api'],
    net: ['config', 'api'],
    journal: ['api'],
    api: [],
    sandbox: ['api'],
  };

  it('every folder imports only the layers below it', () => {
    const folders = new Set(all.map(({ file }) => file.split('/')[0]!).filter((f) => !f.endsWith('.ts')));
    expect([...folders].sort()).toEqual(Object.keys(MAY_IMPORT).sort());
    const offenders: string[] = [];
    for (const { file, text } of all) {
      const folder = file.split('/')[0]!;
      if (folder.endsWith('.ts')) continue;
      for (const [, spec] of text.matchAll(/(?:from |import\()['"](\.[^'"]+)['"]/g)) {
        const target = path.normalize(path.join(path.dirname(file), spec!)).split(path.sep)[0]!;
        if (target !== folder && !MAY_IMPORT[folder]!.includes(target)) offenders.push(`${file} → ${spec}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('the sandbox does not depend on the CLI', () => {
    const offenders = all.filter(
      ({ file, text }) => file.startsWith('sandbox/') && /from ['"]\.\.\/(output|commands)\//.test(text),
    );
    expect(offenders.map((o) => o.file)).toEqual([]);
  });
});
