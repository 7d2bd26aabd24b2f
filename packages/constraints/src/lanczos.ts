import * as tf from '@tensorflow/tfjs-core';
import { l2Normalize } from './linalg';

/**
 * A linear map A_W that depends on a kernel W, given by its forward map and its adjoint
 * (e.g. `tf.conv2d` and `tf.conv2dTranspose` on the layer's input size). Both act on a
 * batch of one: `forward(x)` takes `[1, ...inputShape]`, `adjoint(y)` returns it.
 */
export interface LinearOperatorPair {
  /** y = A_W x (no bias). */
  forward(x: tf.Tensor, w: tf.Tensor): tf.Tensor;
  /** x = A_Wᵀ y. */
  adjoint(y: tf.Tensor, w: tf.Tensor): tf.Tensor;
}

/** Lanczos vectors kept before a restart from the Ritz vector (bounds the memory to this many inputs). */
const KRYLOV_DIMENSION = 20;

/**
 * Largest eigenvalue and its unit eigenvector of the symmetric tridiagonal matrix with diagonal
 * `alpha` and off-diagonal `beta` (length alpha.length − 1), by cyclic Jacobi rotations in float64.
 */
export function tridiagonalTopEigen(alpha: number[], beta: number[]): { theta: number; y: number[] } {
  const k = alpha.length;
  const a = Array.from({ length: k }, (_, i) =>
    Array.from({ length: k }, (_, j) => (i === j ? alpha[i]! : Math.abs(i - j) === 1 ? beta[Math.min(i, j)]! : 0)),
  );
  const v: number[][] = Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < k; p++) for (let q = p + 1; q < k; q++) off += a[p]![q]! ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < k; p++)
      for (let q = p + 1; q < k; q++) {
        const apq = a[p]![q]!;
        if (apq === 0) continue;
        const tau = (a[q]![q]! - a[p]![p]!) / (2 * apq);
        const t = Math.sign(tau || 1) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = t * c;
        for (let r = 0; r < k; r++) {
          const arp = a[r]![p]!;
          const arq = a[r]![q]!;
          a[r]![p] = c * arp - s * arq;
          a[r]![q] = s * arp + c * arq;
        }
        for (let r = 0; r < k; r++) {
          const apr = a[p]![r]!;
          const aqr = a[q]![r]!;
          a[p]![r] = c * apr - s * aqr;
          a[q]![r] = s * apr + c * aqr;
          const vrp = v[r]![p]!;
          const vrq = v[r]![q]!;
          v[r]![p] = c * vrp - s * vrq;
          v[r]![q] = s * vrp + c * vrq;
        }
      }
  }
  let top = 0;
  for (let i = 1; i < k; i++) if (a[i]![i]! > a[top]![top]!) top = i;
  return { theta: a[top]![top]!, y: v.map((row) => row[top]!) };
}

/**
 * Estimates ‖A_W‖₂ and its top right singular vector by the Lanczos iteration on A_WᵀA_W (the
 * Krylov-subspace acceleration of power iteration, which converges in far fewer products on the
 * clustered top spectra of convolutions), started from `v` (any shape the operator takes; a batch
 * of one), with full reorthogonalisation, restarted from the Ritz vector every 20 steps.
 * Each step costs one forward and one adjoint product and reads two scalars back. It stops when
 * the Ritz pair (θ, x) has a relative residual ‖A_WᵀA_W x − θx‖ ≤ `eps`·θ (one step when `v` is
 * already converged) or after `maxIter` steps. θ ≤ λ_max(A_WᵀA_W) (interlacing), so the returned
 * σ = √θ ≤ ‖A_W‖₂. No gradient is recorded. Returns the unit Ritz vector and σ.
 */
export function lanczosOperatorNorm(
  op: LinearOperatorPair,
  w: tf.Tensor,
  v: tf.Tensor,
  eps: number,
  maxIter: number,
): { v: tf.Tensor; sigma: number; steps: number } {
  let theta = 0;
  let steps = 0;
  let x = tf.tidy(() => l2Normalize(v));
  const shape = v.shape;
  const n = v.size;
  let done = false;
  while (!done && steps < maxIter) {
    const next = tf.tidy(() => {
      let Q = tf.reshape(x, [1, n]) as tf.Tensor2D; // rows: the Lanczos vectors
      const alpha: number[] = [];
      const beta: number[] = [];
      let y = [1];
      for (let j = 0; j < KRYLOV_DIMENSION && steps < maxIter; j++) {
        const q = tf.slice(Q, [j, 0], [1, n]);
        let r = tf.reshape(op.adjoint(op.forward(tf.reshape(q, shape), w), w), [1, n]) as tf.Tensor2D;
        steps++;
        const a = tf.sum(tf.mul(r, q));
        // Gram–Schmidt against every Lanczos vector, twice ("twice is enough")
        for (let pass = 0; pass < 2; pass++) r = tf.sub(r, tf.matMul(tf.matMul(r, Q, false, true), Q));
        const [av, bv] = tf.stack([a, tf.norm(r)]).dataSync() as Float32Array;
        alpha.push(av!);
        const e = tridiagonalTopEigen(alpha, beta);
        theta = e.theta;
        y = e.y;
        const residual = bv! * Math.abs(y[y.length - 1]!);
        if (residual <= eps * theta || !(bv! > 1e-30 * (theta + 1e-30))) {
          done = true;
          break;
        }
        if (j + 1 === KRYLOV_DIMENSION || steps >= maxIter) break;
        beta.push(bv!);
        Q = tf.concat([Q, tf.div(r, bv!)]) as tf.Tensor2D;
      }
      const ritz = tf.matMul(tf.tensor2d(y, [1, y.length]), tf.slice(Q, [0, 0], [y.length, n]));
      return tf.reshape(l2Normalize(ritz), shape);
    });
    x.dispose();
    x = next;
  }
  return { v: x, sigma: Math.sqrt(Math.max(theta, 0)), steps };
}
