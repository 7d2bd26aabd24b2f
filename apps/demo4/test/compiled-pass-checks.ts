/**
 * What a compiled training pass (@lipnet/backend's `compileTrainingForward`:
 * TensorFlow graph runs on the native backend, kernel by kernel on wasm) must
 * satisfy, for the tests of each backend: the same loss, the same gradients of
 * every trainable weight (1e-5 relative) and the same power-iteration state as
 * the eager `model.apply(x, { training: true })`; model.predict's logits; no
 * tensor leaked; bad batches refused.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { compileTrainingForward, type TrainingForward } from '@lipnet/backend';
import {
  GroupSort,
  frobeniusDense,
  scaledL2NormPooling2D,
  sequential,
  spectralConv2d,
  spectralDense,
} from '@lipnet/layers';
import { MulticlassHKR } from '@lipnet/losses';
import { buildHkrModel } from '../src/model/hkr-model';
import { categoricalAccuracy, type LossOrMetric } from '../src/model/loss-and-metrics';
import type { RunSettings } from '../src/training/checkpoint';
import { freshProgress, train } from '../src/training/loop';

export const hkr = MulticlassHKR({ alpha: 100, minMargin: 0.25, deelLipVersion: '1.2' }) as unknown as LossOrMetric;

/** Random biases (a zero bias would hide a bias path) and labels. */
export function batch(model: tfl.LayersModel, n: number, seed: number): [tf.Tensor, tf.Tensor] {
  for (const w of model.weights)
    if (/bias$/.test(w.originalName)) w.write(tf.randomNormal(w.shape as number[], 0, 0.1, 'float32', seed + 1));
  const shape = [n, ...(model.inputs[0]!.shape.slice(1) as number[])];
  const x = tf.randomUniform(shape, 0, 1, 'float32', seed);
  const y = tf.tidy(() => tf.cast(tf.oneHot(tf.randomUniform([n], 0, 10, 'int32', seed + 2), 10), 'float32'));
  return [x, y];
}

/** Loss, gradients and the untrainable state after one differentiated forward pass from the same state. */
function gradsOf(
  model: tfl.LayersModel,
  forward: (x: tf.Tensor) => tf.Tensor,
  x: tf.Tensor,
  y: tf.Tensor,
  start: tf.Tensor[],
) {
  const state = model.weights.filter((w) => !w.trainable);
  state.forEach((w, i) => w.write(start[i]!));
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const r = tf.variableGrads(() => tf.mean(hkr(y, forward(x))) as tf.Scalar, vars);
  return { ...r, state: state.map((w) => w.read().clone()) };
}

export const maxAbs = (a: tf.Tensor, b?: tf.Tensor) =>
  tf.tidy(() => tf.max(tf.abs(b ? tf.sub(a, b) : a)).dataSync()[0]!);

/** The graph's inference run gives model.predict's logits (1e-5) and leaks nothing. */
function expectSamePredictions(model: tfl.LayersModel, compiled: TrainingForward, x: tf.Tensor): void {
  const want = model.predict(x) as tf.Tensor;
  const got = compiled.predict(x);
  expect(got.shape).toEqual(want.shape);
  expect(maxAbs(got, want)).toBeLessThanOrEqual(1e-5 * maxAbs(want));
  tf.dispose([want, got]);
  const before = tf.memory().numTensors;
  for (let i = 0; i < 2; i++) compiled.predict(x).dispose();
  expect(tf.memory().numTensors).toBe(before);
}

/** Checks `compileTrainingForward(model)` against the eager pass on a batch of `n` (see the file comment). */
export function expectSameGradients(model: tfl.LayersModel, n: number): void {
  const [x, y] = batch(model, n, 11);
  const compiled = compileTrainingForward(model);
  expect(compiled).not.toBeNull();
  const start = model.weights.filter((w) => !w.trainable).map((w) => w.read().clone());
  const eager = gradsOf(model, (v) => model.apply(v, { training: true }) as tf.Tensor, x, y, start);
  const graph = gradsOf(model, (v) => compiled!.apply(v), x, y, start);
  expect(Math.abs(graph.value.dataSync()[0]! - eager.value.dataSync()[0]!)).toBeLessThan(1e-5);
  for (const [name, g] of Object.entries(eager.grads)) {
    expect(maxAbs(g)).toBeGreaterThan(1e-6); // a gradient, not zeros
    expect(maxAbs(graph.grads[name]!, g)).toBeLessThanOrEqual(1e-5 * maxAbs(g));
  }
  eager.state.forEach((s, i) => expect(maxAbs(graph.state[i]!, s)).toBe(0));
  tf.dispose([eager.value, graph.value, ...Object.values(eager.grads), ...Object.values(graph.grads)]);
  tf.dispose([...eager.state, ...graph.state]);
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) {
    const r = gradsOf(model, (v) => compiled!.apply(v), x, y, start);
    tf.dispose([r.value, ...Object.values(r.grads), ...r.state]);
  }
  expect(tf.memory().numTensors).toBe(before);
  const times = compiled!.runTimes();
  expect([times.forwardRuns, times.backwardRuns]).toEqual([4, 4]); // one forward and one backward run per step
  expect(times.forwardMs).toBeGreaterThan(0);
  expectSamePredictions(model, compiled!, x);
  const refuse = (bad: tf.Tensor, got: string) => {
    for (const method of ['apply', 'predict'] as const) {
      const msg = new RegExp(`TrainingForward.${method}.*expected a non-empty float32 batch of shape .*got ${got}`);
      expect(() => compiled![method](bad)).toThrow(msg);
    }
    bad.dispose();
  };
  const inner = x.shape.slice(1);
  refuse(tf.zeros([2, 3]), 'float32 \\[2, 3\\]'); // shape
  refuse(tf.zeros([2, ...inner], 'int32'), 'int32 \\[2, '); // dtype
  refuse(tf.zeros([0, ...inner]), 'float32 \\[0, '); // empty batch
  compiled!.dispose();
  compiled!.dispose();
  expect(() => compiled!.apply(x)).toThrow(/after dispose/);
  tf.dispose([x, y, ...start]);
}

/**
 * A network with the other layer forms the compiled passes take: a 'valid'
 * stride-2 conv + relu, a GroupSort layer, a conv + GroupSort + 3×2 pooling, a
 * no-bias GroupSort dense, a bias-only dense, a Frobenius dense.
 */
export function otherFormsModel(): tfl.LayersModel {
  return sequential({
    warn: () => undefined,
    layers: [
      spectralConv2d({
        inputShape: [13, 11, 3],
        filters: 6,
        kernelSize: [3, 3],
        strides: [2, 2],
        padding: 'valid',
        activation: 'relu',
      }),
      new GroupSort({ n: 2 }),
      spectralConv2d({ filters: 4, kernelSize: [3, 3], activation: new GroupSort({ n: 2 }) }),
      scaledL2NormPooling2D({ poolSize: [3, 2] }),
      tfl.layers.flatten(),
      spectralDense({ units: 8, activation: new GroupSort({ n: 2 }), useBias: false }),
      spectralDense({ units: 6 }),
      frobeniusDense({ units: 10, useBias: false, disjointNeurons: true }),
    ],
  });
}

/**
 * demo4's training loop (batch 16, two epochs, validation included) with the
 * compiled pass, then with it switched off (`compiledOff`, then `compiledOn`):
 * the same losses and weights at the end (1e-5).
 */
export async function expectSameTraining(compiledOff: () => void, compiledOn: () => void): Promise<void> {
  const settings: RunSettings = {
    batchSize: 16,
    trainLimit: null,
    seed: 5,
    learningRate: 1e-3,
    modelSignature: 'g',
    valLimit: null,
    data: 'x',
  };
  const run = async () => {
    const model = buildHkrModel(4);
    const [x, y] = batch(model, 40, 21);
    const [xVal, yVal] = batch(model, 24, 31);
    const progress = freshProgress(settings.seed);
    await train({
      xVal,
      yVal,
      model,
      optimizer: tf.train.adam(settings.learningRate),
      loss: { name: 'loss', fn: hkr },
      metrics: [{ name: 'accuracy', fn: categoricalAccuracy }],
      xTrain: x,
      yTrain: y,
      epochs: 2,
      settings,
      progress,
      sink: { write: () => true },
    });
    tf.dispose([x, y, xVal, yVal]);
    const weights = model.weights.map((w) => w.read().clone());
    model.dispose();
    return { weights, loss: [...progress.history['loss']!, ...progress.history['val_loss']!] };
  };
  const graph = await run();
  compiledOff();
  const eager = await run();
  compiledOn();
  graph.loss.forEach((l, i) => expect(Math.abs(l - eager.loss[i]!)).toBeLessThan(1e-5 * Math.abs(eager.loss[i]!)));
  eager.weights.forEach((w, i) =>
    expect(maxAbs(graph.weights[i]!, w)).toBeLessThanOrEqual(1e-5 * Math.max(1, maxAbs(w))),
  );
  tf.dispose([...graph.weights, ...eager.weights]);
}
