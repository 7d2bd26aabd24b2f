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

/** The norms lipnet's attacks work in (foolbox `l0`, `l1`, `l2`, `linf`). */
export type Norm = 'l0' | 'l1' | 'l2' | 'linf';

/** Per-sample p-norm of a batch, `[N]`; `ord` 'l0' (count of non-zeros), 'l1', 'l2' or 'linf'. */
export function norms(t: tf.Tensor, ord: Norm = 'l2'): tf.Tensor1D {
  return tf.tidy(() => {
    const f = tf.reshape(t, [t.shape[0] ?? 1, -1]);
    if (ord === 'l0') return tf.sum(tf.cast(tf.notEqual(f, 0), 'float32'), 1) as tf.Tensor1D;
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
 * already inside both unchanged (foolbox `clip_perturbation` + `clip`). L1 scales δ down to norm ε
 * (as foolbox does); L0 keeps the ⌊ε⌋ largest |δ| entries (foolbox raises NotImplementedError).
 */
export function clipPerturbation(
  x: tf.Tensor,
  xp: tf.Tensor,
  eps: number,
  ord: Norm,
  lo: number,
  hi: number,
): tf.Tensor {
  return tf.tidy(() => {
    if (ord === 'linf') return clipBounds(projectLinf(xp, x, eps), lo, hi);
    if (ord === 'l2') return clipBounds(projectL2(xp, x, eps), lo, hi);
    if (ord === 'l1') return clipBounds(scaleL1(xp, x, eps), lo, hi);
    return clipBounds(keepLargest(xp, x, eps), lo, hi);
  });
}

/** Scales `x − x0` down to L1 norm ε where it is larger (foolbox `clip_lp_norms(p=1)`); rows inside are unchanged. */
export function scaleL1(x: tf.Tensor, x0: tf.Tensor, eps: number | tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const d = tf.sub(x, x0);
    const n = norms(d, 'l1');
    const e = typeof eps === 'number' ? tf.scalar(eps) : eps;
    const factor = perSample(tf.minimum(1, tf.div(e, tf.maximum(n, 1e-12))), x.rank);
    return whereSample(tf.lessEqual(n, e), x, tf.add(x0, tf.mul(d, factor)));
  });
}

/**
 * L0 projection: keeps the `k = ⌊ε⌋` entries of `x − x0` with the largest magnitude per sample
 * (ε scalar or `[N]`), resetting the others to `x0`. Rows with at most k non-zeros are unchanged.
 */
export function keepLargest(x: tf.Tensor, x0: tf.Tensor, eps: number | tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const n = x.shape[0];
    const d = tf.reshape(tf.sub(x, x0), [n, -1]);
    const dim = d.shape[1] as number;
    const k = tf.cast(tf.clipByValue(tf.floor(typeof eps === 'number' ? tf.fill([n], eps) : eps), 0, dim), 'int32');
    const sorted = tf.topk(tf.abs(d), dim).values; // descending
    // threshold = k-th largest |δ| (k ≥ 1); k = 0 keeps nothing.
    const idx = tf.cast(tf.maximum(tf.sub(k, 1), 0), 'int32') as tf.Tensor1D;
    const thr = tf.sum(tf.mul(sorted, tf.oneHot(idx, dim)), 1, true);
    const keep = tf.logicalAnd(tf.greaterEqual(tf.abs(d), thr), tf.expandDims(tf.greater(k, 0), 1));
    return tf.reshape(tf.where(keep, tf.reshape(x, [n, -1]), tf.reshape(x0, [n, -1])), x.shape);
  });
}
