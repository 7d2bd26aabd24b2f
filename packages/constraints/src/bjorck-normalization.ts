import * as tf from '@tensorflow/tfjs-core';
import { checkTensor, deelLipVersionOption, defineOptions, opt } from '@lipnet/core';
import { diffNorm } from './linalg';
import { fusedBjorck, hasFusedBjorck } from './fused-bjorck';
import {
  DEFAULT_BETA_BJORCK,
  DEFAULT_EPS_BJORCK,
  DEFAULT_MAXITER_BJORCK,
  LEGACY_BETA_BJORCK,
  LEGACY_NITER_BJORCK,
  type DeelLipVersion,
} from './normalizer-options';

const BJORCK_OPTIONS = defineOptions('bjorckNormalization', {
  deelLipVersion: deelLipVersionOption,
  eps: opt.number({ gt: 0 }).describedAs('a positive number', 'Pass a small tolerance such as 1e-3.'),
  maxIter: opt.integer({ min: 0 }),
  niter: opt.integer({ min: 0 }),
  beta: opt.number({ gt: 0, max: 0.5 }).describedAs('a number in (0, 0.5]', 'Pass 0.5 (deel-lip 1.5) or 0.25 (1.2.0).'),
});

/** Options of {@link bjorckNormalization}. */
export interface BjorckNormalizationOptions {
  /** `'1.5'` (default): eps stopping; `'1.2'`: fixed `niter`. */
  deelLipVersion?: DeelLipVersion;
  /** 1.5: stop when ‖W_t − W_{t−1}‖_F < eps. Default 1e-3. */
  eps?: number;
  /** 1.5: at most this many iterations. Default 15. */
  maxIter?: number;
  /** 1.2: fixed number of iterations. Default 15. */
  niter?: number;
  /** Step β in (0, 0.5]. Default 0.5 (1.5) or 0.25 (1.2). */
  beta?: number;
}

/**
 * W·Wᵀ·W, evaluated as W(WᵀW) when rows > cols and (WWᵀ)W otherwise, so the
 * Gram matrix is the smaller one (deel-lip `_wwtw`). Transposes are materialised
 * before `matMul` (fast on wasm/XNNPACK).
 */
export function wwtw(w: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const wT = tf.transpose(w);
    return w.shape[0] > w.shape[1] ? tf.matMul(w, tf.matMul(wT, w)) : tf.matMul(tf.matMul(w, wT), w);
  });
}

/**
 * Björck–Bowie orthonormalisation (Björck & Bowie 1971; Anil et al. 2019):
 * repeat `W ← (1+β)·W − β·W·Wᵀ·W`. Converges to the orthogonal factor of W's
 * polar decomposition (all singular values → 1) when σ_max(W) ≤ 1, so apply it
 * after {@link spectralNormalization}. deel-lip `normalizers.bjorck_normalization`.
 *
 * - **1.5** (default): stop when ‖W_t − W_{t−1}‖_F < eps (1e-3), at most
 *   `maxIter` (15) iterations, β = 0.5. The stopping test reads one scalar per
 *   iteration back (`dataSync`). Under `tf.grad` the executed iterations are
 *   recorded like any eager op, so the gradient is that of the unrolled loop
 *   actually run (as TensorFlow's `while_loop` gradient).
 * - **1.2**: a fixed `niter` (15) iterations, β = 0.25.
 *
 * When the active backend registers the fused Björck kernels
 * ({@link FUSED_BJORCK_KERNELS}), the whole loop and its gradient run as one
 * kernel each (the same rule, no read-back per iteration).
 *
 * @example
 * bjorckNormalization(tf.tensor2d([[0.9, 0], [0, 0.5]]));
 * // ≈ [[1, 0], [0, 0.9996]] (15 iterations at β = 0.5 stop on eps)
 */
export function bjorckNormalization(w: tf.Tensor2D, opts: BjorckNormalizationOptions = {}): tf.Tensor2D {
  checkTensor('bjorckNormalization', 'w', w, {
    dtype: ['float32'],
    rank: 2,
    layout: '(a 2-D matrix; reshape the kernel to [-1, filters] first)',
  });
  const o = BJORCK_OPTIONS.parse(opts);
  const version = o.deelLipVersion;
  const beta = o.beta ?? (version === '1.2' ? LEGACY_BETA_BJORCK : DEFAULT_BETA_BJORCK);
  if (version === '1.2') {
    const niter = o.niter ?? LEGACY_NITER_BJORCK;
    if (w.dtype === 'float32' && hasFusedBjorck()) return fusedBjorck(w, beta, niter, 0);
    return tf.tidy(() => {
      let cur = w;
      for (let i = 0; i < niter; i++) cur = tf.sub(tf.mul(1 + beta, cur), tf.mul(beta, wwtw(cur)));
      return cur.clone();
    });
  }
  const eps = o.eps ?? DEFAULT_EPS_BJORCK;
  const maxIter = o.maxIter ?? DEFAULT_MAXITER_BJORCK;
  if (w.dtype === 'float32' && hasFusedBjorck()) return fusedBjorck(w, beta, maxIter, eps);
  return tf.tidy(() => {
    let cur = w;
    let old: tf.Tensor2D | null = null; // deel-lip starts from old = 10·W, so the first iteration always runs
    for (let i = 0; i < maxIter; i++) {
      if (old !== null && diffNorm(cur, old) < eps) break;
      if (old === null && diffNorm(cur, tf.mul(10, cur)) < eps) break; // only W ≈ 0
      old = cur;
      cur = tf.sub(tf.mul(1 + beta, cur), tf.mul(beta, wwtw(cur)));
    }
    return cur.clone();
  });
}
