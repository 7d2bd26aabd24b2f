import * as tf from '@tensorflow/tfjs-core';

/**
 * Element-wise clipping to [−c, c] (deel-lip `WeightClipConstraint`, as in
 * WGAN weight clipping).
 *
 * @example
 * weightClip(tf.tensor1d([-3, 0.5, 4]), 2); // [-2, 0.5, 2]
 */
export function weightClip(w: tf.Tensor, c: number): tf.Tensor {
  return tf.clipByValue(w, -c, c);
}

/**
 * The clipping value deel-lip's `AutoWeightClipConstraint` uses:
 * c = 1 / (√size(W) · scale).
 */
export function autoClipValue(w: tf.Tensor, scale = 1): number {
  return 1 / (Math.sqrt(w.size) * scale);
}
