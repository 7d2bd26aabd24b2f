/**
 * Test helpers shared by the activation and pooling tests: fixture access,
 * exact Jacobians (for the empirical Lipschitz constant) and attacked pairs.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { spectralNorm } from '@lipnet/test-utils';

export interface FixtureArray {
  shape: number[];
  values: number[];
}
export interface FixtureCase {
  layer: string;
  config: Record<string, unknown>;
  input: FixtureArray;
  output: FixtureArray;
  alpha?: FixtureArray;
  dy?: FixtureArray;
  grad?: FixtureArray;
  tag?: string;
  source?: string;
}

const fixture = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'activations_pooling.json'), 'utf8'),
) as { meta: Record<string, string>; cases: FixtureCase[] };

/** deel-lip fixture cases of one layer class. */
export function fixtureCases(layer: string): FixtureCase[] {
  return fixture.cases.filter((c) => c.layer === layer);
}
export const fixtureMeta = fixture.meta;

export function toTensor(a: FixtureArray): tf.Tensor {
  return tf.tensor(a.values, a.shape);
}

/** Deterministic pseudo-random normal numbers (Box–Muller on a 32-bit LCG). */
export function randn(n: number, seed: number): number[] {
  let s = seed >>> 0 || 1;
  const u = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 4294967296;
  };
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()));
  return out;
}

/**
 * Exact Jacobian of `f` at a single input `x` (shape [1, ...]), from one batched
 * vector-Jacobian product per output coordinate (row j = ∇ₓ ⟨f(x), e_j⟩), and its
 * spectral norm from the independent Jacobi SVD of @lipnet/test-utils.
 */
export function jacobianNorm(
  f: (x: tf.Tensor) => tf.Tensor,
  x: tf.Tensor,
): { norm: number; rows: number; cols: number } {
  const out = tf.tidy(() => {
    const y = f(x);
    const m = y.size;
    const n = x.size;
    const xs = tf.tile(x, [m, ...x.shape.slice(1).map(() => 1)]);
    const eye = tf.reshape(tf.eye(m), [m, ...y.shape.slice(1)]);
    const jac = tf.grad((z: tf.Tensor) => tf.sum(tf.mul(f(z), eye)))(xs);
    return { data: tf.reshape(jac, [m, n]).dataSync().slice(), m, n };
  });
  return { norm: spectralNorm(out.data, out.m, out.n), rows: out.m, cols: out.n };
}

/**
 * max over random pairs of ‖f(x) − f(y)‖ / ‖x − y‖, the differences taken in float64 from the
 * float32 values; ‖y − x‖ is scaled from 1e-2 to 1 times ‖x‖ across the pairs.
 */
export function maxPairRatio(f: (x: tf.Tensor) => tf.Tensor, shape: number[], pairs: number, seed: number): number {
  const n = shape.reduce((a, b) => a * b, 1);
  const { xs, ys, fx, fy } = tf.tidy(() => {
    const x = tf.tensor(randn(pairs * n, seed), [pairs, ...shape]);
    const scales = tf.tensor(
      Array.from({ length: pairs }, (_, i) => Math.pow(10, -2 + (2 * i) / Math.max(1, pairs - 1))),
      [pairs, ...shape.map(() => 1)],
    );
    const y = tf.add(x, tf.mul(scales, tf.tensor(randn(pairs * n, seed + 1), [pairs, ...shape])));
    return {
      xs: x.dataSync().slice(),
      ys: y.dataSync().slice(),
      fx: f(x).dataSync().slice(),
      fy: f(y).dataSync().slice(),
    };
  });
  const m = fx.length / pairs;
  let best = 0;
  for (let p = 0; p < pairs; p++) {
    let num = 0;
    let den = 0;
    for (let i = 0; i < m; i++) num += (fx[p * m + i]! - fy[p * m + i]!) ** 2;
    for (let i = 0; i < n; i++) den += (xs[p * n + i]! - ys[p * n + i]!) ** 2;
    best = Math.max(best, Math.sqrt(num / den));
  }
  return best;
}

/**
 * Gradient ascent on r(x, y) = ‖f(x) − f(y)‖² / ‖x − y‖² from `pairs` random starts
 * (normalised gradient steps, float32): an attack on the Lipschitz bound. Returns max √r seen.
 */
export function attackPairRatio(
  f: (x: tf.Tensor) => tf.Tensor,
  shape: number[],
  pairs: number,
  steps: number,
  seed: number,
): number {
  const n = shape.reduce((a, b) => a * b, 1);
  let x = tf.tensor(randn(pairs * n, seed), [pairs, ...shape]);
  let y = tf.tensor(randn(pairs * n, seed + 7), [pairs, ...shape]);
  const ratio = (a: tf.Tensor, b: tf.Tensor) =>
    tf.div(
      tf.sum(tf.square(tf.reshape(tf.sub(f(a), f(b)), [pairs, -1])), 1),
      tf.sum(tf.square(tf.reshape(tf.sub(a, b), [pairs, -1])), 1),
    );
  const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(ratio(a, b)));
  let best = 0;
  for (let s = 0; s < steps; s++) {
    const next = tf.tidy(() => {
      const r = ratio(x, y);
      best = Math.max(best, Math.sqrt(tf.max(r).dataSync()[0]!));
      const [gx, gy] = g([x, y]) as [tf.Tensor, tf.Tensor];
      const step = 0.05;
      const axes = shape.map((_, i) => i + 1);
      const unit = (t: tf.Tensor) => tf.div(t, tf.add(tf.sqrt(tf.sum(tf.square(t), axes, true)), 1e-12));
      const nx = tf.add(x, tf.mul(step, unit(gx)));
      const ny = tf.add(y, tf.mul(step, unit(gy)));
      return [nx, ny] as const;
    });
    x.dispose();
    y.dispose();
    [x, y] = next;
  }
  best = Math.max(
    best,
    tf.tidy(() => Math.sqrt(tf.max(ratio(x, y)).dataSync()[0]!)),
  );
  x.dispose();
  y.dispose();
  return best;
}
