import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/api/errors/usage-error.js';
import { sandboxOptions } from '../../../src/commands/sandbox.js';
import { codesOfStatus, DASHSCOPE_CODES } from '../../../src/sandbox/error-codes.js';
import {
  FaultSpecError,
  formatFaultRule,
  parseFaultSpec,
  parseFaultSpecs,
  validateFaultRule,
} from '../../../src/sandbox/fault-spec.js';
import { FaultState } from '../../../src/sandbox/faults.js';
import type { FaultRule } from '../../../src/sandbox/index.js';
import { dashscopeError } from '../../../src/sandbox/status-errors.js';

describe('parseFaultSpec', () => {
  it.each<[string, FaultRule]>([
    [
      'create:status=429:retry-after=2:times=1',
      { endpoint: 'create', kind: 'status', status: 429, retryAfter: 2, times: 1 },
    ],
    ['query:status=503:html', { endpoint: 'query', kind: 'status', status: 503, html: true }],
    ['video:reset=65536', { endpoint: 'video', kind: 'reset', afterBytes: 65536 }],
    ['create:reset', { endpoint: 'create', kind: 'reset' }],
    ['video:short=1000', { endpoint: 'video', kind: 'short', afterBytes: 1000 }],
    ['video:slow=200000', { endpoint: 'video', kind: 'slow', bytesPerSecond: 200000 }],
    ['video:stall=1000', { endpoint: 'video', kind: 'stall', afterBytes: 1000 }],
    ['list:stall', { endpoint: 'list', kind: 'stall', afterBytes: 0 }],
    ['query:status=500:after=2:times=3', { endpoint: 'query', kind: 'status', status: 500, after: 2, times: 3 }],
    [
      'upload-policy:status=502:probability=0.25',
      { endpoint: 'upload-policy', kind: 'status', status: 502, probability: 0.25 },
    ],
    [' upload : short = 5 ', { endpoint: 'upload', kind: 'short', afterBytes: 5 }],
    ['cancel:status=500:probability=1', { endpoint: 'cancel', kind: 'status', status: 500, probability: 1 }],
    [
      'create:status=400:code=DataInspectionFailed',
      { endpoint: 'create', kind: 'status', status: 400, code: 'DataInspectionFailed' },
    ],
    [
      'create:status=429:code=Throttling.AllocationQuota:retry-after=5:times=1',
      { endpoint: 'create', kind: 'status', status: 429, code: 'Throttling.AllocationQuota', retryAfter: 5, times: 1 },
    ],
    [
      'upload-policy:status=403:code=AllocationQuota.FreeTierOnly',
      { endpoint: 'upload-policy', kind: 'status', status: 403, code: 'AllocationQuota.FreeTierOnly' },
    ],
  ])('%s', (spec, rule) => {
    expect(parseFaultSpec(spec)).toEqual(rule);
  });

  it.each([
    ['', /missing endpoint/],
    [
      'download:status=500',
      /"download" is not an endpoint; use one of create, query, list, cancel, upload-policy, upload, video/,
    ],
    ['video', /missing fault after "video:"/],
    ['video:explode', /"explode" is not a fault; use one of status, reset, short, slow, stall/],
    ['query:status', /"status" needs an HTTP status/],
    ['query:status=5x3', /"status=5x3" needs an HTTP status/],
    ['query:status=302', /status=302 is not an HTTP error status \(400–599\)/],
    ['video:short', /"short" needs a whole number of bytes/],
    ['video:short=-1', /"short=-1" needs a whole number of bytes/],
    ['video:slow=0', /slow=0 must be a whole number of at least 1/],
    ['query:status=500:times=0', /times=0 must be a whole number of at least 1/],
    ['query:status=500:times=2:times=3', /"times" is given twice/],
    ['query:status=500:probability=1.5', /"probability=1.5" needs a number from 0 to 1/],
    ['video:short=10:html', /"html" only applies to status faults/],
    ['video:short=10:retry-after=1', /"retry-after=1" only applies to status faults/],
    ['query:status=500:html=yes', /html takes no value/],
    ['query:status=500::times=1', /empty option/],
    ['query:status=500:every=2', /"every=2" is not an option/],
    ['create:status=400:code=Arrears', /code=Arrears is not a DashScope error code.*use one of .*Arrearage/],
    ['create:status=400:code=arrearage', /code=arrearage is not a DashScope error code/],
    ['create:status=403:code=Arrearage', /code=Arrearage is answered with status 400, not 403/],
    ['create:status=400:code', /"code" needs a DashScope error code/],
    ['create:status=400:code=Arrearage:code=Arrearage', /"code" is given twice/],
    ['create:reset:code=Arrearage', /"code=Arrearage" only applies to status faults/],
    ['create:status=400:code=Arrearage:html', /code and html exclude each other/],
    ['video:status=403:code=AccessDenied', /code= only applies to the API endpoints/],
    ['upload:status=403:code=AccessDenied', /code= only applies to the API endpoints/],
  ])('refuses %j in one line naming the bad part', (spec, message) => {
    let error: unknown;
    try {
      parseFaultSpec(spec);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(FaultSpecError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });

  it('formats rules back to a spec that parses to the same rule', () => {
    for (const spec of [
      'create:status=429:retry-after=2:times=1',
      'query:status=503:html',
      'create:reset',
      'video:reset=0',
      'video:slow=200000:after=1',
      'video:stall=1000:times=2:probability=0.5',
      'create:status=400:code=IPInfringementSuspect:times=1',
      'list:status=429:code=Throttling:retry-after=3',
    ]) {
      const rule = parseFaultSpec(spec);
      expect(parseFaultSpec(formatFaultRule(rule))).toEqual(rule);
    }
    expect(formatFaultRule({ endpoint: 'query', kind: 'status', status: 500, times: 3, after: 2 })).toBe(
      'query:status=500:after=2:times=3',
    );
  });

  it('splits lists on commas and semicolons, skipping blanks', () => {
    expect(parseFaultSpecs('create:status=429:times=1, video:short=10;query:status=503:html;;')).toEqual([
      { endpoint: 'create', kind: 'status', status: 429, times: 1 },
      { endpoint: 'video', kind: 'short', afterBytes: 10 },
      { endpoint: 'query', kind: 'status', status: 503, html: true },
    ]);
    expect(parseFaultSpecs('  ')).toEqual([]);
  });

  it('validates rules written in code too', () => {
    expect(() => validateFaultRule({ endpoint: 'video', kind: 'short', afterBytes: 1.5 })).toThrow(
      /short=1.5 must be a whole number/,
    );
    expect(() => validateFaultRule({ endpoint: 'nowhere' as 'video', kind: 'reset' })).toThrow(
      /"nowhere" is not an endpoint/,
    );
    expect(() => validateFaultRule({ endpoint: 'video', kind: 'melt' } as unknown as FaultRule)).toThrow(
      /"melt" is not a fault kind/,
    );
    expect(() => new FaultState({ rules: [{ endpoint: 'query', kind: 'status', status: 200 }] })).toThrow(
      FaultSpecError,
    );
    expect(() => validateFaultRule({ endpoint: 'video', kind: 'status', status: 500, times: Infinity })).not.toThrow();
    expect(() => validateFaultRule({ endpoint: 'create', kind: 'status', status: 400, code: 'Nope' })).toThrow(
      /code=Nope is not a DashScope error code/,
    );
    expect(
      () => new FaultState({ rules: [{ endpoint: 'query', kind: 'status', status: 500, code: 'Arrearage' }] }),
    ).toThrow(/answered with status 400/);
  });
});

describe('DashScope codes', () => {
  it('a status without code= answers with the first code of its status, as `wan help sandbox` says', () => {
    for (const status of new Set(Object.values(DASHSCOPE_CODES).map((t) => t.status))) {
      const first = codesOfStatus(status)[0]!;
      expect(dashscopeError(status), String(status)).toEqual({ code: first, message: DASHSCOPE_CODES[first]!.message });
    }
  });

  it('a named code answers with its own message', () => {
    expect(dashscopeError(429, 'Throttling.AllocationQuota')).toEqual({
      code: 'Throttling.AllocationQuota',
      message: 'Allocated quota exceeded, please increase your quota limit.',
    });
  });
});

describe('FaultState.pick', () => {
  it('skips `after` matching requests, then hits `times` of them; other endpoints do not count', () => {
    const faults = new FaultState({ rules: [parseFaultSpec('query:status=500:after=2:times=3')] });
    const hits = Array.from({ length: 7 }, (_, i) => {
      if (i === 3) expect(faults.pick('create')).toBeUndefined();
      return faults.pick('query') !== undefined;
    });
    expect(hits).toEqual([false, false, true, true, true, false, false]);
  });

  it('applies the first rule that matches, and a spent rule lets the next one through', () => {
    const faults = new FaultState({ rules: parseFaultSpecs('video:status=503:times=1,video:short=10:times=1') });
    expect(faults.pick('video')?.kind).toBe('status');
    expect(faults.pick('video')?.kind).toBe('short');
    expect(faults.pick('video')).toBeUndefined();
  });

  it('draws probabilities from a seeded PRNG: the same seed repeats, set() restarts the sequence', () => {
    const rules = [parseFaultSpec('query:status=503:probability=0.5')];
    const run = (state: FaultState) => Array.from({ length: 40 }, () => (state.pick('query') ? 1 : 0)).join('');
    const a = new FaultState({ rules }, 7);
    const first = run(a);
    expect(first).toMatch(/1/);
    expect(first).toMatch(/0/);
    expect(run(new FaultState({ rules }, 7))).toBe(first);
    expect(run(new FaultState({ rules }, 8))).not.toBe(first);
    a.set({ rules });
    expect(run(a)).toBe(first);
    const count = [...first].filter((c) => c === '1').length;
    expect(count).toBeGreaterThan(8);
    expect(count).toBeLessThan(32);
  });

  it('probability 0 never hits and 1 always does', () => {
    const faults = new FaultState({
      rules: parseFaultSpecs('list:status=500:probability=0,cancel:status=500:probability=1'),
    });
    expect([1, 2, 3].map(() => faults.pick('list'))).toEqual([undefined, undefined, undefined]);
    expect([1, 2, 3].every(() => faults.pick('cancel'))).toBe(true);
  });
});

describe('wan sandbox flags', () => {
  const base = { host: '127.0.0.1', port: '0', videoPort: '0', pending: '2s', running: '6s', retention: '24h' };

  it('maps --fault, WAN_SANDBOX_FAULTS, --seed, --clock-offset, --unknown-tasks and --limits', () => {
    const options = sandboxOptions(
      {
        ...base,
        fault: ['create:status=429:retry-after=2:times=1', 'create:status=400:code=Arrearage'],
        seed: '7',
        clockOffset: '-90s',
        unknownTasks: true,
        limits: true,
      },
      { WAN_SANDBOX_FAULTS: 'video:short=1000;query:status=503:html' },
    );
    expect(options.faults).toEqual({
      unknownTasks: true,
      clockOffsetMs: -90_000,
      rules: [
        { endpoint: 'create', kind: 'status', status: 429, retryAfter: 2, times: 1 },
        { endpoint: 'create', kind: 'status', status: 400, code: 'Arrearage' },
        { endpoint: 'video', kind: 'short', afterBytes: 1000 },
        { endpoint: 'query', kind: 'status', status: 503, html: true },
      ],
    });
    expect(options.seed).toBe(7);
    expect(options.limits).toBe(true);
    expect(sandboxOptions({ ...base, clockOffset: '1m30s' }).faults?.clockOffsetMs).toBe(90_000);
  });

  it('leaves everything off by default', () => {
    const options = sandboxOptions(base, {});
    expect(options.faults).toEqual({});
    expect(options.seed).toBeUndefined();
    expect(options.limits).toBeUndefined();
  });

  it('turns a bad spec into a usage error naming where it came from', () => {
    expect(() => sandboxOptions({ ...base, fault: ['video:slow=fast'] })).toThrow(UsageError);
    expect(() => sandboxOptions({ ...base, fault: ['video:slow=fast'] })).toThrow(
      '--fault: fault "video:slow=fast": "slow=fast" needs bytes per second',
    );
    expect(() => sandboxOptions(base, { WAN_SANDBOX_FAULTS: 'video:short=1,vidoe:short=2' })).toThrow(
      /^WAN_SANDBOX_FAULTS: fault "vidoe:short=2": "vidoe" is not an endpoint/,
    );
    expect(() => sandboxOptions({ ...base, seed: 'x' })).toThrow(UsageError);
  });
});
