import * as tf from '@tensorflow/tfjs-core';
import { norms } from './ops';

/**
 * Per-sample distances between a batch of references and a batch of perturbed inputs,
 * as in foolbox `fb.distances.l2` / `fb.distances.linf`: `d_i = ‖perturbed_i − reference_i‖_p`,
 * shape `[N]`.
 *
 * @example
 * distances.l2(tf.zeros([1, 2]), tf.tensor2d([[3, 4]])).print(); // [5]
 */
export const distances = {
  /** `‖a_i − b_i‖₂` per sample. */
  l2(reference: tf.Tensor, perturbed: tf.Tensor): tf.Tensor1D {
    return tf.tidy(() => norms(tf.sub(perturbed, reference), 'l2'));
  },
  /** `max_k |a_ik − b_ik|` per sample. */
  linf(reference: tf.Tensor, perturbed: tf.Tensor): tf.Tensor1D {
    return tf.tidy(() => norms(tf.sub(perturbed, reference), 'linf'));
  },
};
