import * as tf from '@tensorflow/tfjs-core';

/**
 * Power iteration on a linear operator given only by its forward map `op`
 * (the adjoint comes from `tf.grad(op)(x, dy) = Aᵀdy`): v ← AᵀAv/‖AᵀAv‖, until
 * ‖Av‖ changes by less than `tol` (relative). Returns ‖Av‖ for the final unit v,
 * a lower bound of ‖A‖₂ (up to float32 rounding). `op` must be linear (no bias).
 */
export function operatorPowerIteration(
  op: (x: tf.Tensor) => tf.Tensor,
  inputShape: number[],
  options: { maxIter?: number; tol?: number; seed?: number } = {},
): { sigma: number; iterations: number } {
  const { maxIter = 200, tol = 1e-6, seed = 7 } = options;
  const adj = tf.grad(op);
  let v = tf.tidy(() => {
    const r = tf.randomNormal(inputShape, 0, 1, 'float32', seed);
    return tf.div(r, tf.norm(r));
  });
  let sigma = 0;
  let it = 1;
  try {
    for (; it <= maxIter; it++) {
      const [next, s] = tf.tidy(() => {
        const u = op(v);
        const w = adj(v, u);
        const nw = tf.norm(w);
        return [tf.div(w, tf.maximum(nw, 1e-30)), tf.norm(u)] as [tf.Tensor, tf.Tensor];
      });
      const sv = s.dataSync()[0]!;
      s.dispose();
      v.dispose();
      v = next;
      const prev = sigma;
      sigma = Math.max(sigma, sv);
      if (it > 3 && Math.abs(sigma - prev) <= tol * sigma) break;
    }
  } finally {
    v.dispose();
  }
  return { sigma, iterations: it };
}
