import { opt } from './options/opt';

/**
 * Which deel-lip release's behaviour to reproduce, for every @lipnet API that
 * differs between them (option name: `deelLipVersion`, resolved once when the
 * object is built):
 * - `'1.5'` (default): deel-lip ≥ 1.4 / 1.5 — normalisers stop on a tolerance
 *   (`eps`, `maxIter`), hinge losses use `minMargin / 2` and are element-wise;
 * - `'1.2'`: deel-lip 1.2.0 (2021, the release Demo 4 ran) — fixed iteration
 *   counts (`niter`), the 1.2.0 conv coefficient, hinge losses with the full
 *   `minMargin`, losses as batch scalars.
 */
export type DeelLipVersion = '1.5' | '1.2';

/** The accepted {@link DeelLipVersion}s, the default first. */
export const DEEL_LIP_VERSIONS: readonly DeelLipVersion[] = ['1.5', '1.2'];

/** The default {@link DeelLipVersion}: `'1.5'`. */
export const DEFAULT_DEEL_LIP_VERSION: DeelLipVersion = '1.5';

/**
 * The `deelLipVersion` option's rule, to put in a schema: one of '1.5', '1.2',
 * default '1.5'.
 *
 * @example
 * const OPTIONS = defineOptions('MulticlassHKR', { deelLipVersion: deelLipVersionOption, alpha: opt.number() });
 */
export const deelLipVersionOption = opt.oneOf(['1.5', '1.2']).default(DEFAULT_DEEL_LIP_VERSION);

/**
 * Resolves a `deelLipVersion` value (default `'1.5'`) once, at construction;
 * throws a `LipnetOptionError` naming `who` for anything else.
 *
 * @example
 * const version = resolveDeelLipVersion('spectralNormalization', options.deelLipVersion); // '1.5'
 */
export function resolveDeelLipVersion(who: string, value: unknown): DeelLipVersion {
  return deelLipVersionOption.resolve(value, { who, path: 'deelLipVersion' });
}
