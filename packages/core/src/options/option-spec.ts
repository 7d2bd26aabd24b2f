import { LipnetOptionError } from '../errors';
import { formatValue } from '../format-value';

/** Where a value is being checked: the API that reads it and the option's path (`'steps'`, `'bounds[1]'`). */
export interface OptionContext {
  /** The class or function whose option this is. */
  readonly who: string;
  /** The option's path in the options object, e.g. `'steps'` or `'preprocessing.mean[2]'`. */
  readonly path: string;
}

/** Checks a present (not `undefined`) value and returns it (possibly normalised), or throws. */
export type OptionCheck<T> = (value: unknown, ctx: OptionContext) => T;

/**
 * Throws the standard {@link LipnetOptionError} for `value` at `ctx`:
 * "<who>: expected \`<path>\` to be <expected>, got <value>. <fix>".
 *
 * @example
 * refuseOption({ who: 'KR', path: 'validate' }, 'yes', 'a boolean', 'Pass true or false.');
 */
export function refuseOption(ctx: OptionContext, value: unknown, expected: string, fix?: string): never {
  throw new LipnetOptionError({
    code: 'INVALID_OPTION',
    who: ctx.who,
    option: ctx.path,
    expected: `be ${expected}`,
    got: formatValue(value),
    fix: fix ?? `Pass ${expected}.`,
  });
}

/** `check`, whose own refusals (at its path or an item of it) say `expected` and `fix` instead. */
function reworded<T>(check: OptionCheck<T>, expected: string, fix?: string): OptionCheck<T> {
  return (v, ctx) => {
    try {
      return check(v, ctx);
    } catch (e) {
      // An array's item refusals (`path[i]`) are reworded too: the whole value is what was expected.
      const here = e instanceof LipnetOptionError && (e.option === ctx.path || e.option?.startsWith(`${ctx.path}[`));
      if (here && e.code === 'INVALID_OPTION') refuseOption(ctx, v, expected, fix);
      throw e;
    }
  };
}

type Fallback<Out> = { kind: 'optional' } | { kind: 'required' } | { kind: 'default'; value: Out };

/**
 * One option's rule: what it accepts (`expected`, in words, used in messages),
 * how it is checked, and what `undefined` means (`optional()`: stays
 * `undefined`; `default(v)`: becomes `v`; `required()`: an error). Build specs
 * with {@link opt}; put them in a schema with {@link defineOptions}.
 *
 * `T` is the checked value's type, `Out` what the parsed options hold.
 */
export class OptionSpec<T, Out = T | undefined> {
  private constructor(
    /** The accepted values in words, e.g. `'an integer ≥ 1'`. */
    readonly expected: string,
    private readonly check: OptionCheck<T>,
    private readonly fallback: Fallback<Out>,
    private readonly nullable: boolean,
  ) {}

  /** A new optional spec (the builders in {@link opt} call this). */
  static of<T>(expected: string, check: OptionCheck<T>): OptionSpec<T, T | undefined> {
    return new OptionSpec<T, T | undefined>(expected, check, { kind: 'optional' }, false);
  }

  /** `undefined` becomes `value` (which is not checked: give a valid one). */
  default(value: T): OptionSpec<T, T> {
    return new OptionSpec<T, T>(this.expected, this.check, { kind: 'default', value }, this.nullable);
  }

  /** `undefined` is refused with code `MISSING_OPTION`. */
  required(): OptionSpec<T, T> {
    return new OptionSpec<T, T>(this.expected, this.check, { kind: 'required' }, this.nullable);
  }

  /** `null` is accepted too (and kept as `null`), e.g. GroupSort's `n: null` for a full sort. */
  orNull(): OptionSpec<T | null, Out | null> {
    if (this.nullable) return this;
    const expected = `${this.expected} or null`;
    return new OptionSpec<T | null, Out | null>(expected, reworded(this.check, expected), this.fallback, true);
  }

  /** Same rule, with `expected` reworded (and `fix` in messages, when given). */
  describedAs(expected: string, fix?: string): OptionSpec<T, Out> {
    return new OptionSpec<T, Out>(expected, reworded(this.check, expected, fix), this.fallback, this.nullable);
  }

  /** Checks `value` at `ctx` and applies the `undefined` rule; throws a {@link LipnetOptionError}. */
  resolve(value: unknown, ctx: OptionContext): Out {
    if (value === undefined) {
      if (this.fallback.kind === 'default') return this.fallback.value;
      if (this.fallback.kind === 'optional') return undefined as Out;
      throw new LipnetOptionError({
        code: 'MISSING_OPTION',
        who: ctx.who,
        option: ctx.path,
        message: `the option \`${ctx.path}\` is required. Pass ${this.expected}.`,
      });
    }
    if (value === null && this.nullable) return null as Out;
    return this.check(value, ctx) as unknown as Out;
  }
}

/** Any spec, whatever it checks. */
export type AnyOptionSpec = OptionSpec<unknown, unknown>;
