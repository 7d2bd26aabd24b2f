import * as tf from '@tensorflow/tfjs-core';

import { InvertibleSampling, toNhwcShape, type InvertibleSamplingArgs } from './invertible-sampling';
import { LipnetInputError } from '@lipnet/core';

type Shape = Array<number | null>;

export type { InvertibleChannelOrder } from './invertible-sampling';

/** Arguments of {@link InvertibleDownSampling}. */
export type InvertibleDownSamplingArgs = InvertibleSamplingArgs;

/**
 * Invertible down-sampling (space-to-depth, Anil et al. 2019 "Preventing gradient attenuation
 * in Lipschitz constrained convolutional networks"): each `ph×pw` spatial block becomes
 * `ph·pw` channels, `(b, H, W, C) → (b, H/ph, W/pw, C·ph·pw)`, in the
 * {@link InvertibleChannelOrder} chosen (default deel-lip 1.5.1 / PyTorch `PixelUnshuffle`:
 * `y[b, h, w, c·ph·pw + i·pw + j] = x[b, h·ph + i, w·pw + j, c]`).
 * deel-lip: `deel.lip.layers.InvertibleDownSampling(pool_size, data_format)`.
 *
 * A permutation of coordinates, hence orthogonal: exactly 1-Lipschitz and norm preserving,
 * with no `kCoefLip` to set. Like deel-lip it is not a `LipschitzLayer`; it carries the marker
 * `isOrthogonal: true` instead, and {@link lipschitzBound} returns 1.
 * H and W must be multiples of ph and pw.
 *
 * @example
 * invertibleDownSampling({poolSize: 2}).apply(tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]))  // [[[[1, 2, 3, 4]]]]
 */
export class InvertibleDownSampling extends InvertibleSampling {
  static className = 'InvertibleDownSampling';

  protected outNhwc(nhwc: Shape): Shape {
    const [b, h, w, c] = nhwc;
    const [ph, pw] = this.poolSize;
    for (const [dim, p, axis] of [
      [h, ph, 'height'],
      [w, pw, 'width'],
    ] as const) {
      if (dim != null && dim % p !== 0) {
        throw new LipnetInputError({
          code: 'INVALID_SHAPE',
          who: 'InvertibleDownSampling',
          option: 'input',
          message:
            `expected the input ${axis} ${dim} to be a multiple of the pool size ${p}. ` +
            'Crop or pad the input, or change poolSize.',
        });
      }
    }
    return [b ?? null, h == null ? null : h / ph, w == null ? null : w / pw, c == null ? null : c * ph * pw];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      this.invokeCallHook(inputs, kwargs);
      let x = Array.isArray(inputs) ? inputs[0]! : inputs;
      const [b, h, w, c] = this.outNhwc(
        toNhwcShape(InvertibleDownSampling.className, x.shape, this.dataFormat),
      ) as number[];
      const [ph, pw] = this.poolSize;
      if (this.dataFormat === 'channelsFirst') x = tf.transpose(x, [0, 2, 3, 1]);
      const blocks = tf.reshape(x, [b!, h!, ph, w!, pw, c! / (ph * pw)]); // (b, Ho, i, Wo, j, C)
      const perm = this.channelOrder === 'pixelshuffle' ? [0, 1, 3, 5, 2, 4] : [0, 1, 3, 2, 4, 5];
      const y = tf.reshape(tf.transpose(blocks, perm), [b!, h!, w!, c!]);
      return this.dataFormat === 'channelsFirst' ? tf.transpose(y, [0, 3, 1, 2]) : y;
    });
  }
}
tf.serialization.registerClass(InvertibleDownSampling);

/** Factory for {@link InvertibleDownSampling}. */
export function invertibleDownSampling(args: InvertibleDownSamplingArgs): InvertibleDownSampling {
  return new InvertibleDownSampling(args);
}
