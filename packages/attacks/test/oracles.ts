// Closed-form (exact) minimal adversarial distances of linear classifiers, box constraints included.
// For z = xW + b the region "argmax ≠ y" is the union over j ≠ y of the half-spaces
// g_j·δ ≥ m_j with g_j = w_j − w_y and m_j = f_y − f_j, so the minimum over j of each half-space's
// distance inside the box is the exact minimal distance in any norm:
//   L1: fill coordinates by |g_n| descending (a fractional knapsack, exact for an LP);
//   L0: fill coordinates by the largest possible gain |g_n|·room_n;
//   L2: δ_n = min(λ|g_n|, room_n) with λ from Σ|g_n|δ_n = m (KKT), bisection on λ;
//   L∞: δ_n = min(t, room_n) with t from Σ|g_n|δ_n = m, bisection on t.
// Without the box these reduce to m/‖g‖_q (q the dual norm); the helpers return Infinity when the
// box does not allow crossing.
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../src/rng';
import { logitsHost } from './helpers';

export type NormName = 'l0' | 'l1' | 'l2' | 'linf';

/** Minimal distance to the half-space g·δ ≥ m inside x + δ ∈ [lo, hi]. */
export function halfSpaceDistance(g: number[], m: number, x: number[], norm: NormName, lo = 0, hi = 1): number {
  if (m <= 0) return 0;
  const room = g.map((gn, i) => (gn > 0 ? hi - x[i]! : gn < 0 ? x[i]! - lo : 0));
  const gain = g.map(Math.abs);
  const maxGain = gain.reduce((s, v, i) => s + v * room[i]!, 0);
  if (maxGain < m) return Infinity;
  const order = (key: (i: number) => number) => g.map((_, i) => i).sort((a, b) => key(b) - key(a));
  if (norm === 'l1' || norm === 'l0') {
    let left = m;
    let dist = 0;
    for (const i of order(norm === 'l1' ? (k) => gain[k]! : (k) => gain[k]! * room[k]!)) {
      if (left <= 0) break;
      const t = Math.min(room[i]!, left / gain[i]!);
      left -= t * gain[i]!;
      dist += norm === 'l1' ? t : 1;
    }
    return dist;
  }
  const step = (p: number) => (i: number) => Math.min(norm === 'l2' ? p * gain[i]! : p, room[i]!);
  const reach = (p: number) => g.reduce((s, _, i) => s + gain[i]! * step(p)(i), 0);
  let a = 0;
  let b = 1;
  while (reach(b) < m) b *= 2;
  for (let k = 0; k < 200; k++) {
    const c = (a + b) / 2;
    if (reach(c) < m) a = c;
    else b = c;
  }
  const d = g.map((_, i) => step(b)(i));
  return norm === 'l2' ? Math.sqrt(d.reduce((s, v) => s + v * v, 0)) : Math.max(...d);
}

/** Exact minimal adversarial distance of x (label y) under z = xW + b inside [lo, hi]. */
export function linearMinimum(
  p: { W: number[][]; b: number[] },
  x: number[],
  y: number,
  norm: NormName,
  lo = 0,
  hi = 1,
): number {
  const f = logitsHost(p, x);
  let best = Infinity;
  for (let j = 0; j < f.length; j++) {
    if (j === y) continue;
    const g = p.W.map((row) => row[j]! - row[y]!);
    best = Math.min(best, halfSpaceDistance(g, f[y]! - f[j]!, x, norm, lo, hi));
  }
  return best;
}

/** A binary linear problem with w₁ − w₀ = a·s, s ∈ {±1}^D (see fixed-epsilon.test.ts). */
export interface AlignedProblem {
  W: number[][];
  b: number[];
  s: number[];
  x: number[][];
  labels: number[];
  /** Minimal distances per norm, `m/a`, `m/(a√D)`, `m/(aD)`. */
  minimum: { l1: number[]; l2: number[]; linf: number[] };
  model: (x: tf.Tensor) => tf.Tensor;
  images: tf.Tensor2D;
  dispose(): void;
}

/** Seeded {@link AlignedProblem} with n points in [0.3, 0.7]^d whose L1 minimum is in [0.02, 0.2]. */
export function alignedBinaryProblem(seed: number, n: number, d: number, a = 1): AlignedProblem {
  const rng = new Rng(seed);
  const s = Array.from({ length: d }, () => (rng.uniform() < 0.5 ? -1 : 1));
  const W = Array.from({ length: d }, (_, i) => {
    const w0 = rng.normal();
    return [w0, w0 + a * s[i]!];
  });
  const b = [0.2 * rng.normal(), 0.2 * rng.normal()];
  const x: number[][] = [];
  const labels: number[] = [];
  const m: number[] = [];
  while (x.length < n) {
    const xi = Array.from({ length: d }, () => 0.3 + 0.4 * rng.uniform());
    const f = logitsHost({ W, b }, xi);
    const margin = Math.abs(f[1]! - f[0]!);
    if (margin / a < 0.02 || margin / a > 0.2) continue;
    x.push(xi);
    labels.push(f[1]! > f[0]! ? 1 : 0);
    m.push(margin);
  }
  const Wt = tf.tensor2d(W);
  const bt = tf.tensor1d(b);
  const images = tf.tensor2d(x);
  return {
    W,
    b,
    s,
    x,
    labels,
    minimum: {
      l1: m.map((v) => v / a),
      l2: m.map((v) => v / (a * Math.sqrt(d))),
      linf: m.map((v) => v / (a * d)),
    },
    images,
    model: (t) => tf.tidy(() => tf.add(tf.matMul(tf.reshape(t, [t.shape[0], -1]), Wt), bt)),
    dispose: () => tf.dispose([Wt, bt, images]),
  };
}
