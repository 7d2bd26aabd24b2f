import * as tf from '@tensorflow/tfjs-core';
import { checkMargin, hingeElementwise } from './hinge-margin';
import { krElementwise } from './kr';
import {
  jsonNumber,
  makeLoss,
  pooled,
  registerLoss,
  resolveSemantics,
  type BaseLossArgs,
  type ElementwiseFn,
  type LipschitzLoss,
  type Semantics,
  effectiveHingeMargin,
} from './loss-function';
import { checkNumber } from './validation';

/** Checks `alpha` (≥ 0; `Infinity` means hinge only), the message naming `loss`. */
export function checkAlpha(loss: string, a: unknown): number {
  return checkNumber(loss, 'alpha', a, {
    min: 0,
    strict: false,
    allowInfinity: true,
    hint: 'Pass a non-negative weight for the hinge term (Infinity for hinge only).',
  });
}

/** Arguments of {@link HKR}. */
export interface HKRArgs extends BaseLossArgs {
  /** Weight of the hinge term (required in deel-lip, ≥ 0; `Infinity`: hinge only). */
  alpha: number;
  /** Hinge margin `m` (default 1, > 0), halved in semantics `'1.5'` (see {@link HingeMargin}). */
  minMargin?: number;
  /** `'1.5'` (default) or `'1.2'` (full margin, batch scalar). */
  semantics?: Semantics;
}

/**
 * Hinge-regularised KR loss (Serrurier et al., CVPR 2021, "Achieving robustness in
 * classification using optimal transport with hinge regularization"):
 * `ℓ_i = −KR_i + α·Hinge_i(m)` ({@link krElementwise}, {@link HingeMargin}); with
 * `α = Infinity`, hinge only. Binary labels `[n, 1]` in {0, 1} or {−1, 1}.
 * deel-lip: `deel.lip.losses.HKR(alpha, min_margin)`.
 *
 * @example
 * const y = tf.tensor2d([1, 1, 1, 1, 0, 0, 0, 0], [8, 1]);
 * const p = tf.tensor2d([0.5, 1.1, -0.1, 0.7, -1.3, -0.4, 0.2, -0.9], [8, 1]);
 * HKR({alpha: 2.5, minMargin: 2, reduction: 'none'})(y, p); // [0.25, −2.2, 2.95, −0.65, −2.6, 0.7, 3.4, −1.55]
 */
export function HKR(args: HKRArgs): LipschitzLoss {
  const alpha = checkAlpha('HKR', (args ?? ({} as HKRArgs)).alpha);
  const m = checkMargin('HKR', args.minMargin ?? 1);
  const semantics = resolveSemantics('HKR', args.semantics);
  const hkrElementwise: ElementwiseFn = (t, p, q) =>
    tf.tidy(() => {
      const hinge = hingeElementwise(t, p, effectiveHingeMargin(q['minMargin']!, semantics));
      if (q['alpha'] === Infinity) return hinge;
      return tf.add(tf.neg(krElementwise(t, p)), tf.mul(hinge, q['alpha']!)) as tf.Tensor1D;
    });
  return makeLoss({
    className: 'HKR',
    labels: 'binary',
    config: { alpha: jsonNumber(alpha), minMargin: m, semantics },
    base: args,
    batchScalar: semantics === '1.2',
    params: {
      alpha: { value: alpha, check: (v) => checkAlpha('HKR', v) },
      minMargin: { value: m, check: (v) => checkMargin('HKR', v) },
    },
    elementwise: semantics === '1.2' ? pooled(hkrElementwise) : hkrElementwise,
  });
}
registerLoss('HKR', (c) => HKR(c as unknown as HKRArgs));

/** lowerCamel alias of {@link HKR}. */
export const hkr = HKR;
