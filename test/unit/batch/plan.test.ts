import { describe, expect, it } from 'vitest';
import { parseBatch } from '../../../src/batch/input.js';
import { type PlanInput, planBatch } from '../../../src/batch/plan.js';

function plan(text: string, extra: Partial<PlanInput> = {}) {
  return planBatch({
    entries: parseBatch(text).entries,
    source: '/data/shots.jsonl',
    baseDir: '/data',
    outputDir: '/out',
    defaults: { model: 'wan2.2-t2v-plus', size: '832*480' },
    region: 'beijing',
    cwd: '/work',
    ...extra,
  });
}

describe('planBatch', () => {
  it('applies the flags to every line, a line overriding them, and names files', async () => {
    const p = await plan(
      '{"prompt":"a heron","seed":3}\n{"prompt":"a fox","model":"wan2.5-t2v-preview","resolution":"720P","output":"fox.mp4","key":"fox"}',
    );
    expect(p.errors).toEqual([]);
    expect(p.lines[0]).toMatchObject({ line: 1, file: '/out/001-a-heron.mp4' });
    expect(p.lines[0]!.request.body).toEqual({
      model: 'wan2.2-t2v-plus',
      input: { prompt: 'a heron' },
      parameters: { size: '832*480', seed: 3 },
    });
    expect(p.lines[0]!.key).toMatch(/^batch-/);
    // The line's resolution replaces the default size rather than conflicting with it.
    expect(p.lines[1]).toMatchObject({ line: 2, key: 'fox', file: '/out/fox.mp4' });
    expect(p.lines[1]!.request.body.parameters.size).toBe('1280*720');
  });

  it('checks every line against the catalogue, naming line and field', async () => {
    const p = await plan(
      '{"prompt":"a","duration":7}\n{"prompt":"b"}\n{"prompt":"c","size":"1x1"}\n{"prompt":"d","shotType":"multi"}',
    );
    expect(p.errors.map((e) => [e.line, e.field])).toEqual([
      [1, 'duration'],
      [3, 'size'],
      [4, 'shotType'],
    ]);
    expect(p.lines.map((l) => l.line)).toEqual([2]);
  });

  it('refuses duplicate keys and files, and outputs outside --output-dir', async () => {
    const p = await plan(
      [
        '{"prompt":"a","key":"k"}',
        '{"prompt":"b","key":"k"}',
        '{"prompt":"c","output":"x.mp4"}',
        '{"prompt":"d","output":"x.mp4"}',
        '{"prompt":"e","output":"../e.mp4"}',
        '{"prompt":"f","output":"/tmp/f.mp4"}',
      ].join('\n'),
    );
    expect(p.errors.map((e) => `${e.line}:${e.field}`)).toEqual(['2:key', '4:output', '5:output', '6:output']);
    expect(p.errors[0]!.message).toMatch(/line 1/);
  });

  it('a local audio file is checked before anything is sent, relative to the batch file', async () => {
    const p = await plan('{"prompt":"a","model":"wan2.5-t2v-preview","audio":"missing.wav"}', { defaults: {} });
    expect(p.errors).toHaveLength(1);
    expect(p.errors[0]).toMatchObject({ line: 1, field: 'audio' });
    expect(p.errors[0]!.message).toContain('/data/missing.wav');
  });

  it('text lines: the same key for the same line on every run, a new one when the line changes', async () => {
    const text = 'a heron\na fox';
    const a = await plan(text, { entries: parseBatch(text).entries });
    const b = await plan(text, { entries: parseBatch(text).entries });
    expect(a.lines.map((l) => l.key)).toEqual(b.lines.map((l) => l.key));
    const edited = await plan('a heron\na red fox', { entries: parseBatch('a heron\na red fox').entries });
    expect(edited.lines[0]!.key).toBe(a.lines[0]!.key);
    expect(edited.lines[1]!.key).not.toBe(a.lines[1]!.key);
  });

  it('a line is its content: a comment or a line inserted above it after a crash keeps its key', async () => {
    const before = await plan('a heron\na fox');
    const after = await plan('# added after a crash\na crane\na heron\na fox');
    const key = (p: Awaited<ReturnType<typeof plan>>, prompt: string) => p.lines.find((l) => l.prompt === prompt)!.key;
    expect(key(after, 'a heron')).toBe(key(before, 'a heron'));
    expect(key(after, 'a fox')).toBe(key(before, 'a fox'));
  });

  it('two identical lines are two videos: each occurrence has a key of its own', async () => {
    const p = await plan('a heron\na heron');
    expect(p.errors).toEqual([]);
    expect(p.lines[0]!.key).not.toBe(p.lines[1]!.key);
    expect(p.lines[0]!.identity).toBe(p.lines[1]!.identity);
  });

  it('audio: false asks for a silent video; a URL is sent as it is', async () => {
    const p = await plan(
      '{"prompt":"a","model":"wan2.5-t2v-preview","audio":false}\n{"prompt":"b","model":"wan2.5-t2v-preview","audio":"https://x/a.wav"}',
    );
    expect(p.errors).toEqual([]);
    expect(p.lines[0]!.request.body.parameters.audio).toBe(false);
    expect(p.lines[1]!.request.body.input.audio_url).toBe('https://x/a.wav');
  });
});
