import * as tf from '@tensorflow/tfjs-core';
import { FUSED_KERNELS, fusedL2Pool, hasFusedKernel } from '../fused-kernels';

/**
 * `c · sqrtEps(avgpool(x²))` over non-overlapping `ph×pw` windows ('valid', NHWC),
 * the computation of {@link ScaledL2NormPooling2D} (c = k·√(ph·pw)), with the
 * gradient deel-lip's autodiff gives it — its `_sqrt(eps_grad_sqrt)` rule
 * `∂√s = 1 / (2(√s + ε))` — written out so the tape keeps only x (which the
 * layer before keeps anyway) and r = √avgpool(x²) (¼ of x), not x²:
 *
 *   dx = AvgPoolGrad(dy · c / (2(r + ε))) · 2x,
 *
 * the same operations, in the same order, as the autodiff of the plain
 * composition (so the same numbers). On wasm, whose heap cannot shrink, the
 * activations on the tape are what limit the batch. When the active backend
 * registers `LipnetL2Pool` and its gradient (see {@link FUSED_KERNELS}), a
 * float32 x goes through them instead: one pass each way.
 */
export function windowL2Norm(x: tf.Tensor4D, poolSize: [number, number], scale: number, eps: number): tf.Tensor4D {
  if (x.dtype === 'float32' && hasFusedKernel(FUSED_KERNELS.l2Pool, FUSED_KERNELS.l2PoolGrad))
    return fusedL2Pool(x, poolSize, scale, eps);
  const op = tf.customGrad(((input: tf.Tensor4D, save: tf.GradSaveFunc) => {
    const r = tf.tidy(() => tf.sqrt(tf.avgPool(tf.square(input), poolSize, poolSize, 'valid')));
    save([input, r]);
    return {
      value: tf.mul(r, tf.scalar(scale)),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const [xs, rs] = saved as [tf.Tensor4D, tf.Tensor4D];
          const dMeanSq = tf.div(tf.mul(dy, tf.scalar(scale)), tf.mul(tf.scalar(2), tf.add(rs, tf.scalar(eps))));
          // AvgPoolGrad reads only the shape of `input`; x has the shape of x².
          const dSq = tf
            .engine()
            .runKernel(
              'AvgPoolGrad',
              { dy: dMeanSq, input: xs },
              { filterSize: poolSize, strides: poolSize, pad: 'valid' },
            ) as tf.Tensor;
          return tf.mul(dSq, tf.mul(xs, tf.scalar(2)));
        }),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as (input: tf.Tensor4D) => tf.Tensor4D;
  return op(x);
}
