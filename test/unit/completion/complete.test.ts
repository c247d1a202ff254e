import { describe, expect, it } from 'vitest';
import { MODELS } from '../../../src/api/catalogue.js';
import { defaultServices } from '../../../src/commands/context.js';
import { complete, completionFor } from '../../../src/completion/complete.js';
import { buildProgram } from '../../../src/main.js';
import { testIO } from '../../helpers/test-io.js';

const program = await buildProgram({ io: testIO().io, services: defaultServices, exitCode: 0 });
const words = (line: string) => line.split(' ');
const values = (line: string, options = {}) => complete(program, words(line), options);

describe('complete: commands and flags come from the Commander program', () => {
  it('offers every visible command (hidden ones not)', () => {
    const commands = values('');
    for (const name of [
      'run',
      'create',
      'status',
      'wait',
      'download',
      'models',
      'config',
      'doctor',
      'completion',
      'help',
    ])
      expect(commands).toContain(name);
    expect(commands).not.toContain('__complete');
    expect(commands).not.toContain('help-topic');
    expect(values('do').sort()).toEqual(['doctor', 'download']);
  });

  it('offers the flags of create, its own first, then the global ones', () => {
    const flags = values('create --');
    const own = program.commands
      .find((c) => c.name() === 'create')!
      .options.filter((o) => !o.hidden)
      .map((o) => o.long);
    expect(flags.slice(0, own.length)).toEqual(own);
    for (const global of ['--json', '--quiet', '--region', '--sandbox', '--help']) expect(flags).toContain(global);
    expect(flags).not.toContain('--version');
    expect(values('create --neg')).toEqual(['--negative-prompt']);
  });

  it('does not offer a flag again once it is on the line', () => {
    expect(values('create --seed 4 --se')).toEqual([]);
    expect(values('create --dry-run --d')).toEqual(['--duration', '--debug']);
  });

  it('a flag added to a command is completed with no change to the completion code', async () => {
    const extra = await buildProgram({ io: testIO().io, services: defaultServices, exitCode: 0 });
    extra.commands.find((c) => c.name() === 'models')!.option('--brand-new-flag', 'for this test');
    expect(complete(extra, words('models --brand'))).toEqual(['--brand-new-flag']);
  });

  it('gives descriptions to show beside the values', () => {
    expect(completionFor(program, words('doc')).candidates).toEqual([
      { value: 'doctor', description: expect.stringMatching(/^check the setup/) as unknown },
    ]);
  });
});

describe('complete: values from the catalogue, for the model on the line', () => {
  it('model names', () => {
    expect(values('create -m ')).toEqual(expect.arrayContaining(MODELS.map((m) => m.id)));
    expect(values('run --model wan2.')).toContain('wan2.2-t2v-plus');
  });

  it('model names under their regional ids with --region', () => {
    expect(values('--region singapore create -m wan2.1')).toEqual([
      'wan2.1-t2v-turbo',
      'wan2.1-t2v-plus',
      'wan2.1-i2v-turbo',
      'wan2.1-i2v-plus',
      'wan2.1-kf2v-plus',
    ]);
    expect(values('--region beijing create -m wanx')).toEqual([
      'wanx2.1-t2v-turbo',
      'wanx2.1-t2v-plus',
      'wanx2.1-i2v-turbo',
      'wanx2.1-i2v-plus',
      'wanx2.1-kf2v-plus',
    ]);
  });

  it('sizes of wan2.2-t2v-plus after -m wan2.2-t2v-plus --size', () => {
    expect(values('create -m wan2.2-t2v-plus --size ')).toEqual(MODELS.find((m) => m.id === 'wan2.2-t2v-plus')!.sizes);
    expect(values('create -m wan2.2-t2v-plus --size ')).toEqual([
      '832*480',
      '480*832',
      '624*624',
      '1920*1080',
      '1080*1920',
      '1440*1440',
      '1632*1248',
      '1248*1632',
    ]);
  });

  it('sizes in every spelling of the option and of the model flag', () => {
    const sizes = values('create -m wan2.2-t2v-plus --size ');
    expect(values('create --model wan2.2-t2v-plus -s ')).toEqual(sizes);
    expect(values('create --model=wan2.2-t2v-plus -s ')).toEqual(sizes);
    expect(values('create -mwan2.2-t2v-plus -s 8')).toEqual(['832*480']);
    expect(values('create -m wan2.2-t2v-plus --size=1')).toEqual([
      '--size=1920*1080',
      '--size=1080*1920',
      '--size=1440*1440',
      '--size=1632*1248',
      '--size=1248*1632',
    ]);
  });

  it('sizes written WxH once an x is typed, and matched through a shell backslash', () => {
    expect(values('create -m wan2.2-t2v-plus -s 832x')).toEqual(['832x480']);
    expect(values('create -m wan2.2-t2v-plus -s 832\\*')).toEqual(['832*480']);
  });

  it('durations of wan2.6', () => {
    expect(values('create -m wan2.6-t2v --duration ')).toEqual([
      '2',
      '3',
      '4',
      '5',
      '6',
      '7',
      '8',
      '9',
      '10',
      '11',
      '12',
      '13',
      '14',
      '15',
    ]);
    expect(values('run -m wan2.6-t2v -d 1')).toEqual(['10', '11', '12', '13', '14', '15']);
  });

  it('the default model when the line names none (and WAN_MODEL through the option)', () => {
    expect(values('create -d ')).toEqual(['5', '10']);
    expect(values('create -d ', { defaultModel: 'wan2.6-t2v' })).toHaveLength(14);
  });

  it('resolutions and ratios the model offers', () => {
    expect(values('create -m wan2.2-t2v-plus --resolution ')).toEqual(['480P', '1080P']);
    expect(values('create -m wan2.7-t2v --ratio ')).toEqual(['16:9', '9:16', '1:1', '4:3', '3:4']);
    expect(values('create -m wan2.2-t2v-plus --ratio ')).toEqual(['16:9', '9:16', '1:1', '4:3', '3:4']);
    expect(values('create -m wanx2.1-t2v-turbo --ratio ')).toEqual(['16:9', '9:16', '1:1', '4:3', '3:4']);
  });

  it('no sizes for wan2.7 (it takes --resolution and --ratio), nor for a model it does not know', () => {
    expect(values('create -m wan2.7-t2v --size ')).toEqual([]);
    expect(values('create -m wan9 --size ')).toEqual([]);
  });

  it('choices declared with Commander (regions, shells, --shot-type)', () => {
    expect(values('--region ')).toEqual(['beijing', 'singapore', 'virginia']);
    expect(values('completion ')).toEqual(['bash', 'zsh', 'fish']);
    expect(values('create --shot-type ')).toEqual(['single', 'multi']);
  });

  it('help topics and commands after help', () => {
    expect(values('help e')).toEqual(['exit-codes', 'environment']);
    expect(values('help ')).toContain('create');
  });
});

describe('completionFor: when the shell should complete paths', () => {
  it.each([
    ['wait x -o ', 'any'],
    ['create --prompt-file ', 'any'],
    ['wait x --output-dir ', 'dirs'],
    ['--config ', 'any'],
    ['upload ', 'any'],
  ])('%j → %s', (line, files) => {
    expect(completionFor(program, words(line))).toEqual({ candidates: [], files });
  });

  it('nothing at all for a free-text value or a prompt', () => {
    expect(completionFor(program, words('create -n '))).toEqual({ candidates: [] });
    expect(completionFor(program, words('create '))).toEqual({ candidates: [] });
  });

  it('after --, words are arguments, not flags', () => {
    expect(completionFor(program, words('create -- --'))).toEqual({ candidates: [] });
  });
});
