import type * as tf from '@tensorflow/tfjs-core';
import { LipnetInputError, formatShape } from '@lipnet/core';

/** Throws a LipnetInputError naming `u` (for `who`) unless it is null or [1, w's columns]. */
export function checkPowerIterationVector(
  w: tf.Tensor,
  u: tf.Tensor | null | undefined,
  who = 'spectralNormalization',
): void {
  if (u && (u.rank !== 2 || u.shape[0] !== 1 || u.shape[1] !== w.shape[1])) {
    throw new LipnetInputError({
      code: 'INVALID_SHAPE',
      who,
      option: 'u',
      message: `expected \`u\` of shape [1, ${w.shape[1]}], got ${formatShape(u.shape)}. Pass the vector returned by the previous call, or null.`,
    });
  }
}
