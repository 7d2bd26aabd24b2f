import * as tf from '@tensorflow/tfjs-core';

import type { InvertibleDownSamplingArgs } from './invertible-down-sampling';
import { InvertibleSampling, toNhwcShape } from './invertible-sampling';
import { LipnetInputError } from '@lipnet/core';

type Shape = Array<number | null>;

/** Arguments of {@link InvertibleUpSampling} (the same as {@link InvertibleDownSampling}'s). */
export type InvertibleUpSamplingArgs = InvertibleDownSamplingArgs;

/**
 * Invertible up-sampling (depth-to-space): the exact inverse of {@link InvertibleDownSampling}
 * with the same `poolSize` and `channelOrder`, `(b, H, W, C·ph·pw) → (b, H·ph, W·pw, C)`;
 * default order `y[b, h·ph + i, w·pw + j, c] = x[b, h, w, c·ph·pw + i·pw + j]`
 * (PyTorch `PixelShuffle`, deel-lip 1.5.1). deel-lip: `deel.lip.layers.InvertibleUpSampling`.
 * (deel-lip 1.5.1's own reshape sequence is only an inverse for square inputs and pools;
 * this one is for every shape.) A permutation: exactly 1-Lipschitz, `isOrthogonal: true`,
 * not a `LipschitzLayer`. The channel count must be a multiple of ph·pw.
 *
 * @example
 * invertibleUpSampling({poolSize: 2}).apply(tf.tensor4d([1, 2, 3, 4], [1, 1, 1, 4]))  // [[[[1], [2]], [[3], [4]]]]
 */
export class InvertibleUpSampling extends InvertibleSampling {
  static className = 'InvertibleUpSampling';

  protected outNhwc(nhwc: Shape): Shape {
    const [b, h, w, c] = nhwc;
    const [ph, pw] = this.poolSize;
    if (c != null && c % (ph * pw) !== 0) {
      throw new LipnetInputError({
        code: 'INVALID_SHAPE',
        who: 'InvertibleUpSampling',
        option: 'input',
        message:
          `expected the input's channel count ${c} to be a multiple of ph·pw = ${ph * pw}. ` +
          'Use a channel count divisible by the block size, or change poolSize.',
      });
    }
    return [b ?? null, h == null ? null : h * ph, w == null ? null : w * pw, c == null ? null : c / (ph * pw)];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      this.invokeCallHook(inputs, kwargs);
      let x = Array.isArray(inputs) ? inputs[0]! : inputs;
      const nhwc = toNhwcShape(InvertibleUpSampling.className, x.shape, this.dataFormat) as number[];
      const [b, h, w, c] = this.outNhwc(nhwc) as number[];
      const [ph, pw] = this.poolSize;
      const [hIn, wIn] = [nhwc[1]!, nhwc[2]!];
      if (this.dataFormat === 'channelsFirst') x = tf.transpose(x, [0, 2, 3, 1]);
      let y: tf.Tensor;
      if (this.channelOrder === 'pixelshuffle') {
        const t = tf.reshape(x, [b!, hIn, wIn, c!, ph, pw]); // (b, Ho, Wo, C, i, j)
        y = tf.transpose(t, [0, 1, 4, 2, 5, 3]);
      } else {
        const t = tf.reshape(x, [b!, hIn, wIn, ph, pw, c!]); // (b, Ho, Wo, i, j, C)
        y = tf.transpose(t, [0, 1, 3, 2, 4, 5]);
      }
      y = tf.reshape(y, [b!, h!, w!, c!]);
      return this.dataFormat === 'channelsFirst' ? tf.transpose(y, [0, 3, 1, 2]) : y;
    });
  }
}
tf.serialization.registerClass(InvertibleUpSampling);

/** Factory for {@link InvertibleUpSampling}. */
export function invertibleUpSampling(args: InvertibleUpSamplingArgs): InvertibleUpSampling {
  return new InvertibleUpSampling(args);
}
