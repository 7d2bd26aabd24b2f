import * as tf from '@tensorflow/tfjs-core';
import { FUSED_KERNELS } from '@lipnet/core';

/**
 * The names of the optional fused kernels (GroupSort(2), bias + GroupSort(2), L2
 * pooling, Björck and their gradients) live in `@lipnet/core`'s `FUSED_KERNELS`,
 * with their contract; `hasFusedKernel` tells whether the active backend has a
 * kernel and its gradient. When it does, the layers use them; otherwise they
 * compose stock tfjs ops, with the same numbers. `@lipnet/backend` registers
 * native ones for tfjs-node and WebAssembly SIMD ones for `wasm`.
 */
export { FUSED_KERNELS, hasFusedKernel, type FusedKernelName } from '@lipnet/core';

type Run = (name: string, inputs: tf.NamedTensorMap, attrs?: tf.NamedAttrMap) => tf.Tensor | tf.Tensor[];
const run: Run = (name, inputs, attrs = {}) => tf.engine().runKernel(name, inputs, attrs) as tf.Tensor | tf.Tensor[];

/**
 * GroupSort(2) of the last axis through `LipnetPairSort`, with its gradient
 * through `LipnetPairSortGrad` from the saved input (which the layer before
 * keeps anyway). Same outputs and gradients as `sortPairsAscending`.
 */
export const fusedPairSort = tf.customGrad<tf.Tensor>(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x]);
  return {
    value: run(FUSED_KERNELS.pairSort, { x }) as tf.Tensor,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => run(FUSED_KERNELS.pairSortGrad, { x: saved[0]!, dy }) as tf.Tensor,
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]);

/**
 * GroupSort(2) of `z + b` (b of shape `[C]`, Keras' bias_add) through
 * `LipnetBiasPairSort`; the gradient op returns dz and db in one pass. The
 * tape keeps z and b, as `addBias` + GroupSort kept z + b.
 */
export const fusedBiasPairSort = tf.customGrad<tf.Tensor>(((z: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([z, b]);
  return {
    value: run(FUSED_KERNELS.biasPairSort, { z, b }) as tf.Tensor,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
      run(FUSED_KERNELS.biasPairSortGrad, { z: saved[0]!, b: saved[1]!, dy }) as tf.Tensor[],
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]);

/**
 * `scale · √avgpool(x²)` over disjoint `poolSize` windows ('valid') through
 * `LipnetL2Pool`, with deel-lip's ε square-root gradient through
 * `LipnetL2PoolGrad` (recomputing r from the saved x): `windowL2Norm` in one
 * pass each way.
 */
export function fusedL2Pool(x: tf.Tensor4D, poolSize: [number, number], scale: number, eps: number): tf.Tensor4D {
  const op = tf.customGrad(((input: tf.Tensor4D, save: tf.GradSaveFunc) => {
    save([input]);
    return {
      value: run(FUSED_KERNELS.l2Pool, { x: input }, { poolSize, scale }) as tf.Tensor,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        run(FUSED_KERNELS.l2PoolGrad, { x: saved[0]!, dy }, { poolSize, scale, eps }) as tf.Tensor,
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as (input: tf.Tensor4D) => tf.Tensor4D;
  return op(x);
}

/**
 * `fusedL2Pool(fusedBiasPairSort(z, b), …)` through `LipnetBiasPairSortL2Pool`
 * and its gradient `LipnetBiasPairSortL2PoolGrad`, which return dz and db from
 * z, b and dy without the sorted tensor: the tape keeps z and b (which the
 * layer before keeps anyway), and the backward pass reads z once instead of
 * reading the sorted tensor for the pooling gradient and z for the sort's.
 */
export function fusedBiasPairSortL2Pool(
  z: tf.Tensor4D,
  b: tf.Tensor1D,
  poolSize: [number, number],
  scale: number,
  eps: number,
): tf.Tensor4D {
  const op = tf.customGrad(((zIn: tf.Tensor4D, bIn: tf.Tensor1D, save: tf.GradSaveFunc) => {
    save([zIn, bIn]);
    return {
      value: run(FUSED_KERNELS.biasPairSortL2Pool, { z: zIn, b: bIn }, { poolSize, scale }) as tf.Tensor,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        run(
          FUSED_KERNELS.biasPairSortL2PoolGrad,
          { z: saved[0]!, b: saved[1]!, dy },
          { poolSize, scale, eps },
        ) as tf.Tensor[],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as (zIn: tf.Tensor4D, bIn: tf.Tensor1D) => tf.Tensor4D;
  return op(z, b);
}
