import * as tf from '@tensorflow/tfjs-core';
import { krElementwise } from './kr';
import { makeLoss, registerLoss, type BaseLossArgs, type LipschitzLoss } from './loss-function';
import { lossOptions } from './loss-options';

/** Arguments of {@link NegKRLoss}. */
export type NegKRLossArgs = BaseLossArgs;

const NEG_KR_LOSS_OPTIONS = lossOptions('NegKRLoss', {});

/**
 * Negative Kantorovich–Rubinstein loss: `ℓ_i = −KR_i` ({@link krElementwise}), whose batch mean is
 * `−mean_c(E[ŷ_c | y_c > 0] − E[ŷ_c | y_c ≤ 0])`; minimising it maximises the Wasserstein-1
 * estimate. Labels of the shape of `yPred` (`[n, 1]` or `[n, C]`) in {0, 1} or {−1, 1}.
 * deel-torchlip: `NegKRLoss(multi_gpu=False, reduction='mean')` (deel-lip has no class for it;
 * use `-KR`). Difference: torchlip divides by the class counts exactly (`nan_to_num(1/mean_pos)`),
 * lipnet by the counts + 1e-7 as deel-lip's `KR`: a relative difference below 1e-7 when a batch
 * has both positives and negatives of every class.
 *
 * @example
 * NegKRLoss()(tf.tensor2d([[1], [0]]), tf.tensor2d([[2], [-1]]))  // −3
 */
export function NegKRLoss(args: NegKRLossArgs = {}): LipschitzLoss {
  return makeLoss({
    className: 'NegKRLoss',
    labels: 'binary',
    config: {},
    base: NEG_KR_LOSS_OPTIONS.parse(args),
    elementwise: (t, p) => tf.tidy(() => tf.neg(krElementwise(t, p)) as tf.Tensor1D),
  });
}
registerLoss('NegKRLoss', (c) => NegKRLoss(c));

/** lowerCamel alias of {@link NegKRLoss}. */
export const negKRLoss = NegKRLoss;
