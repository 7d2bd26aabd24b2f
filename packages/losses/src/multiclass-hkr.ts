import * as tf from '@tensorflow/tfjs-core';
import { checkMargin } from './hinge-margin';
import { checkAlpha } from './hkr';
import { krElementwise } from './kr';
import {
  jsonNumber,
  makeLoss,
  registerLoss,
  resolveSemantics,
  type BaseLossArgs,
  type LipschitzLoss,
  type Semantics,
  effectiveHingeMargin,
} from './loss-function';
import { multiclassHingeElementwise } from './multiclass-hinge';

/** Arguments of {@link MulticlassHKR}. */
export interface MulticlassHKRArgs extends BaseLossArgs {
  /** Weight of the hinge term (default 10, ≥ 0; `Infinity`: hinge only). */
  alpha?: number;
  /** Hinge margin `m` (default 1, > 0), halved in semantics `'1.5'`. */
  minMargin?: number;
  /**
   * `'1.5'` (default) or `'1.2'`: full margin and a batch scalar, as deel-lip 1.2.0.
   * Demo 4's `MulticlassHKR(alpha=100, min_margin=0.25)` (deel-lip 1.2.0) is
   * `MulticlassHKR({alpha: 100, minMargin: 0.25, semantics: '1.2'})`, which equals
   * `MulticlassHKR({alpha: 100, minMargin: 0.5})` averaged over the batch.
   */
  semantics?: Semantics;
}

/**
 * Multiclass hinge-regularised KR: `ℓ_i = −MulticlassKR_i + α·MulticlassHinge_i(m)`
 * ({@link MulticlassKR}, {@link MulticlassHinge}); `α = Infinity` gives the hinge only.
 * One-hot labels `[n, C]` in {0, 1} or {−1, 1}. deel-lip: `deel.lip.losses.MulticlassHKR`.
 *
 * @example
 * const loss = MulticlassHKR({alpha: 100, minMargin: 0.25, semantics: '1.2'}); // Demo 4 (2021)
 * // deel-lip's 8×3 test batch: 44.045 (= MulticlassHKR({alpha: 100, minMargin: 0.5}))
 */
export function MulticlassHKR(args: MulticlassHKRArgs = {}): LipschitzLoss {
  const alpha = checkAlpha('MulticlassHKR', args.alpha ?? 10);
  const m = checkMargin('MulticlassHKR', args.minMargin ?? 1);
  const semantics = resolveSemantics('MulticlassHKR', args.semantics);
  const margin = effectiveHingeMargin(m, semantics);
  return makeLoss({
    className: 'MulticlassHKR',
    labels: 'onehot',
    config: { alpha: jsonNumber(alpha), minMargin: m, semantics },
    base: args,
    batchScalar: semantics === '1.2',
    elementwise: (t, p) =>
      tf.tidy(() => {
        const hinge = multiclassHingeElementwise(t, p, margin);
        if (alpha === Infinity) return hinge;
        return tf.add(tf.neg(krElementwise(t, p)), tf.mul(hinge, alpha)) as tf.Tensor1D;
      }),
  });
}
registerLoss('MulticlassHKR', (c) => MulticlassHKR(c));

/** lowerCamel alias of {@link MulticlassHKR}. */
export const multiclassHKR = MulticlassHKR;
