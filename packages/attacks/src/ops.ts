// Internal tensor helpers shared by the attacks (not exported from the package). Functional tfjs
// ops only: chained ops (`x.add(y)`) are not registered by tfjs-core's entry point.
import * as tf from '@tensorflow/tfjs-core';

/** Reshapes a per-sample vector `[N]` to `[N, 1, …, 1]` of the given rank. */
export function perSample(v: tf.Tensor, rank: number): tf.Tensor {
  return tf.reshape(v, [v.shape[0] ?? 1, ...new Array<number>(rank - 1).fill(1)]);
}

/** Per-sample select: `mask[i] ? a[i] : b[i]` for batches of any rank. */
export function whereSample(mask: tf.Tensor, a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.where(tf.cast(tf.tile(perSample(mask, a.rank), [1, ...a.shape.slice(1)]), 'bool'), a, b));
}

/** Logit of `cls` per row: `z[i, cls[i]]`. */
export function pick(z: tf.Tensor, cls: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() => tf.sum(tf.mul(z, tf.oneHot(cls as tf.Tensor1D, z.shape[1] ?? 1)), 1) as tf.Tensor1D);
}

/** Largest logit other than `cls`: `max_{j≠cls[i]} z[i, j]` (differentiable). */
export function maxOther(z: tf.Tensor, cls: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() => {
    const mask = tf.cast(tf.oneHot(cls as tf.Tensor1D, z.shape[1] ?? 1), 'bool');
    return tf.max(tf.where(mask, tf.fill(z.shape, -Infinity), z), 1) as tf.Tensor1D;
  });
}

/**
 * Signed margin, positive while the sample is NOT adversarial:
 * untargeted `z_y − max_{j≠y} z_j`; targeted `max_{j≠t} z_j − z_t`.
 */
export function margin(z: tf.Tensor, cls: tf.Tensor, targeted: boolean): tf.Tensor1D {
  return tf.tidy(() => {
    const m = tf.sub(pick(z, cls), maxOther(z, cls));
    return (targeted ? tf.neg(m) : m) as tf.Tensor1D;
  });
}

/** Per-row softmax cross-entropy `−log softmax(z)[cls]`, shape `[N]`. */
export function crossEntropy(z: tf.Tensor, cls: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() => tf.neg(pick(tf.logSoftmax(z), cls)) as tf.Tensor1D);
}

/** Per-sample p-norm of a batch, `[N]`; `ord` 'l2', 'l1' or 'linf'. */
export function norms(t: tf.Tensor, ord: 'l2' | 'l1' | 'linf' = 'l2'): tf.Tensor1D {
  return tf.tidy(() => {
    const f = tf.reshape(t, [t.shape[0] ?? 1, -1]);
    if (ord === 'l2') return tf.sqrt(tf.sum(tf.square(f), 1)) as tf.Tensor1D;
    if (ord === 'l1') return tf.sum(tf.abs(f), 1) as tf.Tensor1D;
    return tf.max(tf.abs(f), 1) as tf.Tensor1D;
  });
}

/** `g / max(‖g‖₂, 1e-12)` per sample (foolbox `normalize_lp_norms(p=2)`). */
export function normalizeL2(g: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.div(g, perSample(tf.maximum(norms(g), 1e-12), g.rank)));
}

/** Projects `x` onto the L2 ball of radius ε (scalar or per-sample `[N]`) around `x0`, leaving points inside bit-for-bit unchanged. */
export function projectL2(x: tf.Tensor, x0: tf.Tensor, eps: number | tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const d = tf.sub(x, x0);
    const n = norms(d);
    const e = typeof eps === 'number' ? tf.scalar(eps) : eps;
    const factor = perSample(tf.minimum(1, tf.div(e, tf.maximum(n, 1e-12))), x.rank);
    return whereSample(tf.lessEqual(n, e), x, tf.add(x0, tf.mul(d, factor)));
  });
}

/** Projects `x` onto the L∞ ball of radius ε around `x0`, leaving coordinates inside unchanged. */
export function projectLinf(x: tf.Tensor, x0: tf.Tensor, eps: number): tf.Tensor {
  return tf.tidy(() => {
    const d = tf.sub(x, x0);
    return tf.where(tf.lessEqual(tf.abs(d), eps), x, tf.add(x0, tf.clipByValue(d, -eps, eps)));
  });
}

/** Clips to [lo, hi], leaving in-range values bit-for-bit unchanged. */
export function clipBounds(x: tf.Tensor, lo: number, hi: number): tf.Tensor {
  return tf.tidy(() =>
    tf.where(tf.logicalAnd(tf.greaterEqual(x, lo), tf.lessEqual(x, hi)), x, tf.clipByValue(x, lo, hi)),
  );
}

/**
 * Restricts `xp − x` to the ε-ball of the given norm and then to the bounds, leaving samples
 * already inside both unchanged (foolbox `clip_perturbation` + `clip`).
 */
export function clipPerturbation(
  x: tf.Tensor,
  xp: tf.Tensor,
  eps: number,
  ord: 'l2' | 'linf',
  lo: number,
  hi: number,
): tf.Tensor {
  return tf.tidy(() => clipBounds(ord === 'linf' ? projectLinf(xp, x, eps) : projectL2(xp, x, eps), lo, hi));
}
