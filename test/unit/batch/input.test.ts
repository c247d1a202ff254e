import { describe, expect, it } from 'vitest';
import { formatLineError, parseBatch } from '../../../src/batch/input.js';

describe('parseBatch', () => {
  it('plain text: one prompt per line; blank lines and # comments skipped; line numbers kept', () => {
    const parsed = parseBatch(
      '# shots for the trailer\na red panda surfing\n\n   \n  a paper boat in the rain  \n#a comment\nCRLF line\r\n',
    );
    expect(parsed.format).toBe('text');
    expect(parsed.errors).toEqual([]);
    expect(parsed.entries).toEqual([
      { line: 2, fields: { prompt: 'a red panda surfing' } },
      { line: 5, fields: { prompt: 'a paper boat in the rain' } },
      { line: 7, fields: { prompt: 'CRLF line' } },
    ]);
  });

  it('JSON Lines when the first real line starts with {', () => {
    const text = [
      '\uFEFF# comment first',
      '',
      '{"prompt":"a heron","model":"wan2.2-t2v-plus","size":"832*480","seed":7,"output":"heron.mp4","key":"k1"}',
      '{"prompt":"a fox","duration":10,"negativePrompt":"blur","promptExtend":false,"watermark":true,"shotType":"multi","resolution":"720P","ratio":"16:9"}',
      '  {"prompt":"indented", "audio":"a.wav"}',
    ].join('\n');
    const parsed = parseBatch(text);
    expect(parsed.format).toBe('jsonl');
    expect(parsed.errors).toEqual([]);
    expect(parsed.entries.map((e) => e.line)).toEqual([3, 4, 5]);
    expect(parsed.entries[0]!.fields).toEqual({
      prompt: 'a heron',
      model: 'wan2.2-t2v-plus',
      size: '832*480',
      seed: 7,
      output: 'heron.mp4',
      key: 'k1',
    });
    expect(parsed.entries[1]!.fields).toMatchObject({
      duration: 10,
      promptExtend: false,
      shotType: 'multi',
      resolution: '720P',
    });
  });

  it.each([
    ['{"prompt":"x","colour":"red"}', 'colour', /unknown field "colour"; allowed: prompt, model/],
    ['{"model":"wan2.2-t2v-plus"}', 'prompt', /^missing$/],
    ['{"prompt":"   "}', 'prompt', /must not be empty/],
    ['{"prompt":3}', 'prompt', /expected a string/],
    ['{"prompt":"x","duration":"5"}', 'duration', /expected a number/],
    ['{"prompt":"x","seed":1.5}', 'seed', /whole number|int/],
    ['{"prompt":"x","resolution":"4K"}', 'resolution', /expected one of "480P", "720P", "1080P"/],
    ['{"prompt":"x","watermark":"yes"}', 'watermark', /expected a boolean/],
  ])('a bad line names its line and field: %s', (line, field, message) => {
    const parsed = parseBatch(`{"prompt":"fine"}\n${line}\n{"prompt":"also fine"}`);
    expect(parsed.entries.map((e) => e.line)).toEqual([1, 3]);
    expect(parsed.errors).toHaveLength(1);
    expect(parsed.errors[0]).toMatchObject({ line: 2, field });
    expect(parsed.errors[0]!.message).toMatch(message);
  });

  it('lines that are not JSON objects, each with its number', () => {
    const parsed = parseBatch('{"prompt":"a"}\nnot json\n[1,2]\nnull\n{"prompt":"b"');
    expect(parsed.errors.map((e) => e.line)).toEqual([2, 3, 4, 5]);
    expect(parsed.errors[0]!.message).toMatch(/^not valid JSON/);
    expect(parsed.errors[1]!.message).toMatch(/must be a JSON object/);
  });

  it('an empty batch is an error', () => {
    expect(parseBatch('\n# only a comment\n\n').errors).toEqual([{ line: 0, message: 'the batch has no prompts' }]);
    expect(parseBatch('').errors).toHaveLength(1);
  });

  it('formatLineError', () => {
    expect(formatLineError({ line: 3, field: 'duration', message: 'expected a number' })).toBe(
      'line 3: duration: expected a number',
    );
    expect(formatLineError({ line: 4, message: 'not valid JSON' })).toBe('line 4: not valid JSON');
    expect(formatLineError({ line: 0, message: 'the batch has no prompts' })).toBe('the batch has no prompts');
  });
});
