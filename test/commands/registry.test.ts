import { Help } from 'commander';
import { describe, expect, it } from 'vitest';
import { defaultServices } from '../../src/commands/context.js';
import { COMMANDS, commandNamed, commandsNeeded, HIDDEN_COMMANDS } from '../../src/commands/registry.js';
import { buildProgram, main } from '../../src/main.js';
import { testIO } from '../helpers/test-io.js';

const app = () => ({ io: testIO().io, services: defaultServices, exitCode: 0 });

describe('command registry', () => {
  it('each entry loads the command of that name', async () => {
    for (const [name, entry] of Object.entries(COMMANDS)) expect((await entry.load())(app()).name()).toBe(name);
    for (const [name, load] of Object.entries(HIDDEN_COMMANDS)) expect((await load())(app()).name()).toBe(name);
  });

  it("lists each command in wan --help as Commander would from the command's module", async () => {
    for (const [name, entry] of Object.entries(COMMANDS)) {
      const command = (await entry.load())(app());
      expect(`${name} ${entry.args}`.trim()).toBe(new Help().subcommandTerm(command));
    }
  });

  it('wan --help, built from the summaries alone, reads as the full program would print it', async () => {
    const t = testIO();
    expect(await main(['--help'], t.io)).toBe(0);
    const full = await buildProgram(app());
    expect(t.out().startsWith(full.helpInformation())).toBe(true);
  });

  it.each([
    [['--help'], []],
    [['-V'], []],
    [[], []],
    [['help'], []],
    [['help', 'run'], ['run']],
    [['--json', 'status', 'x'], ['status']],
    [['-qV'], 'all'],
    [['nope'], 'all'],
    [['__complete', 'st'], 'all'],
  ])('%j needs %j loaded', async (argv, needed) => {
    expect(commandsNeeded(await buildProgram(app()), argv)).toEqual(needed);
  });

  it('the full program has every command, hidden ones hidden', async () => {
    const program = await buildProgram(app());
    expect(program.commands.map((c) => c.name())).toEqual([...Object.keys(COMMANDS), ...Object.keys(HIDDEN_COMMANDS)]);
    const visible = program
      .createHelp()
      .visibleCommands(program)
      .map((c) => c.name());
    expect(visible).toEqual([...Object.keys(COMMANDS), 'help']);
  });

  it.each([
    [['status', 'x'], 'status'],
    [['--json', 'status', 'x'], 'status'],
    [['--region', 'singapore', 'models'], 'models'],
    [['--region=singapore', '-q', '--no-color', 'models'], 'models'],
    [['--config', 'models', 'status'], 'status'],
    [['--sandbox', '--debug', 'run', 'a prompt'], 'run'],
    [['--base-url', '--json', 'list'], 'list'],
  ])('finds the command in %j', async (argv, name) => {
    expect(commandNamed(await buildProgram(app()), argv)).toBe(name);
  });

  it.each([
    [[]],
    [['help', 'status']],
    [['nope']],
    [['__complete', 'st']],
    [['--json=1', 'status']],
    [['-qV', 'status']],
    [['--', 'status']],
    [['--seed', '4', 'create']],
    [['--help', 'status']],
    [['--config']],
  ])('leaves %j to the full program', async (argv) => {
    expect(commandNamed(await buildProgram(app()), argv)).toBeUndefined();
  });

  it('a command run with global flags first parses as in the full program', async () => {
    const t = testIO();
    expect(await main(['--region', 'singapore', 'models', '--json'], t.io)).toBe(0);
    const u = testIO();
    expect(await main(['models', '--region', 'singapore', '--json'], u.io)).toBe(0);
    expect(t.out()).toBe(u.out());
    const bad = testIO();
    expect(await main(['--region', 'mars', 'models'], bad.io)).toBe(2);
    expect(bad.err()).toMatch(/mars/);
  });
});
