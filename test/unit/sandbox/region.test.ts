import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/main.js';
import type { Sandbox, SandboxOptions } from '../../../src/sandbox/index.js';
import { startSandbox } from '../../../src/sandbox/index.js';
import { testIO } from '../../helpers/test-io.js';
import { fakeClock, KEY, listTasks, postCreate, t2v, UUID } from './helpers.js';

/**
 * Each region has its own model ids (dashscope-api.md §3.3: Beijing's `wanx2.1-*` are Singapore's
 * `wan2.1-*`; Virginia serves wan2.6-t2v only), and a sandbox answers for one region: an id the
 * catalogue does not list there is refused as an unknown model is.
 */

const clock = fakeClock();
const sandboxes: Partial<Record<'default' | 'beijing' | 'singapore' | 'virginia', Sandbox>> = {};

beforeAll(async () => {
  sandboxes.default = await startSandbox({ clock });
  sandboxes.beijing = await startSandbox({ clock, region: 'beijing' });
  sandboxes.singapore = await startSandbox({ clock, region: 'singapore' });
  sandboxes.virginia = await startSandbox({ clock, region: 'virginia' });
});
afterAll(async () => {
  await Promise.all(Object.values(sandboxes).map((sb) => sb.close()));
});

const notExist = { code: 'InvalidParameter', message: 'Model not exist.', request_id: expect.stringMatching(UUID) };

describe('startSandbox({ region })', () => {
  it.each([
    ['default', 'wanx2.1-t2v-turbo', true],
    ['default', 'wan2.1-t2v-turbo', false],
    ['beijing', 'wanx2.1-t2v-plus', true],
    ['beijing', 'wan2.1-t2v-plus', false],
    ['beijing', 'wan2.7-t2v-2026-04-25', true],
    ['singapore', 'wan2.1-t2v-turbo', true],
    ['singapore', 'wanx2.1-t2v-turbo', false],
    ['singapore', 'wan2.1-t2v-plus', true],
    ['singapore', 'wanx2.1-t2v-plus', false],
    ['singapore', 'wan2.5-t2v-preview', true],
    ['singapore', 'wan2.7-t2v-2026-06-12', true],
    ['virginia', 'wan2.6-t2v', true],
    ['virginia', 'wan2.5-t2v-preview', false],
    ['virginia', 'wan2.2-t2v-plus', false],
    ['virginia', 'wan2.7-t2v-2026-04-25', false],
  ] as const)('%s sandbox: %s accepted: %s', async (region, model, accepted) => {
    const reply = await postCreate(sandboxes[region]!, t2v(model));
    if (accepted) expect(reply.status).toBe(200);
    else {
      expect(reply.status).toBe(400);
      expect(reply.body).toEqual(notExist);
    }
  });

  it('refuses a snapshot of an id from another region', async () => {
    const reply = await postCreate(sandboxes.singapore!, t2v('wanx2.1-t2v-turbo-2025-01-01'));
    expect(reply.body).toEqual(notExist);
  });

  it("gives upload policies only for the region's ids", async () => {
    const policy = (sb: Sandbox, model: string) =>
      fetch(`${sb.baseUrl}/uploads?action=getPolicy&model=${model}`, { headers: { authorization: `Bearer ${KEY}` } });
    expect((await policy(sandboxes.singapore!, 'wan2.5-t2v-preview')).status).toBe(200);
    const refused = await policy(sandboxes.virginia!, 'wan2.5-t2v-preview');
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual(notExist);
  });

  it("names the region in the task list (§1.2's `region` field)", async () => {
    const sb = sandboxes.singapore!;
    await postCreate(sb, t2v('wan2.2-t2v-plus'));
    expect((await listTasks(sb)).body.data[0].region).toBe('ap-southeast-1');
    const bj = sandboxes.beijing!;
    await postCreate(bj, t2v('wan2.2-t2v-plus'));
    expect((await listTasks(bj)).body.data[0].region).toBe('cn-beijing');
  });

  it('refuses a region it does not know', async () => {
    await expect(startSandbox({ region: 'mars' as 'beijing' })).rejects.toThrow(/region "mars"/);
  });
});

describe('wan sandbox --region', () => {
  /** Runs `wan …` with a stand-in sandbox, returning the options it was started with. */
  async function started(argv: string[]): Promise<{ code: number; options?: SandboxOptions; err: string }> {
    const t = testIO();
    let options: SandboxOptions | undefined;
    const code = await main(argv, t.io, {
      startSandbox: async (o) => {
        options = o;
        t.interrupt();
        return {
          baseUrl: 'http://127.0.0.1:1/api/v1',
          videoOrigin: 'http://127.0.0.1:2',
          uploadHost: 'http://127.0.0.1:2/dashscope-file-sandbox',
          requests: [],
          setFaults: () => undefined,
          videoFor: async () => Buffer.alloc(0),
          close: async () => undefined,
        };
      },
    });
    return { code, ...(options ? { options } : {}), err: t.err() };
  }

  it.each([
    [['sandbox'], 'beijing'],
    [['sandbox', '--region', 'singapore'], 'singapore'],
    [['sandbox', '--region=virginia'], 'virginia'],
    // The program's global --region before the command means the same.
    [['--region', 'singapore', 'sandbox'], 'singapore'],
  ])('%j starts a %s sandbox', async (argv, region) => {
    const run = await started(argv);
    expect(run.code).toBe(0);
    expect(run.options?.region).toBe(region);
  });

  it('refuses an unknown region before starting anything', async () => {
    const run = await started(['sandbox', '--region', 'mars']);
    expect(run.code).toBe(2);
    expect(run.options).toBeUndefined();
    expect(run.err).toMatch(/region/);
  });

  it('documents --region and its default in its help', async () => {
    const t = testIO();
    expect(await main(['sandbox', '--help'], t.io)).toBe(0);
    const text = t.out().replace(/\s+/g, ' ');
    expect(text).toContain(
      '--region <region> answer for this region: accept only its model ids (choices: "beijing", "singapore", "virginia", default: "beijing")',
    );
    expect(text).toContain(
      "It answers for one region (--region, default beijing) and knows only that region's model ids",
    );
  });
});
