import { deelLipVersionOption, defineOptions, opt, type OptionSchema, type OptionSpec } from '@lipnet/core';
import type { ParamSpec } from './loss-function';

/** The options every loss takes: `reduction`, `validate`, `name` (see `BaseLossArgs`). */
export const BASE_LOSS_SCHEMA = {
  reduction: opt.oneOf(['mean', 'sum', 'none']).default('mean'),
  validate: opt.boolean().default(true),
  name: opt.string(),
};

/**
 * Declares a loss's options once: its own plus the base ones; `semantics`, the
 * old name of `deelLipVersion`, is refused with the new name.
 *
 * @example
 * const OPTIONS = lossOptions('KR', { deelLipVersion: deelLipVersionOption });
 */
export function lossOptions<S extends OptionSchema>(className: string, schema: S) {
  return defineOptions(className, { ...BASE_LOSS_SCHEMA, ...schema }, { renamed: { semantics: 'deelLipVersion' } });
}

/** `minMargin`: a finite number > 0. */
export const marginOption = opt.number({ gt: 0 }).describedAs('a finite number > 0', 'Pass a positive margin, e.g. 1.');

/** `alpha` of the HKR losses: ≥ 0, `Infinity` for the hinge only. */
export const alphaOption = opt
  .number({ min: 0, allowInfinity: true })
  .describedAs(
    'a number ≥ 0 (Infinity allowed)',
    'Pass a non-negative weight for the hinge term (Infinity for hinge only).',
  );

/** `tau` of the τ cross-entropies: a finite number > 0. */
export const tauOption = opt
  .number({ gt: 0 })
  .describedAs('a finite number > 0', 'Pass a positive temperature, e.g. 10.');

export { deelLipVersionOption };

/**
 * A schedulable parameter (see `LipschitzLoss.setParam`) starting at `value`, whose every new
 * value is checked by the same rule as the constructor option (`rule`, e.g. {@link marginOption}).
 *
 * @example
 * params: { minMargin: scheduled('HingeMargin', 'minMargin', marginOption, m) }
 */
export function scheduled(who: string, name: string, rule: OptionSpec<number, unknown>, value: number): ParamSpec {
  const required = rule.required();
  return { value, check: (v) => required.resolve(v, { who, path: name }) };
}
