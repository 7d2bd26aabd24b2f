import { closestMatch } from '../closest-match';
import { LipnetOptionError } from '../errors';
import { formatValue } from '../format-value';
import type { AnyOptionSpec, OptionSpec } from './option-spec';

/** Option name → its rule. */
export type OptionSchema = Record<string, AnyOptionSpec>;

/** The parsed options of a schema: each key holds what its spec resolves to (defaults applied). */
export type ParsedOptions<S extends OptionSchema> = {
  -readonly [K in keyof S]: S[K] extends OptionSpec<unknown, infer Out> ? Out : never;
};

/** How {@link defineOptions} treats keys outside the schema. */
export interface OptionSchemaSettings {
  /**
   * Keys accepted without being checked or returned, because another layer of
   * the API checks them (tfjs-layers' `name`, `trainable`, `inputShape`, …).
   */
  passthrough?: readonly string[];
  /** Old names and the new ones: `{ semantics: 'deelLipVersion' }` says it was renamed. */
  renamed?: Readonly<Record<string, string>>;
  /** What the options argument is called in messages (default `'options'`). */
  argument?: string;
}

/** The checks shared by the top level and `opt.object`: keys first, then each value. */
export function parseObject<S extends OptionSchema>(
  value: unknown,
  schema: S,
  who: string,
  prefix: string,
  settings: OptionSchemaSettings,
): ParsedOptions<S> {
  const known = Object.keys(schema);
  if (typeof value !== 'object' || value === null || Array.isArray(value) || ArrayBuffer.isView(value)) {
    throw new LipnetOptionError({
      code: 'INVALID_OPTION',
      who,
      option: prefix || settings.argument || 'options',
      expected: 'be an object of options',
      got: formatValue(value),
      fix: known.length ? `Pass an object with some of: ${known.join(', ')}.` : 'Pass {} or nothing.',
    });
  }
  const passthrough = settings.passthrough ?? [];
  for (const key of Object.keys(value)) {
    if (Object.prototype.hasOwnProperty.call(schema, key) || passthrough.includes(key)) continue;
    throw unknownOption(who, prefix, key, known, settings.renamed);
  }
  const out: Record<string, unknown> = {};
  const source = value as Record<string, unknown>;
  for (const key of known) {
    out[key] = schema[key]!.resolve(source[key], { who, path: prefix ? `${prefix}.${key}` : key });
  }
  return out as ParsedOptions<S>;
}

function unknownOption(
  who: string,
  prefix: string,
  key: string,
  known: readonly string[],
  renamed: Readonly<Record<string, string>> | undefined,
): LipnetOptionError {
  const path = prefix ? `${prefix}.${key}` : key;
  const newName = renamed?.[key];
  if (newName !== undefined) {
    return new LipnetOptionError({
      code: 'UNKNOWN_OPTION',
      who,
      option: path,
      message: `the option \`${path}\` was renamed \`${newName}\`. Pass \`${newName}\` instead.`,
    });
  }
  const guess = closestMatch(key, known);
  const where = prefix ? ` in \`${prefix}\`` : '';
  const list = known.length ? `Valid options: ${known.join(', ')}.` : 'It takes no options.';
  return new LipnetOptionError({
    code: 'UNKNOWN_OPTION',
    who,
    option: path,
    message: `unknown option \`${key}\`${where}.${guess ? ` Did you mean \`${guess}\`?` : ''} ${list}`,
  });
}

/** A schema bound to the API that reads it; see {@link defineOptions}. */
export interface OptionsDefinition<S extends OptionSchema> {
  /** The class or function named in messages. */
  readonly who: string;
  /** The rules, by option name. */
  readonly schema: S;
  /** The valid option names. */
  readonly keys: readonly string[];
  /**
   * Checks `options` (`undefined` means `{}`) and returns every schema key
   * resolved. `who` overrides the name in messages (a subclass sharing its
   * parent's schema). Throws {@link LipnetOptionError}.
   */
  parse(options: unknown, who?: string): ParsedOptions<S>;
  /**
   * Like `parse`, but other keys are left alone: for a schema that is one part of a
   * bigger options object whose owner checks the keys (e.g. the normaliser options
   * inside a layer's arguments).
   */
  parsePart(options: unknown, who?: string): ParsedOptions<S>;
  /** A new definition with more (or replaced) options, e.g. for a subclass. */
  extend<E extends OptionSchema>(
    who: string,
    more: E,
    settings?: OptionSchemaSettings,
  ): OptionsDefinition<Omit<S, keyof E> & E>;
}

/**
 * Declares a public API's options once: their names, types, ranges and
 * defaults. `parse` refuses an unknown key (suggesting the closest valid one:
 * `stepps` → `steps`, `min_margin` → `minMargin`), a wrong type (booleans are
 * strictly `true`/`false`), a value out of range or outside an enum, a missing
 * required option, and returns the options typed, with defaults applied.
 *
 * @example
 * const CW_OPTIONS = defineOptions('L2CarliniWagnerAttack', {
 *   steps: opt.integer({ min: 1 }).default(10000),
 *   stepsize: opt.number({ gt: 0 }).default(0.01),
 *   abortEarly: opt.boolean().default(true),
 * });
 * CW_OPTIONS.parse({ steps: 500 });  // { steps: 500, stepsize: 0.01, abortEarly: true }
 * CW_OPTIONS.parse({ stepps: 5 });   // LipnetOptionError: unknown option `stepps`. Did you mean `steps`? …
 */
export function defineOptions<S extends OptionSchema>(
  who: string,
  schema: S,
  settings: OptionSchemaSettings = {},
): OptionsDefinition<S> {
  return {
    who,
    schema,
    keys: Object.keys(schema),
    parse: (options, name = who) => parseObject(options === undefined ? {} : options, schema, name, '', settings),
    parsePart: (options, name = who) => {
      const value = options === undefined ? {} : options;
      const others = typeof value === 'object' && value !== null ? Object.keys(value) : [];
      return parseObject(value, schema, name, '', { ...settings, passthrough: others });
    },
    extend: <E extends OptionSchema>(name: string, more: E, extra: OptionSchemaSettings = {}) =>
      defineOptions(
        name,
        { ...schema, ...more },
        {
          passthrough: [...(settings.passthrough ?? []), ...(extra.passthrough ?? [])],
          renamed: { ...settings.renamed, ...extra.renamed },
          argument: extra.argument ?? settings.argument,
        },
      ),
  };
}
