import * as tf from '@tensorflow/tfjs-core';
import { lossOptions, scheduled, tauOption } from './loss-options';
import { makeLoss, registerLoss, type BaseLossArgs, type LipschitzLoss } from './loss-function';

/** Arguments of the three τ cross-entropies. */
export interface TauArgs extends BaseLossArgs {
  /** Temperature τ (required, > 0): the logits are multiplied by τ and the loss divided by τ. */
  tau: number;
}

const TAU_CATEGORICAL_CROSSENTROPY_OPTIONS = lossOptions('TauCategoricalCrossentropy', { tau: tauOption.required() });

/**
 * Categorical cross-entropy on temperature-scaled logits, rescaled:
 * `ℓ_i = −Σ_c y_ic·log softmax(τ·ŷ_i)_c / τ`. Labels `[n, C]`: class probabilities
 * (one-hot or smoothed). Large τ approaches a margin loss, small τ favours robustness
 * (Béthune et al., NeurIPS 2022, "Pay attention to your loss").
 * deel-lip: `deel.lip.losses.TauCategoricalCrossentropy(tau)`.
 *
 * @example
 * TauCategoricalCrossentropy({tau: 2}) // deel-lip's 8×3 test batch, sample 0: 0.044275
 */
export function TauCategoricalCrossentropy(args: TauArgs): LipschitzLoss {
  const o = TAU_CATEGORICAL_CROSSENTROPY_OPTIONS.parse(args);
  const tau = o.tau;
  return makeLoss({
    className: 'TauCategoricalCrossentropy',
    labels: 'probabilities',
    config: { tau },
    base: o,
    params: { tau: scheduled('TauCategoricalCrossentropy', 'tau', tauOption, tau) },
    elementwise: (t, p, { tau: tq }) =>
      tf.tidy(() => tf.div(tf.neg(tf.sum(tf.mul(t, tf.logSoftmax(tf.mul(p, tq!))), -1)), tq!) as tf.Tensor1D),
  });
}
registerLoss('TauCategoricalCrossentropy', (c) => TauCategoricalCrossentropy(c as unknown as TauArgs));

const TAU_SPARSE_CATEGORICAL_CROSSENTROPY_OPTIONS = lossOptions('TauSparseCategoricalCrossentropy', {
  tau: tauOption.required(),
});

/**
 * {@link TauCategoricalCrossentropy} with integer class labels `[n]` or `[n, 1]`:
 * `ℓ_i = −log softmax(τ·ŷ_i)_{y_i} / τ`.
 * deel-lip: `deel.lip.losses.TauSparseCategoricalCrossentropy(tau)`.
 */
export function TauSparseCategoricalCrossentropy(args: TauArgs): LipschitzLoss {
  const o = TAU_SPARSE_CATEGORICAL_CROSSENTROPY_OPTIONS.parse(args);
  const tau = o.tau;
  return makeLoss({
    className: 'TauSparseCategoricalCrossentropy',
    labels: 'sparse',
    config: { tau },
    base: o,
    params: { tau: scheduled('TauSparseCategoricalCrossentropy', 'tau', tauOption, tau) },
    elementwise: (t, p, { tau: tq }) =>
      tf.tidy(() => {
        const oneHot = tf.oneHot(t as tf.Tensor1D, p.shape[1]);
        return tf.div(tf.neg(tf.sum(tf.mul(oneHot, tf.logSoftmax(tf.mul(p, tq!))), -1)), tq!) as tf.Tensor1D;
      }),
  });
}
registerLoss('TauSparseCategoricalCrossentropy', (c) => TauSparseCategoricalCrossentropy(c as unknown as TauArgs));

const TAU_BINARY_CROSSENTROPY_OPTIONS = lossOptions('TauBinaryCrossentropy', { tau: tauOption.required() });

/**
 * Binary cross-entropy on temperature-scaled logits (not probabilities), rescaled:
 * with `z = 1[y > 0]` and `x = τ·ŷ`,
 * `ℓ_i = mean_c[ relu(x) − x·z + log(1 + exp(−|x|)) ] / τ` (the stable form of
 * `BCE(z, sigmoid(x))`). Labels `[n, 1]` in {0, 1} or {−1, 1}.
 * deel-lip: `deel.lip.losses.TauBinaryCrossentropy(tau)`.
 *
 * @example
 * TauBinaryCrossentropy({tau: 2}) // deel-lip's 6-sample test batch: 0.279185
 */
export function TauBinaryCrossentropy(args: TauArgs): LipschitzLoss {
  const o = TAU_BINARY_CROSSENTROPY_OPTIONS.parse(args);
  const tau = o.tau;
  return makeLoss({
    className: 'TauBinaryCrossentropy',
    labels: 'binary',
    config: { tau },
    base: o,
    params: { tau: scheduled('TauBinaryCrossentropy', 'tau', tauOption, tau) },
    elementwise: (t, p, { tau: tq }) =>
      tf.tidy(() => {
        const z = tf.cast(tf.greater(t, 0), 'float32');
        const x = tf.mul(p, tq!);
        const bce = tf.add(tf.sub(tf.relu(x), tf.mul(x, z)), tf.log1p(tf.exp(tf.neg(tf.abs(x)))));
        return tf.div(tf.mean(bce, -1), tq!) as tf.Tensor1D;
      }),
  });
}
registerLoss('TauBinaryCrossentropy', (c) => TauBinaryCrossentropy(c as unknown as TauArgs));

/** lowerCamel alias of {@link TauCategoricalCrossentropy}. */
export const tauCategoricalCrossentropy = TauCategoricalCrossentropy;
/** lowerCamel alias of {@link TauSparseCategoricalCrossentropy}. */
export const tauSparseCategoricalCrossentropy = TauSparseCategoricalCrossentropy;
/** lowerCamel alias of {@link TauBinaryCrossentropy}. */
export const tauBinaryCrossentropy = TauBinaryCrossentropy;
