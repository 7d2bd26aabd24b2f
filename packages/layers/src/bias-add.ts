import * as tf from '@tensorflow/tfjs-core';

/**
 * `x + b`, b of shape `[C]` broadcast along the last axis of x (Keras'
 * `bias_add`), with the gradient ∂/∂x = dy, ∂/∂b = Σ over the leading axes of
 * dy — and nothing of x kept on the tape. `tf.add` saves both inputs for its
 * gradient, which keeps the pre-bias activation of a conv alive until the
 * backward pass; a fused op (`tf.fused.conv2d`) saves only its output but,
 * being a custom gradient, computes the input gradient even for a first
 * layer, where the plain op is pruned. The same numbers as `tf.add`.
 */
export function addBias(x: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const leading = Array.from({ length: x.rank - 1 }, (_, i) => i);
  const op = tf.customGrad<tf.Tensor>(((input: tf.Tensor, bias: tf.Tensor) => ({
    value: tf.add(input, bias),
    gradFunc: (dy: tf.Tensor) => [tf.clone(dy), tf.sum(dy, leading)],
  })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x, b);
}
