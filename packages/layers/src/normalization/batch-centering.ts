import * as tf from '@tensorflow/tfjs-core';
import { BatchLipNorm, type BatchLipNormArgs } from './batch-lip-norm';

/** Arguments of {@link BatchCentering}. */
export type BatchCenteringArgs = Omit<BatchLipNormArgs, 'centering' | 'normalize' | 'eps'>;

/**
 * Batch centering (deel-torchlip `BatchCentering(num_features, dim=None, bias=True)`):
 * `y = x − μ + β`, with μ the batch mean per channel in training and the running mean in
 * inference, exactly as {@link BatchLipNorm} with `normalize: false` (torchlip defines it so).
 * 1-Lipschitz in inference (a translation); `vanillaExport()` gives a {@link ScaleBiasLayer}
 * with scalar 1 and bias `β − μ`.
 */
export class BatchCentering extends BatchLipNorm {
  static override className = 'BatchCentering';

  constructor(args: BatchCenteringArgs = {}) {
    const { axes, useBias, ...rest } = args as BatchLipNormArgs;
    delete rest.centering;
    delete rest.normalize;
    delete rest.eps;
    super({ ...rest, axes, useBias, centering: true, normalize: false });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const { centering: _c, normalize: _n, eps: _e, ...rest } = super.getConfig();
    return rest;
  }
}
tf.serialization.registerClass(BatchCentering);

/** Factory for {@link BatchCentering}. */
export function batchCentering(args: BatchCenteringArgs = {}): BatchCentering {
  return new BatchCentering(args);
}
