import { LipnetOptionError, defineOptions, opt, refuseOption, type LipnetError } from '../src';

const CW = defineOptions('L2CarliniWagnerAttack', {
  binarySearchSteps: opt.integer({ min: 1 }).default(9),
  steps: opt.integer({ min: 1 }).default(10000),
  stepsize: opt.number({ gt: 0 }).default(0.01),
  confidence: opt.number({ min: 0 }).default(0),
  abortEarly: opt.boolean().default(true),
});

/** The LipnetOptionError `f` throws (fails the test if it throws something else or nothing). */
function errorOf(f: () => unknown): LipnetError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(LipnetOptionError);
    return e as LipnetError;
  }
  throw new Error('expected a LipnetOptionError, nothing was thrown');
}

describe('defineOptions', () => {
  it('applies defaults and keeps given values', () => {
    expect(CW.parse(undefined)).toEqual({
      binarySearchSteps: 9,
      steps: 10000,
      stepsize: 0.01,
      confidence: 0,
      abortEarly: true,
    });
    expect(CW.parse({ steps: 5, abortEarly: false })).toMatchObject({ steps: 5, abortEarly: false });
    expect(CW.keys).toEqual(['binarySearchSteps', 'steps', 'stepsize', 'confidence', 'abortEarly']);
  });

  it('refuses an unknown key and suggests the closest valid one', () => {
    const e = errorOf(() => CW.parse({ stepps: 5 }));
    expect([e.code, e.option, e.who]).toEqual(['UNKNOWN_OPTION', 'stepps', 'L2CarliniWagnerAttack']);
    expect(e.message).toBe(
      'L2CarliniWagnerAttack: unknown option `stepps`. Did you mean `steps`? ' +
        'Valid options: binarySearchSteps, steps, stepsize, confidence, abortEarly.',
    );
    expect(errorOf(() => CW.parse({ qqqqqqq: 1 })).message).not.toContain('Did you mean');
  });

  it('says when an option was renamed', () => {
    const d = defineOptions(
      'KR',
      { deelLipVersion: opt.oneOf(['1.5', '1.2']) },
      { renamed: { semantics: 'deelLipVersion' } },
    );
    const e = errorOf(() => d.parse({ semantics: '1.2' }));
    expect(e.code).toBe('UNKNOWN_OPTION');
    expect(e.message).toBe('KR: the option `semantics` was renamed `deelLipVersion`. Pass `deelLipVersion` instead.');
  });

  it('parsePart checks its own keys and leaves the others to the caller', () => {
    const d = defineOptions('Layer', { k: opt.number({ gt: 0 }).default(1) });
    expect(d.parsePart({ units: 3, k: 2 })).toEqual({ k: 2 });
    expect(errorOf(() => d.parsePart({ units: 3, k: 0 })).option).toBe('k');
  });

  it('accepts passthrough keys without returning them', () => {
    const d = defineOptions('Layer', { k: opt.number() }, { passthrough: ['name', 'trainable'] });
    expect(d.parse({ name: 'x', trainable: 'whatever', k: 2 })).toEqual({ k: 2 });
  });

  it.each<[string, unknown, string]>([
    ['abortEarly', 'yes', "expected `abortEarly` to be a boolean, got 'yes'. Pass true or false."],
    ['abortEarly', 1, 'expected `abortEarly` to be a boolean, got 1.'],
    ['steps', 2.5, 'expected `steps` to be an integer ≥ 1, got 2.5.'],
    ['steps', 0, 'expected `steps` to be an integer ≥ 1, got 0.'],
    ['steps', '5', "expected `steps` to be an integer ≥ 1, got '5'."],
    ['steps', 2 ** 60, 'expected `steps` to be an integer ≥ 1'],
    ['stepsize', NaN, 'expected `stepsize` to be a finite number > 0, got NaN.'],
    ['stepsize', Infinity, 'expected `stepsize` to be a finite number > 0, got Infinity.'],
    ['confidence', -1, 'expected `confidence` to be a finite number ≥ 0, got -1.'],
    ['steps', null, 'expected `steps` to be an integer ≥ 1, got null.'],
  ])('refuses %s: %p', (key, value, text) => {
    const e = errorOf(() => CW.parse({ [key]: value }));
    expect([e.code, e.option]).toEqual(['INVALID_OPTION', key]);
    expect(e.message).toContain(text);
  });

  it('refuses options that are not an object', () => {
    for (const v of [5, 'x', [1], null, true]) {
      const e = errorOf(() => CW.parse(v));
      expect([e.code, e.option]).toEqual(['INVALID_OPTION', 'options']);
      expect(e.message).toContain('Pass an object with some of: binarySearchSteps, steps');
    }
  });

  it('checks ranges, enums with "did you mean", Infinity when allowed', () => {
    const d = defineOptions('L', {
      beta: opt.number({ gt: 0, max: 0.5 }),
      alpha: opt.number({ min: 0, allowInfinity: true }),
      reduction: opt.oneOf(['mean', 'sum', 'none']).default('mean'),
      n: opt.integer({ min: 1, max: 4 }).orNull().default(2),
    });
    expect(d.parse({ alpha: Infinity, n: null })).toEqual({
      beta: undefined,
      alpha: Infinity,
      reduction: 'mean',
      n: null,
    });
    expect(errorOf(() => d.parse({ beta: 0.7 })).message).toContain(
      'expected `beta` to be a finite number in (0, 0.5], got 0.7',
    );
    expect(errorOf(() => d.parse({ alpha: -Infinity })).message).toContain('a number ≥ 0 (Infinity allowed)');
    expect(errorOf(() => d.parse({ reduction: 'maen' })).message).toBe(
      "L: expected `reduction` to be one of 'mean', 'sum', 'none', got 'maen'. Pass one of 'mean', 'sum', 'none'. Did you mean 'mean'?",
    );
    expect(errorOf(() => d.parse({ n: 5 })).message).toContain(
      'expected `n` to be an integer in [1, 4] or null, got 5',
    );
  });

  it('checks nested objects and arrays with paths', () => {
    const d = defineOptions('attack.run', {
      preprocessing: opt.object({ mean: opt.number(), std: opt.number({ gt: 0 }) }),
      bounds: opt.arrayOf(opt.number(), { length: 2 }),
      size: opt.anyOf([opt.integer({ min: 1 }), opt.arrayOf(opt.integer({ min: 1 }), { length: 2 })]),
    });
    expect(d.parse({ preprocessing: { mean: 0.5 }, bounds: [0, 1], size: [2, 3] })).toEqual({
      preprocessing: { mean: 0.5, std: undefined },
      bounds: [0, 1],
      size: [2, 3],
    });
    let e = errorOf(() => d.parse({ preprocessing: { meen: 1 } }));
    expect([e.code, e.option]).toEqual(['UNKNOWN_OPTION', 'preprocessing.meen']);
    expect(e.message).toContain('unknown option `meen` in `preprocessing`. Did you mean `mean`?');
    e = errorOf(() => d.parse({ preprocessing: { std: 0 } }));
    expect(e.option).toBe('preprocessing.std');
    e = errorOf(() => d.parse({ bounds: [0, NaN] }));
    expect(e.option).toBe('bounds[1]');
    e = errorOf(() => d.parse({ bounds: [0] }));
    expect(e.message).toContain('expected `bounds` to be an array of 2 items, each a finite number, got [0]');
    e = errorOf(() => d.parse({ size: [2, 0] }));
    expect(e.message).toContain(
      'expected `size` to be an integer ≥ 1 or an array of 2 items, each an integer ≥ 1, got [2, 0]',
    );
  });

  it('required, functions, strings, custom rules and describedAs', () => {
    const d = defineOptions('f', {
      model: opt.func<(x: number) => number>().required(),
      name: opt.string(),
      even: opt.custom('an even integer', (v, ctx) => {
        if (typeof v !== 'number' || v % 2 !== 0) refuseOption(ctx, v, 'an even integer');
        return v;
      }),
      k: opt.number({ gt: 0 }).describedAs('a Lipschitz constant > 0', 'Pass e.g. 1.'),
    });
    const m = (x: number) => x;
    expect(d.parse({ model: m, even: 4 }).model).toBe(m);
    let e = errorOf(() => d.parse({}));
    expect([e.code, e.option]).toEqual(['MISSING_OPTION', 'model']);
    expect(e.message).toBe('f: the option `model` is required. Pass a function.');
    expect(errorOf(() => d.parse({ model: m, name: '' })).message).toContain('a non-empty string');
    expect(errorOf(() => d.parse({ model: m, even: 3 })).message).toContain('expected `even` to be an even integer');
    e = errorOf(() => d.parse({ model: m, k: -1 }));
    expect(e.message).toBe('f: expected `k` to be a Lipschitz constant > 0, got -1. Pass e.g. 1.');
  });

  it('extend adds options and parse(…, who) renames the caller', () => {
    const base = defineOptions('Base', { a: opt.number().default(1) }, { passthrough: ['name'] });
    const sub = base.extend('Sub', { b: opt.boolean().default(false) });
    expect(sub.parse({ b: true, name: 'x' })).toEqual({ a: 1, b: true });
    expect(errorOf(() => sub.parse({ c: 1 })).message).toBe('Sub: unknown option `c`. Valid options: a, b.');
    expect(errorOf(() => base.parse({ a: 'x' }, 'Other')).who).toBe('Other');
  });
});
