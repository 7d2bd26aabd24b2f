import * as tf from '@tensorflow/tfjs-core';
import { BATCH_LIP_NORM_OPTIONS, BatchLipNorm, type BatchLipNormArgs } from './batch-lip-norm';
import { layerOptions } from '../layer-options';

/** Arguments of {@link BatchCentering}. */
export type BatchCenteringArgs = Omit<BatchLipNormArgs, 'centering' | 'normalize' | 'eps'>;

/** The options of BatchCentering: BatchLipNorm's but `centering`, `normalize` and `eps`, which it fixes. */
const OPTIONS = layerOptions('BatchCentering', {
  axes: BATCH_LIP_NORM_OPTIONS.schema.axes,
  useBias: BATCH_LIP_NORM_OPTIONS.schema.useBias,
});

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
    OPTIONS.parse(args); // refuses centering, normalize and eps (fixed here)
    super({ ...(args as BatchLipNormArgs), centering: true, normalize: false });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config = super.getConfig();
    for (const fixed of ['centering', 'normalize', 'eps']) delete config[fixed];
    return config;
  }
}
tf.serialization.registerClass(BatchCentering);

/** Factory for {@link BatchCentering}. */
export function batchCentering(args: BatchCenteringArgs = {}): BatchCentering {
  return new BatchCentering(args);
}
