import * as tf from '@tensorflow/tfjs-core';

/**
 * The names of lipnet's optional fused kernels: the one table that the layers
 * and constraints (which run them), `@lipnet/backend` (which registers native
 * and WebAssembly implementations) and the test utilities (which register
 * reference ones) all read. A backend may register any of them with
 * `tf.registerKernel`; when the active backend has a kernel and its gradient
 * kernel, the layers use them, otherwise they compose stock tfjs ops with the
 * same numbers.
 *
 * | kernel | inputs | attrs | output |
 * |---|---|---|---|
 * | `LipnetPairSort` | x `[..., C]`, C even | — | y: each pair (a, b) → (b, a) iff a − b > 0 |
 * | `LipnetPairSortGrad` | x, dy | — | dx: dy permuted as x's pairs were |
 * | `LipnetBiasPairSort` | z `[..., C]`, b `[C]` | — | LipnetPairSort(z + b) |
 * | `LipnetBiasPairSortGrad` | z, b, dy | — | [dz, db = Σ dz over all but the last axis] |
 * | `LipnetL2Pool` | x NHWC | poolSize, scale | scale · √mean(x²) per ph×pw window ('valid', strides = poolSize) |
 * | `LipnetL2PoolGrad` | x, dy | poolSize, scale, eps | dx = (g / (ph·pw)) · 2x, g = dy·scale / (2(r + eps)), r = √mean(x²) |
 * | `LipnetBiasPairSortL2Pool` | z NHWC, C even, b `[C]` | poolSize, scale | LipnetL2Pool(LipnetBiasPairSort(z, b)) without writing the sorted tensor |
 * | `LipnetBiasPairSortL2PoolGrad` | z, b, dy (pooled shape) | poolSize, scale, eps | [dz, db]: s = LipnetBiasPairSort(z, b), ds = LipnetL2PoolGrad(s, dy), dz = ds permuted back as s's pairs were, db = Σ dz over N, H, W |
 * | `LipnetConvBiasPairSortL2Pool` | x `[N, H, W, Cin]`, w `[kh, kw, Cin, C]` (C even), b `[C]` | poolSize, scale, padding ('same' \| 'valid') | LipnetBiasPairSortL2Pool(Conv2D(x, w, stride 1, padding), b) = scale · √mean_window(s²), s = GroupSort(2)(conv + b), without writing the convolution's output |
 * | `LipnetConvBiasPairSortL2PoolGrad` | x, w, b, dy (pooled shape) | poolSize, scale, eps, padding | [dw = Conv2DBackpropFilter(x, dz), db = Σ dz] with [dz, ·] = LipnetBiasPairSortL2PoolGrad(Conv2D(x, w), b, dy); no dx (a first layer's input needs none) |
 * | `LipnetBjorck` | w `[m, n]` | beta, maxIter, eps | [y, iterates `[k, m, n]`]: Björck `W ← (1+β)W − β·W·Wᵀ·W`, exactly `maxIter` steps when eps ≤ 0 (deel-lip 1.2.0), else deel-lip 1.5's stop rule |
 * | `LipnetBjorckGrad` | iterates, dy | beta | dW back through each step: g ← (1+β)g − β·(g·WᵀW + W·(M + Mᵀ)), M = Wᵀg |
 * | `LipnetSpectralBjorck` | w `[m, n]`, u `[1, n]` | epsSpectral, maxIterSpectral, beta, maxIterBjorck, epsBjorck, coef | [y, uOut `[1, n]`, sigma `[1, 1]`, iterates]: deel-lip 1.5's power iteration from u (u ← l2n(u·Wᵀ·W) until ‖Δu‖ < epsSpectral, at most maxIterSpectral), σ = ‖uOut·Wᵀ‖, y = coef · LipnetBjorck(W/(σ + epsSpectral)) (maxIterBjorck, epsBjorck) |
 * | `LipnetSpectralBjorckGrad` | w, uOut, sigma, iterates, dy | epsSpectral, beta, coef | dW with uOut held constant: g₀ = LipnetBjorckGrad(iterates, coef·dy), s = σ + ε, t = uOut·Wᵀ, dW = g₀/s − (Σ g₀⊙W / s²)·tᵀ·uOut/σ |
 */
export const FUSED_KERNELS = {
  pairSort: 'LipnetPairSort',
  pairSortGrad: 'LipnetPairSortGrad',
  biasPairSort: 'LipnetBiasPairSort',
  biasPairSortGrad: 'LipnetBiasPairSortGrad',
  l2Pool: 'LipnetL2Pool',
  l2PoolGrad: 'LipnetL2PoolGrad',
  biasPairSortL2Pool: 'LipnetBiasPairSortL2Pool',
  biasPairSortL2PoolGrad: 'LipnetBiasPairSortL2PoolGrad',
  convBiasPairSortL2Pool: 'LipnetConvBiasPairSortL2Pool',
  convBiasPairSortL2PoolGrad: 'LipnetConvBiasPairSortL2PoolGrad',
  bjorck: 'LipnetBjorck',
  bjorckGrad: 'LipnetBjorckGrad',
  spectralBjorck: 'LipnetSpectralBjorck',
  spectralBjorckGrad: 'LipnetSpectralBjorckGrad',
} as const;

/** One of the {@link FUSED_KERNELS} names, e.g. `'LipnetPairSort'`. */
export type FusedKernelName = (typeof FUSED_KERNELS)[keyof typeof FUSED_KERNELS];

/** Every {@link FUSED_KERNELS} name, in table order. */
export const FUSED_KERNEL_NAMES: readonly FusedKernelName[] = Object.values(FUSED_KERNELS);

/**
 * Whether the active backend (or `backend`) has both `kernel` and `gradKernel`
 * registered. Read on every call (a map lookup), so registering or
 * unregistering them takes effect at the next layer call.
 *
 * @example
 * hasFusedKernel(FUSED_KERNELS.pairSort, FUSED_KERNELS.pairSortGrad); // false on a stock backend
 */
export function hasFusedKernel(
  kernel: FusedKernelName,
  gradKernel: FusedKernelName,
  backend: string = tf.getBackend(),
): boolean {
  return tf.getKernel(kernel, backend) !== undefined && tf.getKernel(gradKernel, backend) !== undefined;
}
