import * as tf from '@tensorflow/tfjs-core';

/**
 * W / (‖W‖_F + eps): the whole kernel scaled to unit Frobenius norm, which bounds
 * σ_max(W) ≤ 1 (and equals it for a rank-1 W, e.g. a single output).
 * deel-lip `FrobeniusConstraint` (eps = 1e-7) and, with eps = 0, `FrobeniusDense(disjoint_neurons=False)`
 * and `FrobeniusConv2D`.
 *
 * @example
 * frobeniusNormalization(tf.tensor2d([[3], [4]]), 0); // [[0.6], [0.8]]
 */
export function frobeniusNormalization(w: tf.Tensor, eps = 0): tf.Tensor {
  return tf.tidy(() => tf.div(w, tf.add(tf.sqrt(tf.sum(tf.square(w))), eps)));
}

/**
 * Each output neuron's weights scaled to unit L2 norm: W[:, j] / (‖W[:, j]‖₂ + eps),
 * the norm taken over every axis but the last. Each output is then 1-Lipschitz on
 * its own ("disjoint neurons"; certificates divide the margin by 2).
 * deel-lip `FrobeniusDense(disjoint_neurons=True)` (`tf.norm(kernel, axis=0)`).
 *
 * @example
 * frobeniusNormalizationPerNeuron(tf.tensor2d([[3, 1], [4, 0]])); // [[0.6, 1], [0.8, 0]]
 */
export function frobeniusNormalizationPerNeuron(w: tf.Tensor, eps = 0): tf.Tensor {
  return tf.tidy(() => {
    const axes = Array.from({ length: w.rank - 1 }, (_, i) => i);
    return tf.div(w, tf.add(tf.sqrt(tf.sum(tf.square(w), axes, true)), eps));
  });
}
