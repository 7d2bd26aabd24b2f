import * as tf from '@tensorflow/tfjs-core';
import { LipnetInputError, checkTensor, formatShape } from '@lipnet/core';
import { norms, type Norm } from './ops';

/** Checks that both arguments are tensors of one shape `[N, …]` and returns nothing. */
function checkPair(fn: string, reference: unknown, perturbed: unknown): void {
  const who = `distances.${fn}`;
  for (const [arg, v] of [
    ['reference', reference],
    ['perturbed', perturbed],
  ] as const) {
    const t = checkTensor(who, arg, v, {
      dtype: ['float32', 'int32', 'bool'],
      layout: '[N, …]',
      allowEmpty: true,
    });
    if (t.rank < 1)
      throw new LipnetInputError({
        code: 'INVALID_SHAPE',
        who,
        option: arg,
        expected: 'have a batch axis [N, …]',
        got: 'a scalar',
        fix: 'Add a batch axis: `t.expandDims(0)`.',
      });
  }
  const a = reference as tf.Tensor;
  const b = perturbed as tf.Tensor;
  if (a.shape.join() !== b.shape.join()) {
    throw new LipnetInputError({
      code: 'INVALID_SHAPE',
      who,
      option: 'perturbed',
      expected: `have the shape of \`reference\` ${formatShape(a.shape)}`,
      got: `shape ${formatShape(b.shape)}`,
      fix: 'Pass one perturbed input per reference input, of the same shape.',
    });
  }
}

function distance(fn: Norm, reference: tf.Tensor, perturbed: tf.Tensor): tf.Tensor1D {
  checkPair(fn, reference, perturbed);
  return tf.tidy(() => norms(tf.sub(tf.cast(perturbed, 'float32'), tf.cast(reference, 'float32')), fn));
}

/**
 * Per-sample distances between a batch of references and a batch of perturbed inputs,
 * as in foolbox `fb.distances.l0/l1/l2/linf`: `d_i = ‖perturbed_i − reference_i‖_p`, shape `[N]`.
 * Both arguments must have the same shape `[N, …]`; anything else raises a `LipnetInputError`.
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
