import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { singularValues } from '@lipnet/test-utils';

/** The kernel a layer actually uses (W̄ computed from the current raw weights). */
export function effectiveKernel(layer: tfl.layers.Layer): tf.Tensor {
  const ws = (layer as unknown as { effectiveWeights(): tf.Tensor[] }).effectiveWeights();
  tf.dispose(ws.slice(1));
  return ws[0]!;
}

/** All singular values (float64 Jacobi SVD from test-utils) of a kernel reshaped to [-1, C_out]. */
export function kernelSingularValues(k: tf.Tensor): number[] {
  const cols = k.shape[k.rank - 1]!;
  return singularValues(k.dataSync(), k.size / cols, cols);
}

export interface LipschitzEstimate {
  /** max over random inputs x and random unit c of ‖∇ₓ⟨c, f(x)⟩‖ (each a lower bound of ‖J(x)‖). */
  gradientNorm: number;
  /** max over samples of ‖f(a) − f(b)‖ / ‖a − b‖ after gradient ascent on that ratio (pairs a, b). */
  ascent: number;
  /** max of both. */
  max: number;
}

/**
 * Empirical Lipschitz constant (a lower bound of the true one) of a batched
 * function f: [n, ...in] → [n, ...out], acting sample-wise:
 * (1) input-gradient norms ‖∇ₓ⟨c, f(x)⟩‖₂ over random x and random unit c;
 * (2) gradient ascent on log(‖f(a) − f(b)‖/‖a − b‖) over pairs (a, b), starting
 *     from b = x, a = x + small noise, with L2-normalised steps on a and b, which
 *     for a linear map is a power iteration on JᵀJ, and for a piecewise-linear
 *     map climbs ‖J v‖ across regions.
 */
export function empiricalLipschitz(
  f: (x: tf.Tensor) => tf.Tensor,
  inputShape: number[],
  opts: { samples?: number; steps?: number; lr?: number; seed?: number; scale?: number } = {},
): LipschitzEstimate {
  const n = opts.samples ?? 4;
  const steps = opts.steps ?? 30;
  const lr = opts.lr ?? 0.5;
  const seed = opts.seed ?? 1;
  const scale = opts.scale ?? 1;
  const shape = [n, ...inputShape];
  const perSampleNorm = (t: tf.Tensor) =>
    tf.sqrt(
      tf.sum(
        tf.square(t),
        t.shape.slice(1).map((_, i) => i + 1),
      ),
    );
  let gradientNorm = 0;
  tf.tidy(() => {
    const x = tf.randomUniform(shape, -scale, scale, 'float32', seed);
    const y = f(x);
    const c = tf.randomNormal(y.shape, 0, 1, 'float32', seed + 1);
    const cu = tf.div(c, tf.reshape(perSampleNorm(c), [n, ...y.shape.slice(1).map(() => 1)]));
    const g = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(f(xx), cu)))(x);
    gradientNorm = Math.max(...Array.from(perSampleNorm(g).dataSync()));
  });
  let ascent = 0;
  let a = tf.keep(tf.randomUniform(shape, -scale, scale, 'float32', seed + 2));
  let b = tf.keep(tf.add(a, tf.randomNormal(shape, 0, 1e-2 * scale, 'float32', seed + 3)));
  const ratio = (aa: tf.Tensor, bb: tf.Tensor) => {
    // one call of f on both halves: a reparametrised layer under a tape normalises its kernel once
    const [fa, fb] = tf.split(f(tf.concat([aa, bb], 0)), 2, 0);
    return tf.div(perSampleNorm(tf.sub(fa!, fb!)), tf.add(perSampleNorm(tf.sub(aa, bb)), 1e-12));
  };
  for (let i = 0; i <= steps; i++) {
    const r = tf.tidy(() => ratio(a, b).dataSync());
    ascent = Math.max(ascent, ...Array.from(r));
    if (i === steps) break;
    const [na, nb] = tf.tidy((): tf.Tensor[] => {
      const gfun = tf.grads((aa: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.log(ratio(aa, bb))));
      const [ga, gb] = gfun([a, b]);
      const dist = tf.reshape(perSampleNorm(tf.sub(a, b)), [n, ...inputShape.map(() => 1)]);
      const step = (g: tf.Tensor) =>
        tf.mul(
          tf.div(g, tf.add(tf.reshape(perSampleNorm(g), [n, ...inputShape.map(() => 1)]), 1e-12)),
          tf.mul(dist, lr),
        );
      return [tf.keep(tf.add(a, step(ga!))), tf.keep(tf.add(b, step(gb!)))];
    });
    a.dispose();
    b.dispose();
    a = na!;
    b = nb!;
  }
  a.dispose();
  b.dispose();
  return { gradientNorm, ascent, max: Math.max(gradientNorm, ascent) };
}

/** A one-layer model around `layer` for `inputShape` (without batch). */
export function wrap(layer: tfl.layers.Layer, inputShape: number[]): tfl.Sequential {
  const m = tfl.sequential();
  m.add(tfl.layers.inputLayer({ inputShape }));
  m.add(layer);
  return m;
}

/** Runs `steps` Adam steps of MSE regression towards random targets. */
export async function fitSteps(
  model: tfl.LayersModel,
  inputShape: number[],
  steps = 20,
  lr = 0.1,
  batch = 4,
): Promise<void> {
  model.compile({ optimizer: tf.train.adam(lr), loss: 'meanSquaredError' });
  const x = tf.randomNormal([batch, ...inputShape], 0, 1, 'float32', 42);
  const outShape = (model.outputs[0]!.shape as number[]).slice(1);
  const y = tf.mul(3, tf.randomNormal([batch, ...outShape], 0, 1, 'float32', 43));
  await model.fit(x, y, { epochs: steps, batchSize: batch, verbose: 0, shuffle: false });
  x.dispose();
  y.dispose();
}
