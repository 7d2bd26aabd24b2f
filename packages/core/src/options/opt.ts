import { closestMatch } from '../closest-match';
import { LipnetOptionError } from '../errors';
import { parseObject, type OptionSchema, type ParsedOptions } from './define-options';
import { OptionSpec, refuseOption, type OptionCheck } from './option-spec';

/** Bounds of {@link opt}.number: `min`/`max` inclusive, `gt`/`lt` exclusive. */
export interface NumberBounds {
  min?: number;
  max?: number;
  gt?: number;
  lt?: number;
  /** Accept `+Infinity` (e.g. HKR's `alpha`: hinge only). NaN and `-Infinity` are always refused. */
  allowInfinity?: boolean;
}

function rangeWords(b: NumberBounds): string {
  const lo = b.gt !== undefined ? { v: b.gt, open: true } : b.min !== undefined ? { v: b.min, open: false } : null;
  const hi = b.lt !== undefined ? { v: b.lt, open: true } : b.max !== undefined ? { v: b.max, open: false } : null;
  if (lo && hi) return ` in ${lo.open ? '(' : '['}${lo.v}, ${hi.v}${hi.open ? ')' : ']'}`;
  if (lo) return ` ${lo.open ? '>' : '≥'} ${lo.v}`;
  if (hi) return ` ${hi.open ? '<' : '≤'} ${hi.v}`;
  return '';
}

function inRange(v: number, b: NumberBounds): boolean {
  return (
    (b.min === undefined || v >= b.min) &&
    (b.max === undefined || v <= b.max) &&
    (b.gt === undefined || v > b.gt) &&
    (b.lt === undefined || v < b.lt)
  );
}

type Literal = string | number | boolean;

/** The type a spec's check returns. */
type CheckedBy<S> = S extends OptionSpec<infer T, unknown> ? T : never;

/** The literal's spelling in messages: strings quoted. */
const literal = (v: Literal): string => (typeof v === 'string' ? `'${v}'` : String(v));

/**
 * Builders of {@link OptionSpec}s: each returns an optional spec; chain
 * `.default(v)`, `.required()` or `.orNull()`.
 *
 * @example
 * const schema = {
 *   alpha: opt.number({ min: 0, allowInfinity: true }).default(10),
 *   reduction: opt.oneOf(['mean', 'sum', 'none'] as const).default('mean'),
 *   n: opt.integer({ min: 1 }).orNull().default(2),
 * };
 */
export const opt = {
  /** A finite number (or `+Infinity` with `allowInfinity`) within the bounds. */
  number(bounds: NumberBounds = {}): OptionSpec<number> {
    const expected = `a ${bounds.allowInfinity ? '' : 'finite '}number${rangeWords(bounds)}${bounds.allowInfinity ? ' (Infinity allowed)' : ''}`;
    return OptionSpec.of(expected, (v, ctx) => {
      const finiteOk =
        typeof v === 'number' && (Number.isFinite(v) || (bounds.allowInfinity === true && v === Infinity));
      if (!finiteOk || !inRange(v, bounds)) refuseOption(ctx, v, expected);
      return v;
    });
  },

  /** A safe integer within the bounds. */
  integer(bounds: Pick<NumberBounds, 'min' | 'max'> = {}): OptionSpec<number> {
    const expected = `an integer${rangeWords(bounds)}`;
    return OptionSpec.of(expected, (v, ctx) => {
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || !inRange(v, bounds)) refuseOption(ctx, v, expected);
      return v;
    });
  },

  /** Strictly `true` or `false` (`'yes'`, `1` and `'false'` are refused). */
  boolean(): OptionSpec<boolean> {
    return OptionSpec.of('a boolean', (v, ctx) => {
      if (typeof v !== 'boolean') refuseOption(ctx, v, 'a boolean', 'Pass true or false.');
      return v;
    });
  },

  /** A string (non-empty unless `allowEmpty`). */
  string(settings: { allowEmpty?: boolean } = {}): OptionSpec<string> {
    const expected = settings.allowEmpty ? 'a string' : 'a non-empty string';
    return OptionSpec.of(expected, (v, ctx) => {
      if (typeof v !== 'string' || (!settings.allowEmpty && v.length === 0)) refuseOption(ctx, v, expected);
      return v;
    });
  },

  /** One of the listed literals; a near-miss string gets "did you mean". */
  oneOf<const V extends readonly Literal[]>(values: V): OptionSpec<V[number]> {
    const list = values.map(literal).join(', ');
    const expected = values.length === 1 ? literal(values[0]!) : `one of ${list}`;
    return OptionSpec.of(expected, (v, ctx) => {
      if (!values.includes(v as Literal)) {
        const strings = values.filter((x): x is string => typeof x === 'string');
        const guess = typeof v === 'string' ? closestMatch(v, strings) : undefined;
        refuseOption(ctx, v, expected, `Pass ${expected}.${guess !== undefined ? ` Did you mean '${guess}'?` : ''}`);
      }
      return v as V[number];
    });
  },

  /** An array whose items pass `item` (checked at `path[i]`), of `length` or at least `minLength` items. */
  arrayOf<T>(item: OptionSpec<T, unknown>, settings: { length?: number; minLength?: number } = {}): OptionSpec<T[]> {
    const size =
      settings.length !== undefined
        ? `of ${settings.length} items`
        : settings.minLength
          ? `of at least ${settings.minLength} items`
          : 'of items';
    const expected = `an array ${size}, each ${item.expected}`;
    return OptionSpec.of(expected, (v, ctx) => {
      if (!Array.isArray(v)) refuseOption(ctx, v, expected);
      const n = (v as unknown[]).length;
      if ((settings.length !== undefined && n !== settings.length) || n < (settings.minLength ?? 0)) {
        refuseOption(ctx, v, expected);
      }
      return (v as unknown[]).map((x, i) => {
        const at = { who: ctx.who, path: `${ctx.path}[${i}]` };
        if (x === undefined) refuseOption(at, x, item.expected);
        return item.resolve(x, at) as T;
      });
    });
  },

  /** A nested options object with its own schema (unknown keys refused as `parent.key`). */
  object<S extends OptionSchema>(schema: S): OptionSpec<ParsedOptions<S>> {
    return OptionSpec.of('an object of options', (v, ctx) => parseObject(v, schema, ctx.who, ctx.path, {}));
  },

  /** A function (a callback or a model's logits function). Its behaviour is checked where it is called. */
  func<F extends (...args: never[]) => unknown>(): OptionSpec<F> {
    return OptionSpec.of('a function', (v, ctx) => {
      if (typeof v !== 'function') refuseOption(ctx, v, 'a function');
      return v as F;
    });
  },

  /** The first of `specs` that accepts the value (e.g. a number or a pair of numbers). */
  anyOf<const Specs extends readonly OptionSpec<unknown, unknown>[]>(
    specs: Specs,
    expected?: string,
  ): OptionSpec<CheckedBy<Specs[number]>> {
    type T = CheckedBy<Specs[number]>;
    const words = expected ?? specs.map((s) => s.expected).join(' or ');
    return OptionSpec.of(words, (v, ctx) => {
      for (const s of specs) {
        try {
          return s.resolve(v, ctx) as T;
        } catch (e) {
          if (!(e instanceof LipnetOptionError)) throw e;
        }
      }
      return refuseOption(ctx, v, words);
    });
  },

  /**
   * A rule of your own: `check` returns the (possibly normalised) value or
   * calls `refuseOption(ctx, value, expected)`.
   */
  custom<T>(expected: string, check: OptionCheck<T>): OptionSpec<T> {
    return OptionSpec.of(expected, check);
  },

  /** Anything but `undefined`, unchecked here: for values another library checks (e.g. tfjs initializers). */
  any(): OptionSpec<unknown> {
    return OptionSpec.of('any value', (v) => v);
  },
};
