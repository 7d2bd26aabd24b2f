// Binary search between a clean input x0 and an adversarial x1 along each norm's path
// (foolbox `mid_points` of FMN and Brendel-Bethge), used to start walking from the boundary.
import * as tf from '@tensorflow/tfjs-core';
import type { AttackContext } from '../attack';
import type { Norm } from '../ops';
import { perSample } from '../ops';

/**
 * The point at fraction `e ∈ [0, 1]` (per sample, `[N]`) of the norm's path from x0 (e = 0) to x1 (e = 1):
 * L2 `(1−e)x0 + e·x1`; L∞ `x0 + clip(x1 − x0, ±e·(max−min))`; L1 shrinks |x1 − x0| by `(1−e)(max−min)`;
 * L0 takes x1's value where `|x1 − x0| < e·(max−min)`.
 */
export function midPoint(norm: Norm, x0: tf.Tensor, x1: tf.Tensor, e: tf.Tensor, lo: number, hi: number): tf.Tensor {
  return tf.tidy(() => {
    const ek = perSample(e, x0.rank);
    const d = tf.sub(x1, x0);
    const s = hi - lo;
    if (norm === 'l2') return tf.add(tf.mul(x1, ek), tf.mul(x0, tf.sub(1, ek)));
    if (norm === 'linf') {
      const lim = tf.mul(ek, s);
      return tf.add(x0, tf.minimum(tf.maximum(d, tf.neg(lim)), lim));
    }
    if (norm === 'l1') {
      const thr = tf.mul(tf.sub(1, ek), s);
      return tf.where(tf.greater(tf.abs(d), thr), tf.add(x0, tf.mul(tf.sign(d), tf.sub(tf.abs(d), thr))), x0);
    }
    return tf.where(tf.less(tf.abs(d), tf.mul(ek, s)), x1, x0);
  });
}

/**
 * `steps` bisections of e on the path from x0 to the adversarial x1 (foolbox's initial binary search);
 * returns the adversarial end `midPoint(upper)`. Samples whose x1 is not adversarial come back as x1.
 */
export async function searchBoundary(
  ctx: AttackContext,
  norm: Norm,
  x0: tf.Tensor,
  x1: tf.Tensor,
  steps: number,
): Promise<tf.Tensor> {
  const n = x0.shape[0];
  const [lo, hi] = ctx.bounds;
  const lower = new Float32Array(n);
  const upper = new Float32Array(n).fill(1);
  for (let k = 0; k < steps; k++) {
    const mid = upper.map((u, i) => (u + (lower[i] as number)) / 2);
    const adv = tf.tidy(() => {
      const e = tf.tensor1d(mid);
      return ctx.isAdversarial(ctx.logits(midPoint(norm, x0, x1, e, lo, hi)));
    });
    const a = await adv.data();
    adv.dispose();
    for (let i = 0; i < n; i++) {
      if (a[i]) upper[i] = mid[i] as number;
      else lower[i] = mid[i] as number;
    }
  }
  return tf.tidy(() => midPoint(norm, x0, x1, tf.tensor1d(upper), lo, hi));
}
