import * as tf from '@tensorflow/tfjs-core';
import { lossOptions, marginOption, scheduled } from './loss-options';
import { makeLoss, registerLoss, type BaseLossArgs, type LipschitzLoss } from './loss-function';

/** The most negative finite float32, used to mask the true class out of the max. */
const FLOAT32_MIN = -3.4028234663852886e38;

/** Arguments of {@link CategoricalHinge}. */
export interface CategoricalHingeArgs extends BaseLossArgs {
  /** Margin `m` (required, > 0), not halved. */
  minMargin: number;
}

const CATEGORICAL_HINGE_OPTIONS = lossOptions('CategoricalHinge', { minMargin: marginOption.required() });

/**
 * Categorical hinge with a settable margin: `ℓ_i = relu(m − (ŷ_i,true − max_{c≠true} ŷ_ic))`.
 * Zero once the true logit beats every other by `m`. One-hot labels `[n, C]`.
 * deel-lip: `deel.lip.losses.CategoricalHinge(min_margin)` (differs from Keras'
 * `categorical_hinge`, whose margin is fixed at 1).
 *
 * @example
 * CategoricalHinge({minMargin: 1.1}) // deel-lip's 8×3 test batch: [0, 0.4, 2.3, 0.1, 0, 3.9, 0.4, 0]
 */
export function CategoricalHinge(args: CategoricalHingeArgs): LipschitzLoss {
  const o = CATEGORICAL_HINGE_OPTIONS.parse(args);
  const m = o.minMargin;
  return makeLoss({
    className: 'CategoricalHinge',
    labels: 'onehot',
    config: { minMargin: m },
    base: o,
    params: { minMargin: scheduled('CategoricalHinge', 'minMargin', marginOption, m) },
    elementwise: (t, p, q) =>
      tf.tidy(() => {
        const mask = tf.greater(t, 0);
        const pos = tf.sum(tf.mul(tf.cast(mask, 'float32'), p), -1);
        const neg = tf.max(tf.where(mask, tf.fill(p.shape, FLOAT32_MIN), p), -1);
        return tf.relu(tf.sub(q['minMargin']!, tf.sub(pos, neg))) as tf.Tensor1D;
      }),
  });
}
registerLoss('CategoricalHinge', (c) => CategoricalHinge(c as unknown as CategoricalHingeArgs));

/** lowerCamel alias of {@link CategoricalHinge}. */
export const categoricalHinge = CategoricalHinge;
