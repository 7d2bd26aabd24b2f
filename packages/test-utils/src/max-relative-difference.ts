import * as tf from '@tensorflow/tfjs-core';

/**
 * max |a − b| / max |b| over all elements: the difference of two tensors of
 * one shape relative to the scale of the reference `b` (not element-wise, so
 * small entries of a gradient do not need their own tolerance). Throws on a
 * shape mismatch.
 */
export function maxRelativeDifference(a: tf.Tensor, b: tf.Tensor): number {
  if (a.shape.join() !== b.shape.join()) {
    throw new Error(`maxRelativeDifference: shapes differ, [${a.shape.join(', ')}] vs [${b.shape.join(', ')}]`);
  }
  const x = a.dataSync();
  const y = b.dataSync();
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < y.length; i++) {
    scale = Math.max(scale, Math.abs(y[i]!));
    diff = Math.max(diff, Math.abs(x[i]! - y[i]!));
  }
  return diff / Math.max(scale, Number.MIN_VALUE);
}
