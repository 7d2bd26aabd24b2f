import * as tf from '@tensorflow/tfjs-core';
import type { DeelLipVersion } from '@lipnet/core';
import { lossOptions, deelLipVersionOption } from './loss-options';
import { makeLoss, pooled, registerLoss, type BaseLossArgs, type LipschitzLoss } from './loss-function';

/** ε added to the class counts in the KR denominators, as deel-lip (`KR.eps = 1e-7`). */
export const KR_EPSILON = 1e-7;

/**
 * Element-wise Kantorovich–Rubinstein term (deel-lip 1.5 `_kr`): with `S = 1[y == 1]`,
 * `n` the batch size and `n_c = Σ_i S_ic`,
 * `ℓ_i = mean_c[ n·ŷ_ic·( S_ic/(n_c+ε) − (1−S_ic)/(n−n_c+ε) ) ]`.
 * Its batch mean is `mean_c( E[ŷ_c | positive] − E[ŷ_c | negative] )`.
 */
export function krElementwise(yTrue: tf.Tensor, yPred: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const n = yPred.shape[0];
    const s = tf.cast(tf.equal(yTrue, 1), 'float32');
    const nc = tf.sum(s, 0);
    const pos = tf.div(s, tf.add(nc, KR_EPSILON));
    const neg = tf.div(tf.sub(1, s), tf.add(tf.sub(n, nc), KR_EPSILON));
    return tf.mean(tf.mul(tf.mul(yPred, n), tf.sub(pos, neg)), -1) as tf.Tensor1D;
  });
}

/** Arguments of {@link KR} and {@link MulticlassKR}. */
export interface KRArgs extends BaseLossArgs {
  /** `'1.5'` (default) or `'1.2'` (batch scalar, `reduction: 'mean'` only). KR's formula is the same in both. */
  deelLipVersion?: DeelLipVersion;
}

const K_R_OPTIONS = lossOptions('KR', { deelLipVersion: deelLipVersionOption });

/**
 * Binary (or multilabel) KR: an estimate of the Wasserstein-1 distance between the outputs
 * on positive and negative samples, `mean_c(E[ŷ_c | y_c = 1] − E[ŷ_c | y_c ≠ 1])`, per
 * sample as {@link krElementwise}. Labels `[n, 1]` (or `[n, C]`) in {0, 1} or {−1, 1}.
 * deel-lip: `deel.lip.losses.KR` (1.2: the function `KR`). To maximise it, minimise `HKR`
 * or use `-KR` as the loss; as a metric, higher is better.
 *
 * @example
 * const kr = KR();
 * kr(tf.tensor2d([[1], [1], [1], [0], [0], [0]]), tf.tensor2d([[0.5], [1.5], [-0.5], [-0.5], [-1.5], [0.5]])); // 1
 */
export function KR(args: KRArgs = {}): LipschitzLoss {
  const o = K_R_OPTIONS.parse(args);
  const version = o.deelLipVersion;
  return makeLoss({
    className: 'KR',
    labels: 'binary',
    config: { deelLipVersion: version },
    base: o,
    batchScalar: version === '1.2',
    elementwise: version === '1.2' ? pooled(krElementwise) : krElementwise,
  });
}
registerLoss('KR', (c) => KR(c));

const MULTICLASS_K_R_OPTIONS = lossOptions('MulticlassKR', { deelLipVersion: deelLipVersionOption });

/**
 * Multiclass KR: the KR term of each class against the others (one-vs-all), averaged
 * over classes; same formula as {@link KR}, one-hot labels `[n, C]` in {0, 1} or {−1, 1}.
 * deel-lip: `deel.lip.losses.MulticlassKR`. Used as the `MulticlassKR` metric in Demo 4.
 *
 * In deel-lip 1.2 (Keras 2021) it was a batch scalar, and Keras averaged a scalar metric
 * over batches **without** weighting by batch size; tfjs-layers weights each batch by its
 * size. The two differ only through the last, smaller batch of an epoch.
 *
 * @example
 * const y = tf.oneHot(tf.tensor1d([0, 0, 1, 1, 1], 'int32'), 2);
 * const p = tf.tensor2d([[3, 0], [1, 2], [0, 4], [-1, 2], [1, 3]]);
 * MulticlassKR()(y, p); // 2: class 0: mean{3,1} − mean{0,−1,1} = 2; class 1: mean{4,2,3} − mean{0,2} = 2
 */
export function MulticlassKR(args: KRArgs = {}): LipschitzLoss {
  const o = MULTICLASS_K_R_OPTIONS.parse(args);
  const version = o.deelLipVersion;
  return makeLoss({
    className: 'MulticlassKR',
    labels: 'onehot',
    config: { deelLipVersion: version },
    base: o,
    batchScalar: version === '1.2',
    elementwise: krElementwise,
  });
}
registerLoss('MulticlassKR', (c) => MulticlassKR(c));

/** lowerCamel alias of {@link KR}. */
export const kr = KR;
/** lowerCamel alias of {@link MulticlassKR}. */
export const multiclassKR = MulticlassKR;
