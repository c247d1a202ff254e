import { describe, expect, it } from 'vitest';
import { main } from '../../src/main.js';
import { testIO } from '../helpers/test-io.js';

const COMMANDS = [
  'run',
  'create',
  'status',
  'wait',
  'download',
  'batch',
  'list',
  'cancel',
  'sweep',
  'upload',
  'models',
  'config',
  'sandbox',
  'doctor',
  'completion',
];

async function help(args: string[]): Promise<string> {
  const t = testIO();
  const code = await main(args, t.io);
  expect(code).toBe(0);
  expect(t.err()).toBe('');
  return t.out().replace(/\d+\.\d+\.\d+/g, 'X.Y.Z');
}

describe('help', () => {
  it('wan --help', async () => {
    expect(await help(['--help'])).toMatchSnapshot();
  });

  it.each(COMMANDS)('wan %s --help has examples', async (name) => {
    const text = await help([name, '--help']);
    expect(text).toMatch(/\nExamples:\n {2}\$ wan/);
    expect(text).toMatchSnapshot();
  });

  it.each(['exit-codes', 'config', 'environment', 'sandbox'])('wan help %s', async (topic) => {
    expect(await help(['help', topic])).toMatchSnapshot();
  });

  it('wan --version', async () => {
    expect(await help(['--version'])).toBe('X.Y.Z\n');
  });

  it('exit codes are documented in full', async () => {
    const text = await help(['help', 'exit-codes']);
    for (const code of [0, 1, 2, 3, 4, 5, 6, 7, 130]) expect(text).toMatch(new RegExp(`^ +${code} `, 'm'));
  });
});
