import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { Rng } from '../src/rng';

/** A linear classifier `z = xW + b` with its weights on the host, for closed-form oracles. */
export interface LinearProblem {
  W: number[][]; // [D][C]
  b: number[];
  x: number[][]; // [N][D]
  labels: number[];
  /** Minimal L2 distance to the decision boundary: min_{j≠y} (f_y − f_j)/‖w_y − w_j‖₂. */
  dL2: number[];
  /** Minimal L∞ distance: min_{j≠y} (f_y − f_j)/‖w_y − w_j‖₁. */
  dLinf: number[];
  model: (x: tf.Tensor) => tf.Tensor;
  images: tf.Tensor2D;
  dispose(): void;
}

export function logitsHost(p: { W: number[][]; b: number[] }, x: number[]): number[] {
  return p.b.map((bj, j) => x.reduce((s, xi, i) => s + xi * (p.W[i] as number[])[j]!, bj));
}

/**
 * Builds a seeded linear problem (weights scaled by `logitScale`, which leaves every decision
 * boundary and distance unchanged) whose points are correctly labelled (label = argmax) and whose
 * L2-minimal adversarial lies well inside [0, 1] (checked: x + minimal step stays in bounds).
 */
export function linearProblem(
  seed: number,
  n: number,
  d: number,
  c: number,
  logitScale = 1,
  range: [number, number] = [0.05, 0.25],
): LinearProblem {
  const rng = new Rng(seed);
  const W = Array.from({ length: d }, () => Array.from({ length: c }, () => logitScale * rng.normal()));
  const b = Array.from({ length: c }, () => logitScale * 0.3 * rng.normal());
  const x: number[][] = [];
  const labels: number[] = [];
  const dL2: number[] = [];
  const dLinf: number[] = [];
  for (let tries = 0; x.length < n && tries < 100000; tries++) {
    const xi = Array.from({ length: d }, () => 0.3 + 0.4 * rng.uniform());
    const f = logitsHost({ W, b }, xi);
    const y = f.indexOf(Math.max(...f));
    let best = Infinity;
    let bestJ = -1;
    let bestLinf = Infinity;
    for (let j = 0; j < c; j++) {
      if (j === y) continue;
      const diff = W.map((row) => row[y]! - row[j]!);
      const nrm = Math.sqrt(diff.reduce((s, v) => s + v * v, 0));
      const l1 = diff.reduce((s, v) => s + Math.abs(v), 0);
      const dist = (f[y]! - f[j]!) / nrm;
      if (dist < best) {
        best = dist;
        bestJ = j;
      }
      bestLinf = Math.min(bestLinf, (f[y]! - f[j]!) / l1);
    }
    if (best < range[0] || best > range[1]) continue;
    // The minimal L2 step moves x by best·(w_j − w_y)/‖·‖: keep it inside [0, 1].
    const diff = W.map((row) => row[bestJ]! - row[y]!);
    const nrm = Math.sqrt(diff.reduce((s, v) => s + v * v, 0));
    const moved = xi.map((v, i) => v + (best * diff[i]!) / nrm);
    if (moved.some((v) => v < 0.01 || v > 0.99)) continue;
    x.push(xi);
    labels.push(y);
    dL2.push(best);
    dLinf.push(bestLinf);
  }
  const Wt = tf.tensor2d(W);
  const bt = tf.tensor1d(b);
  const images = tf.tensor2d(x);
  return {
    W,
    b,
    x,
    labels,
    dL2,
    dLinf,
    images,
    model: (t) => tf.tidy(() => tf.add(tf.matMul(tf.reshape(t, [t.shape[0], -1]), Wt), bt)),
    dispose: () => tf.dispose([Wt, bt, images]),
  };
}

/**
 * Synthetic, linearly separable 8×8 grey images: class k lights up its own 4×4 quadrant
 * (intensity 0.45–0.65) over background noise in [0.25, 0.55].
 */
export function quadrantData(seed: number, n: number, classes = 3): { x: tf.Tensor4D; y: number[] } {
  const rng = new Rng(seed);
  const data = new Float32Array(n * 64);
  const y: number[] = [];
  for (let s = 0; s < n; s++) {
    const k = s % classes;
    y.push(k);
    const qr = Math.floor(k / 2) * 4;
    const qc = (k % 2) * 4;
    for (let r = 0; r < 8; r++) {
      for (let col = 0; col < 8; col++) {
        const inQ = r >= qr && r < qr + 4 && col >= qc && col < qc + 4;
        data[s * 64 + r * 8 + col] = inQ ? 0.45 + 0.2 * rng.uniform() : 0.25 + 0.3 * rng.uniform();
      }
    }
  }
  return { x: tf.tensor4d(data, [n, 8, 8, 1]), y };
}

/** A small non-robust conv net trained for a few epochs on {@link quadrantData}; returns it and its clean accuracy. */
export async function trainedConvNet(): Promise<{ model: tfl.LayersModel; accuracy: number }> {
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        inputShape: [8, 8, 1],
        filters: 4,
        kernelSize: 3,
        activation: 'relu',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }),
      }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 3, kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }),
    ],
  });
  model.compile({
    optimizer: tf.train.adam(0.02),
    loss: (yt: tf.Tensor, yp: tf.Tensor) => tf.losses.softmaxCrossEntropy(yt, yp),
  });
  const { x, y } = quadrantData(7, 120);
  const yt = tf.oneHot(tf.tensor1d(y, 'int32'), 3);
  await model.fit(x, yt, { epochs: 15, batchSize: 60, verbose: 0, shuffle: false });
  const test = quadrantData(99, 30);
  const pred = tf.tidy(() => tf.argMax(model.predict(test.x) as tf.Tensor, 1).dataSync());
  const accuracy = test.y.filter((v, i) => pred[i] === v).length / test.y.length;
  tf.dispose([x, yt, test.x]);
  return { model, accuracy };
}
