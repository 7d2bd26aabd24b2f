import * as tf from '@tensorflow/tfjs-core';
import { fail } from './errors';
import { norms, type Norm } from './ops';

/** Checks that both arguments are tensors of one shape `[N, …]` and returns nothing. */
function checkPair(fn: string, reference: unknown, perturbed: unknown): void {
  const who = `distances.${fn}`;
  for (const [arg, v] of [
    ['reference', reference],
    ['perturbed', perturbed],
  ] as const) {
    if (!(v instanceof tf.Tensor))
      fail(who, arg, 'be a tf.Tensor of shape [N, …]', typeof v, 'Pass a batch of inputs as a tensor.');
    if (v.rank < 1) fail(who, arg, 'have a batch axis [N, …]', 'a scalar', 'Add a batch axis: `t.expandDims(0)`.');
  }
  const a = reference as tf.Tensor;
  const b = perturbed as tf.Tensor;
  if (a.shape.join() !== b.shape.join()) {
    fail(
      who,
      'perturbed',
      `have the shape of \`reference\` [${a.shape.join(', ')}]`,
      `shape [${b.shape.join(', ')}]`,
      'Pass one perturbed input per reference input, of the same shape.',
    );
  }
}

function distance(fn: Norm, reference: tf.Tensor, perturbed: tf.Tensor): tf.Tensor1D {
  checkPair(fn, reference, perturbed);
  return tf.tidy(() => norms(tf.sub(tf.cast(perturbed, 'float32'), tf.cast(reference, 'float32')), fn));
}

/**
 * Per-sample distances between a batch of references and a batch of perturbed inputs,
 * as in foolbox `fb.distances.l0/l1/l2/linf`: `d_i = ‖perturbed_i − reference_i‖_p`, shape `[N]`.
 * Both arguments must have the same shape `[N, …]`; anything else raises an `AttackError`.
 *
 * @example
 * distances.l2(tf.zeros([1, 2]), tf.tensor2d([[3, 4]])).print(); // [5]
 */
export const distances = {
  /** Number of entries that differ, `#{k : a_ik ≠ b_ik}` per sample (foolbox `l0`). */
  l0(reference: tf.Tensor, perturbed: tf.Tensor): tf.Tensor1D {
    return distance('l0', reference, perturbed);
  },
  /** `Σ_k |a_ik − b_ik|` per sample (foolbox `l1`). */
  l1(reference: tf.Tensor, perturbed: tf.Tensor): tf.Tensor1D {
    return distance('l1', reference, perturbed);
  },
  /** `‖a_i − b_i‖₂` per sample (foolbox `l2`). */
  l2(reference: tf.Tensor, perturbed: tf.Tensor): tf.Tensor1D {
    return distance('l2', reference, perturbed);
  },
  /** `max_k |a_ik − b_ik|` per sample (foolbox `linf`). */
  linf(reference: tf.Tensor, perturbed: tf.Tensor): tf.Tensor1D {
    return distance('linf', reference, perturbed);
  },
};
