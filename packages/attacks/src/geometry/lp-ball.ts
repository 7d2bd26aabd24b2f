// Lp-ball geometry shared by the fixed-ε and minimum-norm attacks: normalisation, random points
// inside a ball, and the Euclidean projection onto the L1 ball. Functional tfjs ops only.
import * as tf from '@tensorflow/tfjs-core';
import { norms, perSample } from '../ops';

/** `g / max(‖g‖₁, 1e-12)` per sample (foolbox `normalize_lp_norms(p=1)`). */
export function normalizeL1(g: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.div(g, perSample(tf.maximum(norms(g, 'l1'), 1e-12), g.rank)));
}

/**
 * Uniform sample of the unit L1 ball, `[n, d]` (foolbox `uniform_l1_n_balls`): the spacings of
 * `d` sorted uniforms are uniform on the simplex interior; a random sign per coordinate.
 */
export function uniformL1Ball(n: number, d: number, seed: number): tf.Tensor2D {
  return tf.tidy(() => {
    const u = tf.randomUniform([n, d], 0, 1, 'float32', seed);
    const v = tf.reverse(tf.topk(u, d).values, 1); // ascending
    const prev = tf.concat([tf.zeros([n, 1]), tf.slice(v, [0, 0], [n, d - 1])], 1);
    const sign = tf.sign(tf.randomUniform([n, d], -1, 1, 'float32', seed + 1));
    return tf.mul(tf.sub(v, prev), sign) as tf.Tensor2D;
  });
}

/**
 * Uniform sample of the unit L2 ball, `[n, d]` (foolbox `uniform_l2_n_balls`, Voelker et al. 2017):
 * the first d coordinates of a uniform point on the sphere S^(d+1).
 */
export function uniformL2Ball(n: number, d: number, seed: number): tf.Tensor2D {
  return tf.tidy(() => {
    const s = tf.randomNormal([n, d + 2], 0, 1, 'float32', seed);
    return tf.slice(tf.div(s, tf.expandDims(norms(s), 1)), [0, 0], [n, d]) as tf.Tensor2D;
  });
}

/** `x0 + ε·u` with `u` uniform in the unit ball of the norm, shaped like `x0` (foolbox `get_random_start`). */
export function randomStart(x0: tf.Tensor, eps: number, ord: 'l1' | 'l2' | 'linf', seed: number): tf.Tensor {
  return tf.tidy(() => {
    if (ord === 'linf') return tf.add(x0, tf.randomUniform(x0.shape, -eps, eps, 'float32', seed));
    const n = x0.shape[0];
    const u = ord === 'l1' ? uniformL1Ball(n, x0.size / n, seed) : uniformL2Ball(n, x0.size / n, seed);
    return tf.add(x0, tf.mul(tf.reshape(u, x0.shape), eps));
  });
}

/**
 * Euclidean projection of each row of `delta` onto the L1 ball of radius ε (scalar or `[N]`)
 * (Duchi et al. 2008, as foolbox `project_onto_l1_ball`): `sign(δ)·max(|δ| − θ, 0)` with θ from the
 * sorted magnitudes. Rows already inside the ball are returned unchanged.
 */
export function projectL1Ball(delta: tf.Tensor, eps: number | tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const n = delta.shape[0];
    const f = tf.reshape(delta, [n, -1]);
    const d = f.shape[1] as number;
    const e = typeof eps === 'number' ? tf.fill([n], eps) : eps;
    const abs = tf.abs(f);
    const mu = tf.topk(abs, d).values; // descending
    const cum = tf.cumsum(mu, 1);
    const ar = tf.range(1, d + 1, 1, 'float32');
    // ρ = max{j : μ_j·j > cumsum_j − ε} (1-based); θ = (cumsum_ρ − ε)/ρ.
    const ok = tf.cast(tf.greater(tf.mul(mu, ar), tf.sub(cum, tf.expandDims(e, 1))), 'float32');
    const rho = tf.maximum(tf.max(tf.mul(ok, ar), 1), 1);
    const cumRho = tf.sum(tf.mul(cum, tf.oneHot(tf.cast(tf.sub(rho, 1), 'int32'), d)), 1);
    const theta = tf.div(tf.sub(cumRho, e), rho);
    const proj = tf.mul(tf.sign(f), tf.relu(tf.sub(abs, tf.expandDims(theta, 1))));
    const inside = tf.lessEqual(tf.sum(abs, 1), e);
    return tf.reshape(tf.where(tf.tile(tf.expandDims(inside, 1), [1, d]), f, proj), delta.shape);
  });
}
