import * as tf from '@tensorflow/tfjs-core';

/**
 * Optional fused kernels a backend may register (with `tf.registerKernel`)
 * under these names. When the active backend has a kernel and its gradient
 * kernel, the layers use them; otherwise they compose stock tfjs ops, with
 * the same numbers. Each does in one pass over memory what the composition
 * does in four to eight, which is what bounds a CPU training step of small
 * convolutional nets (the element-wise passes over activations, not the
 * GEMMs). `@lipnet/backend` registers them for tfjs-node's `tensorflow`
 * backend when `pnpm native:setup` has built its TensorFlow ops, and the pair
 * sorts and pooling for `wasm` as WebAssembly SIMD kernels. (Björck has its
 * own optional kernels: `FUSED_BJORCK_KERNELS` in @lipnet/constraints.)
 *
 * | kernel | inputs | attrs | output |
 * |---|---|---|---|
 * | `LipnetPairSort` | x `[..., C]`, C even | — | y: each pair (a, b) → (b, a) iff a − b > 0 |
 * | `LipnetPairSortGrad` | x, dy | — | dx: dy permuted as x's pairs were |
 * | `LipnetBiasPairSort` | z `[..., C]`, b `[C]` | — | LipnetPairSort(z + b) |
 * | `LipnetBiasPairSortGrad` | z, b, dy | — | [dz, db = Σ dz over all but the last axis] |
 * | `LipnetL2Pool` | x NHWC | poolSize, scale | scale · √mean(x²) per ph×pw window ('valid', strides = poolSize) |
 * | `LipnetL2PoolGrad` | x, dy | poolSize, scale, eps | dx = (g / (ph·pw)) · 2x, g = dy·scale / (2(r + eps)), r = √mean(x²) |
 */
export const FUSED_KERNELS = {
  pairSort: 'LipnetPairSort',
  pairSortGrad: 'LipnetPairSortGrad',
  biasPairSort: 'LipnetBiasPairSort',
  biasPairSortGrad: 'LipnetBiasPairSortGrad',
  l2Pool: 'LipnetL2Pool',
  l2PoolGrad: 'LipnetL2PoolGrad',
} as const;

/** One of the {@link FUSED_KERNELS} names. */
export type FusedKernelName = (typeof FUSED_KERNELS)[keyof typeof FUSED_KERNELS];

/**
 * Whether the active backend (or `backend`) has both `kernel` and `gradKernel`
 * registered. Read on every call (cheap: a map lookup), so registering or
 * unregistering them takes effect at the next layer call.
 */
export function hasFusedKernel(
  kernel: FusedKernelName,
  gradKernel: FusedKernelName,
  backend: string = tf.getBackend(),
): boolean {
  return tf.getKernel(kernel, backend) !== undefined && tf.getKernel(gradKernel, backend) !== undefined;
}

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
