import { request } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, type SandboxTaskInfo, startSandbox } from '../../../src/sandbox/index.js';
import { boundaryOf, parseMultipart } from '../../../src/sandbox/multipart.js';
import { asyncHeaders, fakeClock, getTask, KEY, postCreate, t2v, tempDir, UUID } from './helpers.js';

const clock = fakeClock();
const MODEL = 'wan2.5-t2v-preview';
const scripted: SandboxTaskInfo[] = [];
let sb: Sandbox;

beforeAll(async () => {
  sb = await startSandbox({
    clock,
    pendingMs: 0,
    runningMs: 1000,
    script: (task) => {
      scripted.push(task);
      return undefined;
    },
  });
});
afterAll(() => sb.close());
afterEach(() => sb.setFaults({}));

interface Policy {
  policy: string;
  signature: string;
  upload_dir: string;
  upload_host: string;
  oss_access_key_id: string;
  x_oss_object_acl: string;
  x_oss_forbid_overwrite: string;
}

async function getPolicy(model = MODEL, key = KEY): Promise<{ status: number; body: any }> {
  const res = await fetch(`${sb.baseUrl}/uploads?action=getPolicy&model=${encodeURIComponent(model)}`, {
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
  });
  return { status: res.status, body: await res.json() };
}

/** Step 2 as the Python SDK does it: the policy fields, then `file` last. Returns the oss:// URL. */
async function upload(
  policy: Policy,
  name: string,
  bytes: Uint8Array = Buffer.from('RIFF....WAVE'),
  edit: (form: FormData) => void = () => undefined,
  headers: Record<string, string> = {},
): Promise<{ res: Response; url: string }> {
  const key = `${policy.upload_dir}/${name}`;
  const form = new FormData();
  form.append('OSSAccessKeyId', policy.oss_access_key_id);
  form.append('Signature', policy.signature);
  form.append('policy', policy.policy);
  form.append('key', key);
  form.append('x-oss-object-acl', policy.x_oss_object_acl);
  form.append('x-oss-forbid-overwrite', policy.x_oss_forbid_overwrite);
  form.append('success_action_status', '200');
  form.append('x-oss-content-type', 'audio/wav');
  edit(form);
  form.append('file', new Blob([bytes]), name);
  const res = await fetch(policy.upload_host, { method: 'POST', body: form, headers });
  return { res, url: `oss://${key}` };
}

async function uploaded(name: string, bytes?: Uint8Array, model = MODEL, key = KEY): Promise<string> {
  const { res, url } = await upload((await getPolicy(model, key)).body.data, name, bytes);
  expect(res.status).toBe(200);
  return url;
}

const withAudio = (audioUrl: string, model = MODEL) => ({
  model,
  input: { prompt: 'a drummer on a rooftop', audio_url: audioUrl },
});
const resolving = { ...asyncHeaders(), 'x-dashscope-ossresourceresolve': 'enable' };

async function expectOssError(res: Response, status: number, code: string, message?: string): Promise<string> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/xml');
  const xml = await res.text();
  expect(xml).toContain(`<Code>${code}</Code>`);
  if (message) expect(xml).toContain(`<Message>${message}</Message>`);
  return xml;
}

describe('getPolicy', () => {
  it("answers the reference's shape, with an upload host on the video listener", async () => {
    const { status, body } = await getPolicy();
    expect(status).toBe(200);
    expect(body).toEqual({
      request_id: expect.stringMatching(UUID),
      data: {
        policy: expect.stringMatching(/^eyJ[A-Za-z0-9+/]+=*$/),
        signature: expect.stringMatching(/^[A-Za-z0-9+/]+=*$/),
        upload_dir: expect.stringMatching(/^dashscope-instant\/[0-9a-f]{32}\/2026-05-01\/[0-9a-f]{32}$/),
        upload_host: sb.uploadHost,
        expire_in_seconds: 300,
        max_file_size_mb: 100,
        capacity_limit_mb: 999999999,
        oss_access_key_id: expect.stringMatching(/^LTAI/),
        x_oss_object_acl: 'private',
        x_oss_forbid_overwrite: 'true',
      },
    });
    expect(sb.uploadHost.startsWith(sb.videoOrigin)).toBe(true);
    const document = JSON.parse(Buffer.from(body.data.policy, 'base64').toString());
    expect(document.expiration).toBe(new Date(clock.now() + 300_000).toISOString());
    expect(document.conditions).toContainEqual(['starts-with', '$key', `${body.data.upload_dir}/`]);
    expect(JSON.stringify(document)).not.toContain(KEY);
  });

  it('gives another key another directory, and a fresh one per call', async () => {
    const [a, b, other] = [await getPolicy(), await getPolicy(), await getPolicy(MODEL, 'sk-other')];
    const account = (dir: string) => dir.split('/')[1];
    expect(account(a.body.data.upload_dir)).toBe(account(b.body.data.upload_dir));
    expect(a.body.data.upload_dir).not.toBe(b.body.data.upload_dir);
    expect(account(other.body.data.upload_dir)).not.toBe(account(a.body.data.upload_dir));
  });

  it.each([
    ['action=upload&model=wan2.5-t2v-preview', 400, 'InvalidParameter'],
    ['action=getPolicy', 400, 'InvalidParameter'],
    ['action=getPolicy&model=wan9', 400, 'InvalidParameter'],
  ])('refuses %s', async (query, status, code) => {
    const res = await fetch(`${sb.baseUrl}/uploads?${query}`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(res.status).toBe(status);
    expect((await res.json()).code).toBe(code);
  });

  it('needs a key', async () => {
    expect((await fetch(`${sb.baseUrl}/uploads?action=getPolicy&model=${MODEL}`)).status).toBe(401);
  });
});

describe('upload', () => {
  it('stores the file: HTTP 200, empty body, no Authorization', async () => {
    const { res } = await upload((await getPolicy()).body.data, 'beat.wav');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    expect(res.headers.get('etag')).toMatch(/^"[0-9A-F]{32}"$/);
    expect(sb.requests.at(-1)).toMatchObject({
      listener: 'video',
      method: 'POST',
      path: '/dashscope-file-sandbox',
      status: 200,
    });
  });

  it('answers 204 without success_action_status, as OSS does', async () => {
    const policy = (await getPolicy()).body.data;
    const form = new FormData();
    const fields = {
      OSSAccessKeyId: policy.oss_access_key_id,
      Signature: policy.signature,
      policy: policy.policy,
      key: `${policy.upload_dir}/a.mp3`,
      'x-oss-object-acl': 'private',
      'x-oss-forbid-overwrite': 'true',
    };
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    form.append('file', new Blob(['ID3']), 'a.mp3');
    expect((await fetch(policy.upload_host, { method: 'POST', body: form })).status).toBe(204);
  });

  it('refuses an expired policy with 403 AccessDenied', async () => {
    const policy = (await getPolicy()).body.data;
    clock.advance(300_000);
    try {
      const { res } = await upload(policy, 'late.wav');
      await expectOssError(res, 403, 'AccessDenied', 'Invalid according to Policy: Policy expired.');
    } finally {
      clock.advance(-300_000);
    }
  });

  it('refuses a tampered signature or policy, and a foreign access key id', async () => {
    const policy: Policy = (await getPolicy()).body.data;
    await expectOssError(
      (
        await upload(
          { ...policy, signature: (policy.signature.startsWith('A') ? 'B' : 'A') + policy.signature.slice(1) },
          'x.wav',
        )
      ).res,
      403,
      'SignatureDoesNotMatch',
    );
    const other = (await getPolicy()).body.data;
    await expectOssError(
      (await upload({ ...policy, policy: other.policy }, 'x.wav')).res,
      403,
      'SignatureDoesNotMatch',
    );
    await expectOssError(
      (await upload({ ...policy, oss_access_key_id: 'LTAIsomeoneelse' }, 'x.wav')).res,
      403,
      'InvalidAccessKeyId',
    );
  });

  it('refuses a key outside upload_dir and a wrong acl as policy conditions', async () => {
    const policy: Policy = (await getPolicy()).body.data;
    const outside = await upload({ ...policy, upload_dir: 'dashscope-instant/elsewhere' }, 'x.wav');
    const xml = await expectOssError(outside.res, 403, 'AccessDenied');
    expect(xml).toContain(
      `Invalid according to Policy: Policy Condition failed: [&#34;starts-with&#34;, &#34;$key&#34;, &#34;${policy.upload_dir}/&#34;]`,
    );
    const acl = await upload({ ...policy, x_oss_object_acl: 'public-read' }, 'x.wav');
    expect(await expectOssError(acl.res, 403, 'AccessDenied')).toContain(
      'Policy Condition failed: {&#34;x-oss-object-acl&#34;:&#34;private&#34;}',
    );
  });

  it('refuses an Authorization header (the form signature is the credential)', async () => {
    const { res } = await upload((await getPolicy()).body.data, 'x.wav', undefined, undefined, {
      authorization: `Bearer ${KEY}`,
    });
    await expectOssError(res, 400, 'InvalidArgument');
  });

  it('refuses to overwrite (x-oss-forbid-overwrite) with 409', async () => {
    const policy: Policy = (await getPolicy()).body.data;
    expect((await upload(policy, 'same.wav')).res.status).toBe(200);
    await expectOssError((await upload(policy, 'same.wav')).res, 409, 'FileAlreadyExists');
  });

  it('refuses a body that is not multipart, or has no file', async () => {
    const policy: Policy = (await getPolicy()).body.data;
    const json = await fetch(policy.upload_host, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    await expectOssError(json, 400, 'InvalidArgument');
    const broken = await fetch(policy.upload_host, {
      method: 'POST',
      body: '--x\r\nnot a header\r\n\r\n',
      headers: { 'content-type': 'multipart/form-data; boundary=x' },
    });
    await expectOssError(broken, 400, 'MalformedPOSTRequest');
    const form = new FormData();
    form.append('key', 'k');
    await expectOssError(await fetch(policy.upload_host, { method: 'POST', body: form }), 400, 'InvalidArgument');
  });

  it('ignores fields after the file, as OSS does', async () => {
    const policy: Policy = (await getPolicy()).body.data;
    const form = new FormData();
    form.append('OSSAccessKeyId', policy.oss_access_key_id);
    form.append('Signature', policy.signature);
    form.append('policy', policy.policy);
    form.append('file', new Blob(['x']), 'x.wav');
    form.append('key', `${policy.upload_dir}/x.wav`);
    await expectOssError(
      await fetch(policy.upload_host, { method: 'POST', body: form }),
      400,
      'InvalidArgument',
      'The form field key is required.',
    );
  });

  it('refuses a form larger than the limit as it arrives', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(sb.uploadHost, {
        method: 'POST',
        headers: { 'content-type': 'multipart/form-data; boundary=x', 'content-length': String(200 * 1024 * 1024) },
      });
      req.on('response', (res) => {
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', reject);
      req.write('--x\r\n');
    });
    expect(status).toBe(400);
  });

  it('can be hit by upload faults, answered in OSS XML', async () => {
    sb.setFaults({ rules: [{ endpoint: 'upload', kind: 'status', status: 503, times: 1 }] });
    const policy: Policy = (await getPolicy()).body.data;
    await expectOssError((await upload(policy, 'f.wav')).res, 503, 'ServiceUnavailable');
    expect((await upload(policy, 'f.wav')).res.status).toBe(200);
  });
});

describe('create with an oss:// audio_url', () => {
  it('needs X-DashScope-OssResourceResolve: enable', async () => {
    const url = await uploaded('song.mp3');
    const without = await postCreate(sb, withAudio(url));
    expect(without.status).toBe(400);
    expect(without.body).toEqual({
      code: 'InvalidParameter',
      message: 'The provided URL does not appear to be valid. Ensure it is correctly formatted.',
      request_id: expect.stringMatching(UUID),
    });
    const withHeader = await postCreate(sb, withAudio(url), resolving);
    expect(withHeader.status).toBe(200);
    expect(scripted.at(-1)!.audioUrl).toBe(url);
    // Tasks with audio report usage as usual.
    clock.advance(1000);
    const done = await getTask(sb, withHeader.body.output.task_id);
    expect(done.body.output.task_status).toBe('SUCCEEDED');
    expect(done.body.usage).toEqual({ video_duration: 5, video_ratio: '1920*1080', video_count: 1 });
  });

  it('needs the file to exist, for the same model and key', async () => {
    const url = await uploaded('voice.wav');
    const missing = url.replace('voice.wav', 'nothing.wav');
    for (const [body, key] of [
      [withAudio(missing), KEY],
      [withAudio(url, 'wan2.6-t2v'), KEY],
      [withAudio(url), 'sk-other'],
    ] as const) {
      const reply = await postCreate(sb, body, { ...resolving, authorization: `Bearer ${key}` });
      expect(reply.status).toBe(400);
      expect(reply.body.code).toBe('InvalidParameter');
      expect(reply.body.message).toContain((body.input as { audio_url: string }).audio_url);
    }
  });

  it('forgets files after 48 h', async () => {
    const url = await uploaded('old.wav');
    clock.advance(48 * 3600_000);
    const reply = await postCreate(sb, withAudio(url), resolving);
    expect(reply.status).toBe(400);
    expect(reply.body.code).toBe('InvalidParameter');
  });

  it('allows only .wav and .mp3, up to 15 MB', async () => {
    const ogg = await uploaded('tune.ogg');
    expect((await postCreate(sb, withAudio(ogg), resolving)).body).toMatchObject({
      code: 'InvalidURL',
      message: 'File type is not supported. Allowed types are: .wav, .mp3.',
    });
    const big = await uploaded('big.mp3', new Uint8Array(15 * 1024 * 1024 + 1));
    expect((await postCreate(sb, withAudio(big), resolving)).body).toMatchObject({
      code: 'InvalidURL',
      message: 'File size is larger than 15MB.',
    });
    const limit = await uploaded('limit.mp3', new Uint8Array(15 * 1024 * 1024));
    expect((await postCreate(sb, withAudio(limit), resolving)).status).toBe(200);
  });
});

describe('create with an http(s) audio_url', () => {
  it.each([
    ['https://example.com/a/b/song.MP3?Expires=1&Signature=x', 200, undefined],
    ['http://example.com/voice.wav', 200, undefined],
    ['https://example.com/tune.ogg', 400, 'File type is not supported. Allowed types are: .wav, .mp3.'],
    ['https://example.com/song', 400, 'File type is not supported. Allowed types are: .wav, .mp3.'],
    ['ftp://example.com/song.mp3', 400, 'Invalid URL provided in your request.'],
    ['not a url.mp3', 400, 'Invalid URL provided in your request.'],
  ])('%s → %i', async (url, status, message) => {
    const reply = await postCreate(sb, withAudio(url));
    expect(reply.status).toBe(status);
    if (message) expect(reply.body).toMatchObject({ code: 'InvalidURL', message });
  });

  it('refuses a non-string audio_url as a parameter error, and tolerates null', async () => {
    expect((await postCreate(sb, { ...t2v(MODEL), input: { prompt: 'x', audio_url: 5 } })).body.message).toContain(
      'audio_url',
    );
    expect((await postCreate(sb, { ...t2v(MODEL), input: { prompt: 'x', audio_url: null } })).status).toBe(200);
  });
});

describe('state dir', () => {
  it('lets another sandbox on the same state dir resolve the upload', async () => {
    const dir = await tempDir('uploads');
    const a = await startSandbox({ clock, stateDir: dir.path });
    const b = await startSandbox({ clock, stateDir: dir.path });
    try {
      const policy = await (
        await fetch(`${a.baseUrl}/uploads?action=getPolicy&model=${MODEL}`, {
          headers: { authorization: `Bearer ${KEY}` },
        })
      ).json();
      const form = new FormData();
      const key = `${policy.data.upload_dir}/shared.wav`;
      const fields = {
        OSSAccessKeyId: policy.data.oss_access_key_id,
        Signature: policy.data.signature,
        policy: policy.data.policy,
        key,
        'x-oss-object-acl': 'private',
        'x-oss-forbid-overwrite': 'true',
        success_action_status: '200',
      };
      for (const [name, value] of Object.entries(fields)) {
        form.append(name, value);
      }
      form.append('file', new Blob(['RIFF']), 'shared.wav');
      expect((await fetch(policy.data.upload_host, { method: 'POST', body: form })).status).toBe(200);
      expect((await postCreate(b, withAudio(`oss://${key}`), resolving)).status).toBe(200);
    } finally {
      await a.close();
      await b.close();
      await dir.remove();
    }
  });
});

describe('multipart parser', () => {
  const body = (boundary: string, parts: string) =>
    Buffer.from(parts.replaceAll('\n', '\r\n').replaceAll('BOUNDARY', boundary));

  it('reads names, file names, content types and binary data, after a preamble', () => {
    const form = body(
      'b-1',
      'preamble\n--BOUNDARY\nContent-Disposition: form-data; name="key"\n\na/b.wav\n--BOUNDARY\nContent-Disposition: form-data; name="file"; filename="say \\"hi\\".wav"\nContent-Type: audio/wav\n\n\u0000\u0001\n\n--BOUNDARY--\n',
    );
    expect(parseMultipart(form, 'b-1')).toEqual([
      { name: 'key', data: Buffer.from('a/b.wav') },
      { name: 'file', filename: 'say "hi".wav', contentType: 'audio/wav', data: Buffer.from('\u0000\u0001\r\n') },
    ]);
  });

  it('refuses malformed bodies', () => {
    expect(parseMultipart(Buffer.from('no boundary here'), 'x')).toBeUndefined();
    expect(
      parseMultipart(body('x', '--BOUNDARY\nContent-Disposition: form-data; name="a"\n\nunterminated'), 'x'),
    ).toBeUndefined();
    expect(
      parseMultipart(body('x', '--BOUNDARY\nContent-Disposition: attachment; name="a"\n\nv\n--BOUNDARY--'), 'x'),
    ).toBeUndefined();
    expect(
      parseMultipart(body('x', '--BOUNDARY\nContent-Disposition: form-data\n\nv\n--BOUNDARY--'), 'x'),
    ).toBeUndefined();
  });

  it('finds the boundary of a multipart/form-data Content-Type only', () => {
    expect(boundaryOf('multipart/form-data; boundary=----abc')).toBe('----abc');
    expect(boundaryOf('Multipart/Form-Data; charset=utf-8; boundary="a b"')).toBe('a b');
    expect(boundaryOf('multipart/mixed; boundary=x')).toBeUndefined();
    expect(boundaryOf('multipart/form-data')).toBeUndefined();
    expect(boundaryOf(undefined)).toBeUndefined();
  });
});
