import * as tf from '@tensorflow/tfjs-core';
import { LipnetConfigError, assertInteger, assertPositive, fmt } from './errors';
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
  if (w.rank !== 2) {
    throw new LipnetConfigError(
      `bjorckNormalization: expected \`w\` to be a 2-D matrix, got shape ${fmt(w.shape)}. Reshape the kernel to [-1, filters] first.`,
    );
  }
  const version = opts.deelLipVersion ?? '1.5';
  const beta = opts.beta ?? (version === '1.2' ? LEGACY_BETA_BJORCK : DEFAULT_BETA_BJORCK);
  if (typeof beta !== 'number' || !(beta > 0 && beta <= 0.5)) {
    throw new LipnetConfigError(
      `bjorckNormalization: expected \`beta\` in (0, 0.5], got ${fmt(beta)}. Pass 0.5 (deel-lip 1.5) or 0.25 (1.2.0).`,
    );
  }
  if (version === '1.2') {
    const niter = opts.niter ?? LEGACY_NITER_BJORCK;
    assertInteger('bjorckNormalization', 'niter', niter, 0, 'Pass an integer such as 15.');
    if (w.dtype === 'float32' && hasFusedBjorck()) return fusedBjorck(w, beta, niter, 0);
    return tf.tidy(() => {
      let cur = w;
      for (let i = 0; i < niter; i++) cur = tf.sub(tf.mul(1 + beta, cur), tf.mul(beta, wwtw(cur)));
      return cur.clone();
    });
  }
  if (version !== '1.5') {
    throw new LipnetConfigError(
      `bjorckNormalization: expected \`deelLipVersion\` '1.5' or '1.2', got ${fmt(version)}. Pass '1.5' (default) or '1.2'.`,
    );
  }
  const eps = opts.eps ?? DEFAULT_EPS_BJORCK;
  const maxIter = opts.maxIter ?? DEFAULT_MAXITER_BJORCK;
  assertPositive('bjorckNormalization', 'eps', eps, 'Pass a small tolerance such as 1e-3.');
  assertInteger('bjorckNormalization', 'maxIter', maxIter, 0, 'Pass an integer such as 15.');
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
