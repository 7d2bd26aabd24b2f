import * as tf from '@tensorflow/tfjs-core';
import { singularValues } from './svd';

/**
 * Explicit matrix (rows = outputs, cols = inputs, row-major) of a linear map on inputs of
 * `shape` (batch 1), from dirac inputs: one batch of `size` unit inputs through `op`.
 */
export function explicitOperator(
  op: (x: tf.Tensor) => tf.Tensor,
  shape: number[],
): { data: Float32Array; rows: number; cols: number } {
  const cols = shape.reduce((a, b) => a * b, 1);
  return tf.tidy(() => {
    const eye = tf.reshape(tf.eye(cols), [cols, ...shape.slice(1)]);
    const y = tf.reshape(op(eye), [cols, -1]); // row i = A e_i
    const rows = y.shape[1]!;
    return { data: tf.transpose(y).dataSync() as Float32Array, rows, cols };
  });
}

/** ‖A‖₂ of a linear map on inputs of `shape` (batch 1): Jacobi SVD (float64) of its explicit matrix. */
export function explicitOperatorNorm(op: (x: tf.Tensor) => tf.Tensor, shape: number[]): number {
  const m = explicitOperator(op, shape);
  return singularValues(m.data, m.rows, m.cols)[0]!;
}

/**
 * ‖A‖₂ of a linear map on inputs of `shape` by power iteration through autodiff (the adjoint
 * is `tf.grad` of ⟨A x, y⟩, not any transpose op of the code under test): `iterations`
 * steps v ← AᵀAv/‖AᵀAv‖ from a seeded random v; returns ‖Av‖ (a lower bound, tight once converged).
 */
export function autodiffOperatorNorm(
  op: (x: tf.Tensor) => tf.Tensor,
  shape: number[],
  iterations = 300,
  seed = 11,
): number {
  const adjoint = tf.grad(op);
  let v = tf.tidy(() => {
    const r = tf.randomNormal(shape, 0, 1, 'float32', seed);
    return tf.div(r, tf.norm(r));
  });
  let sigma = 0;
  for (let i = 0; i < iterations; i++) {
    const next = tf.tidy(() => {
      const y = op(v);
      if (i === iterations - 1) sigma = tf.norm(y).dataSync()[0]!;
      const w = adjoint(v, y);
      return tf.div(w, tf.norm(w));
    });
    v.dispose();
    v = next;
  }
  v.dispose();
  return sigma;
}
