import * as tf from '@tensorflow/tfjs-core';
import { checkTensor, deelLipVersionOption, defineOptions, opt } from '@lipnet/core';
import { l2Normalize, diffNorm, withoutGradient } from './linalg';
import { checkPowerIterationVector } from './power-iteration-vector';
import {
  DEFAULT_EPS_SPECTRAL,
  DEFAULT_MAXITER_SPECTRAL,
  LEGACY_NITER_SPECTRAL,
  type DeelLipVersion,
} from './normalizer-options';

/** Options of {@link spectralNormalization}. */
export interface SpectralNormalizationOptions {
  /** `'1.5'` (default) or `'1.2'` semantics, see below. */
  deelLipVersion?: DeelLipVersion;
  /** 1.5: stop when ‖u_t − u_{t−1}‖₂ < eps; also W̄ = W/(σ+eps). Default 1e-3. */
  eps?: number;
  /** 1.5: at most this many iterations. Default 10. */
  maxIter?: number;
  /** 1.2: fixed number of iterations (doubled when `u` is not given). Default 3. */
  niter?: number;
}

/** Result of {@link spectralNormalization}. */
export interface SpectralNormalizationResult {
  /** The normalised matrix W̄, same shape as the input. */
  w: tf.Tensor2D;
  /** The updated power-iteration vector, shape [1, cols]; store it for the next call. */
  u: tf.Tensor2D;
  /** The estimated largest singular value σ of W, shape [1, 1]. */
  sigma: tf.Tensor2D;
}

const WHO = 'spectralNormalization';
const SPECTRAL_OPTIONS = defineOptions(WHO, {
  deelLipVersion: deelLipVersionOption,
  eps: opt.number({ gt: 0 }).describedAs('a positive number', 'Pass a small tolerance such as 1e-3.'),
  maxIter: opt.integer({ min: 1 }),
  niter: opt.integer({ min: 1 }),
});

function checkShapes(w: tf.Tensor, u: tf.Tensor | null | undefined): void {
  checkTensor(WHO, 'w', w, { rank: 2, layout: '(a 2-D matrix; reshape a conv kernel to [-1, filters] first)' });
  checkPowerIterationVector(w, u);
}

/**
 * Power iteration on WᵀW from `u` (deel-lip 1.5 `_power_iteration`): u ← u/‖u‖,
 * then repeat `u ← l2norm((u·Wᵀ)·W)` until ‖u_t − u_{t−1}‖ < eps or `maxIter`
 * iterations. The stopping test reads one scalar back per iteration (`dataSync`),
 * which is what makes the loop data-dependent; no gradient is recorded.
 */
export function powerIteration(w: tf.Tensor2D, u: tf.Tensor2D, eps: number, maxIter: number): tf.Tensor2D {
  return tf.tidy(() => {
    const wT = tf.transpose(w); // materialised: wasm's matMul is slow with transposed operands
    let cur = l2Normalize(u);
    let old: tf.Tensor = tf.add(cur, 2 * eps);
    for (let i = 0; i < maxIter; i++) {
      // At i = 0, ‖u − old‖ = 2·eps·√cols ≥ eps: skip the read-back.
      if (i > 0 && diffNorm(cur, old) < eps) break;
      old = cur;
      cur = l2Normalize(tf.matMul(tf.matMul(cur as tf.Tensor2D, wT), w));
    }
    return cur as tf.Tensor2D;
  });
}

/**
 * Spectral normalisation of a matrix W (rows × cols) by power iteration with a
 * persistent vector `u` of shape [1, cols]. deel-lip `normalizers.spectral_normalization`.
 *
 * - **1.5** (default, deel-lip ≥ 1.3): `u` from {@link powerIteration} (eps
 *   stopping, at most `maxIter`), wrapped in a stop-gradient (deel-lip's
 *   `STOP_GRAD_SPECTRAL = True`); σ = ‖u·Wᵀ‖₂ and W̄ = W/(σ + eps), so
 *   σ_max(W̄) < 1. Gradients flow through σ and W, not through `u`. A null `u`
 *   starts from U[0, 1) (random, as deel-lip).
 * - **1.2** (deel-lip 1.2.0): `niter` fixed iterations of v = l2norm(u·Wᵀ),
 *   u = l2norm(v·W); σ = v·W·uᵀ and W̄ = W/σ; the unrolled loop is
 *   differentiated. A null `u` starts from ones with 2·niter iterations.
 *
 * @example
 * const {w: wBar, u, sigma} = spectralNormalization(tf.tensor2d([[3, 0], [0, 1]]), null);
 * // sigma ≈ [[3]], wBar ≈ [[0.9997, 0], [0, 0.3332]]
 */
export function spectralNormalization(
  w: tf.Tensor2D,
  u: tf.Tensor2D | null | undefined,
  opts: SpectralNormalizationOptions = {},
): SpectralNormalizationResult {
  checkShapes(w, u);
  const o = SPECTRAL_OPTIONS.parse(opts);
  const version = o.deelLipVersion;
  if (version === '1.2') {
    let niter = o.niter ?? LEGACY_NITER_SPECTRAL;
    return tf.tidy(() => {
      let cur: tf.Tensor2D;
      if (u) cur = u;
      else {
        cur = tf.ones([1, w.shape[1]]);
        niter *= 2;
      }
      const wT = tf.transpose(w);
      let v: tf.Tensor2D = cur;
      for (let i = 0; i < niter; i++) {
        v = l2Normalize(tf.matMul(cur, wT)) as tf.Tensor2D;
        cur = l2Normalize(tf.matMul(v, w)) as tf.Tensor2D;
      }
      const sigma = tf.matMul(tf.matMul(v, w), tf.transpose(cur)) as tf.Tensor2D;
      return { w: tf.div(w, sigma) as tf.Tensor2D, u: cur, sigma };
    });
  }
  const eps = o.eps ?? DEFAULT_EPS_SPECTRAL;
  const maxIter = o.maxIter ?? DEFAULT_MAXITER_SPECTRAL;
  return tf.tidy(() => {
    const u0 = u ?? tf.randomUniform([1, w.shape[1]], 0, 1);
    const uStar = withoutGradient(
      (ww, uu) => powerIteration(ww as tf.Tensor2D, uu as tf.Tensor2D, eps, maxIter),
      w,
      u0,
    );
    const sigma = tf.reshape(tf.norm(tf.matMul(uStar, tf.transpose(w))), [1, 1]) as tf.Tensor2D;
    return { w: tf.div(w, tf.add(sigma, eps)) as tf.Tensor2D, u: uStar, sigma };
  });
}
