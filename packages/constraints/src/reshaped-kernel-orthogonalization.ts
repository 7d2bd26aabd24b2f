import * as tf from '@tensorflow/tfjs-core';
import { checkTensor, opt } from '@lipnet/core';
import { bjorckNormalization } from './bjorck-normalization';
import { spectralNormalization } from './spectral-normalization';
import { checkPowerIterationVector } from './power-iteration-vector';
import { fusedSpectralBjorck, hasFusedSpectralBjorck } from './fused-spectral-bjorck';
import {
  NORMALIZER_OPTIONS,
  resolveNormalizerOptions,
  type NormalizerOptions,
  type ResolvedNormalizerOptions,
} from './normalizer-options';

/** Options of {@link reshapedKernelOrthogonalization}. */
export interface ReshapedKernelOrthogonalizationOptions extends NormalizerOptions {
  /** Factor applied after orthogonalisation (the layer's `kCoefLip` × conv coefficient). Default 1. */
  adjustmentCoef?: number;
}

/** Result of {@link reshapedKernelOrthogonalization}. */
export interface ReshapedKernelOrthogonalizationResult {
  /** Normalised kernel, same shape as the input kernel. */
  w: tf.Tensor;
  /** Updated power-iteration vector [1, C_out]. */
  u: tf.Tensor2D;
  /** Estimated σ_max of the reshaped raw kernel, [1, 1]. */
  sigma: tf.Tensor2D;
}

const RKO_OPTIONS = NORMALIZER_OPTIONS.extend('reshapedKernelOrthogonalization', {
  adjustmentCoef: opt.number({ gt: 0 }).describedAs('a positive number', 'Pass e.g. 1.').default(1),
});

/**
 * Reshaped Kernel Orthogonalisation (RKO; Serrurier et al. 2021): reshape the
 * kernel to W ∈ ℝ^{(Π other dims) × C_out}, spectrally normalise it
 * ({@link spectralNormalization}), orthonormalise with Björck
 * ({@link bjorckNormalization}; skipped when `maxIterBjorck`/`niterBjorck` is 0),
 * multiply by `adjustmentCoef` and reshape back. All singular values of the
 * reshaped result equal `adjustmentCoef` (up to Björck's tolerance). In 1.5
 * mode, a backend that registers the fused `LipnetSpectralBjorck` kernels
 * (@lipnet/backend's native ops) runs it all as one kernel and its gradient
 * as another: the same numbers up to float rounding.
 * deel-lip `normalizers.reshaped_kernel_orthogonalization`.
 *
 * @example
 * const {w} = reshapedKernelOrthogonalization(kernel3x3x16x32, u, {adjustmentCoef: 0.35});
 */
export function reshapedKernelOrthogonalization(
  kernel: tf.Tensor,
  u: tf.Tensor2D | null | undefined,
  opts: ReshapedKernelOrthogonalizationOptions = {},
): ReshapedKernelOrthogonalizationResult {
  const coef = RKO_OPTIONS.parse(opts).adjustmentCoef;
  const o = resolveNormalizerOptions('reshapedKernelOrthogonalization', opts);
  checkTensor('reshapedKernelOrthogonalization', 'kernel', kernel, {
    rank: [2, 3, 4, 5],
    layout: '(a Dense [in, out] or Conv2D [kh, kw, in, out] kernel)',
  });
  const fused = o.deelLipVersion === '1.5' && kernel.dtype === 'float32' && hasFusedSpectralBjorck();
  return tf.tidy(() => {
    const cOut = kernel.shape[kernel.rank - 1]!;
    const w2 = tf.reshape(kernel, [-1, cOut]) as tf.Tensor2D;
    const r = fused ? fusedRko(w2, u, o, coef) : composedRko(w2, u, o, coef);
    return { w: tf.reshape(r.w, kernel.shape), u: r.u, sigma: r.sigma };
  });
}

/** RKO of the reshaped kernel `w2` in the fused `LipnetSpectralBjorck` kernels (deel-lip 1.5 rules). */
function fusedRko(
  w2: tf.Tensor2D,
  u: tf.Tensor2D | null | undefined,
  o: ResolvedNormalizerOptions,
  coef: number,
): ReshapedKernelOrthogonalizationResult {
  checkPowerIterationVector(w2, u);
  return fusedSpectralBjorck(w2, u ?? tf.randomUniform([1, w2.shape[1]], 0, 1), {
    epsSpectral: o.epsSpectral,
    maxIterSpectral: o.maxIterSpectral,
    beta: o.betaBjorck,
    maxIterBjorck: o.maxIterBjorck,
    epsBjorck: o.epsBjorck,
    coef,
  });
}

/** RKO of the reshaped kernel `w2` composed of {@link spectralNormalization} and {@link bjorckNormalization}. */
function composedRko(
  w2: tf.Tensor2D,
  u: tf.Tensor2D | null | undefined,
  o: ResolvedNormalizerOptions,
  coef: number,
): ReshapedKernelOrthogonalizationResult {
  const legacy = o.deelLipVersion === '1.2';
  const sn = spectralNormalization(
    w2,
    u,
    legacy
      ? { deelLipVersion: '1.2', niter: o.niterSpectral }
      : { deelLipVersion: '1.5', eps: o.epsSpectral, maxIter: o.maxIterSpectral },
  );
  const nb = legacy ? o.niterBjorck : o.maxIterBjorck;
  const wb =
    nb > 0
      ? bjorckNormalization(
          sn.w,
          legacy
            ? { deelLipVersion: '1.2', niter: nb, beta: o.betaBjorck }
            : { deelLipVersion: '1.5', eps: o.epsBjorck, maxIter: nb, beta: o.betaBjorck },
        )
      : sn.w;
  return { w: coef === 1 ? wb : tf.mul(wb, coef), u: sn.u, sigma: sn.sigma };
}
