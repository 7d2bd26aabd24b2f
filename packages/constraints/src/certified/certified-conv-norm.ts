import { convExactNormBound } from './conv-exact-norm';
import { convOperatorNormBound } from './conv-operator-norm';
import type { Conv2DGeometry } from '../conv/conv-geometry';

/** A proven upper bound of an operator norm and how it was proven. */
export interface CertifiedNorm {
  /** Proven upper bound of ‖A‖₂. */
  upper: number;
  /** How: which certificate gave `upper` (for reports). */
  method: string;
}

/** Options of {@link certifiedConvNorm}. */
export interface CertifiedConvNormOptions {
  /** A power-iteration value σ̂ ≤ ‖A‖₂ (on the exact operator), which the banded certificate starts from. */
  estimate: number;
  /**
   * When given, stop as soon as a bound ≤ `target` is proven (the Fourier bound first, then one banded
   * Cholesky at μ = target²); otherwise compute both certificates and return the smaller.
   */
  target?: number;
}

/**
 * A certified upper bound of the L2 operator norm of a tfjs conv2d on its real input size, as
 * tight as affordable: the Fourier/polyphase canvas bound ({@link convOperatorNormBound}: any
 * size, slightly loose on small maps because of the zero padding), and the banded Cholesky
 * certificate of the exact operator's Gram matrix ({@link convExactNormBound}: within ~1e-5 of
 * the norm, skipped when its band is too wide). The smaller of the two is returned.
 */
export function certifiedConvNorm(
  kernel: ArrayLike<number>,
  g: Conv2DGeometry,
  o: CertifiedConvNormOptions,
): CertifiedNorm {
  const fb = convOperatorNormBound(kernel, g);
  const fourier: CertifiedNorm = {
    upper: fb.upper,
    method:
      `certified Fourier/polyphase bound on a ${fb.canvas.join('×')} canvas (${fb.frequencies} frequencies)` +
      (fb.paddingFactor !== 1 ? ` × ${g.padding} padding map ${fb.paddingFactor.toFixed(4)}` : ''),
  };
  if (o.target !== undefined && fb.upper <= o.target) return fourier;
  // With a target: prove ≤ target first, then the σ̂(1 + δ) ladder above it (a μ below a failed one fails too).
  const ladder = [1e-5, 1e-4, 1e-3, 1e-2].map((d) => o.estimate * Math.sqrt(1 + d));
  const tries = o.target === undefined ? ladder : [o.target, ...ladder.filter((c) => c > o.target!)];
  const exact = convExactNormBound(kernel, g, o.estimate, tries);
  if (exact === null || exact.upper >= fb.upper) return fourier;
  return {
    upper: exact.upper,
    method: `certified by a banded Cholesky of the exact operator's Gram matrix (bandwidth ${exact.bandwidth}); Fourier/polyphase canvas bound ${fb.upper.toFixed(5)}`,
  };
}
