/**
 * Live training in the page: mini-batch Adam on the shipped training images,
 * one `optimizer.minimize` per step inside the engine's scope (no tensor
 * survives a step but the weights and the optimizer state), reporting every
 * step's loss and accuracy and each epoch's validation accuracy.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { Rng } from '@lipnet/attacks';
import type { PackedImages } from '../data/packed-images';
import { imagesTensor, predictInBatches } from '../model/model-under-test';
import { yieldToPage } from '../yield';

/** Training settings. */
export interface TrainSettings {
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Seed of the shuffling. */
  seed: number;
}

/** Reported after each step. */
export interface StepLog {
  epoch: number;
  step: number;
  /** Steps done since the start. */
  globalStep: number;
  /** Loss and accuracy on this batch, before its update (Keras' convention). */
  loss: number;
  accuracy: number;
  /** Images per second of this step (forward + backward + update). */
  imagesPerSecond: number;
}

/** Reported after each epoch. */
export interface EpochLog {
  epoch: number;
  /** Batch-size-weighted means over the epoch. */
  loss: number;
  accuracy: number;
  /** Accuracy of the model on the test images (inference mode). */
  valAccuracy: number;
}

/** What {@link trainLive} returns. */
export interface TrainSummary {
  steps: number;
  epochs: EpochLog[];
  /** Images per second over all steps but the first (compilation / warm-up). */
  imagesPerSecond: number;
  stopped: boolean;
  /**
   * The largest, over epochs, of (tensors alive after the epoch's last step) −
   * (after its first step): 0 when the steps leak nothing. (The first step and
   * the first validation pass may build layers' lazy state, owned by the model.)
   */
  tensorGrowth: number;
}

function permutation(n: number, rng: Rng): Int32Array {
  const p = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1));
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  return p;
}

function checkSettings(s: TrainSettings): void {
  for (const k of ['epochs', 'batchSize'] as const) {
    if (!Number.isInteger(s[k]) || s[k] < 1) {
      throw new RangeError(`trainLive: expected \`${k}\` to be a positive integer, got ${String(s[k])}.`);
    }
  }
  if (!(s.learningRate > 0 && Number.isFinite(s.learningRate))) {
    throw new RangeError(`trainLive: expected \`learningRate\` > 0, got ${String(s.learningRate)}. Try 1e-3.`);
  }
}

async function validationAccuracy(model: tfl.LayersModel, x: tf.Tensor, labels: Uint8Array): Promise<number> {
  const logits = await predictInBatches(model, x);
  const pred = tf.argMax(logits, 1);
  const p = await pred.data();
  tf.dispose([logits, pred]);
  let k = 0;
  for (let i = 0; i < p.length; i++) if (p[i] === labels[i]) k++;
  return k / p.length;
}

/** One Adam step on the images `idx`; returns [loss, accuracy] of the batch before the update (caller disposes). */
function trainStep(
  model: tfl.LayersModel,
  optimizer: tf.Optimizer,
  loss: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar,
  x: tf.Tensor,
  y: tf.Tensor,
  idx: Int32Array,
): tf.Tensor1D {
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  return tf.tidy(() => {
    const ids = tf.tensor1d(idx, 'int32');
    const xb = tf.gather(x, ids);
    const yb = tf.gather(y, ids);
    let metrics: tf.Tensor1D | undefined;
    optimizer.minimize(
      () => {
        const p = model.apply(xb, { training: true }) as tf.Tensor;
        const l = loss(yb, p);
        const acc = tf.mean(tf.cast(tf.equal(tf.argMax(p, 1), tf.argMax(yb, 1)), 'float32'));
        metrics = tf.keep(tf.stack([l, acc]) as tf.Tensor1D);
        return l;
      },
      false,
      vars,
    );
    return metrics!;
  });
}

/**
 * Trains `model` with `loss` on `train`, validating on `val` after each epoch.
 * Stops between two steps when `signal` aborts.
 */
export async function trainLive(
  model: tfl.LayersModel,
  loss: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar,
  train: PackedImages,
  val: PackedImages,
  s: TrainSettings,
  hooks: { signal?: AbortSignal; onStep?: (l: StepLog) => void; onEpoch?: (l: EpochLog) => void } = {},
): Promise<TrainSummary> {
  checkSettings(s);
  const optimizer = tf.train.adam(s.learningRate);
  const x = imagesTensor(train);
  const y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(train.labels, 'int32'), 10), 'float32'));
  const xVal = imagesTensor(val);
  const rng = new Rng(s.seed);
  const epochs: EpochLog[] = [];
  let globalStep = 0;
  let images = 0;
  let seconds = 0;
  let tensorGrowth = 0;
  try {
    for (let epoch = 0; epoch < s.epochs && !hooks.signal?.aborted; epoch++) {
      const order = permutation(train.n, rng);
      let sumLoss = 0;
      let sumAcc = 0;
      let seen = 0;
      let afterFirstStep = 0;
      for (let start = 0; start < train.n && !hooks.signal?.aborted; start += s.batchSize) {
        const idx = order.subarray(start, Math.min(train.n, start + s.batchSize));
        const t0 = performance.now();
        const out = trainStep(model, optimizer, loss, x, y, idx);
        const [l, acc] = Array.from(await out.data());
        out.dispose();
        if (seen === 0) afterFirstStep = tf.memory().numTensors;
        const dt = (performance.now() - t0) / 1000;
        if (globalStep > 0) [images, seconds] = [images + idx.length, seconds + dt];
        globalStep++;
        sumLoss += l! * idx.length;
        sumAcc += acc! * idx.length;
        seen += idx.length;
        hooks.onStep?.({
          epoch,
          step: start / s.batchSize,
          globalStep,
          loss: l!,
          accuracy: acc!,
          imagesPerSecond: idx.length / dt,
        });
        await yieldToPage();
      }
      tensorGrowth = Math.max(tensorGrowth, tf.memory().numTensors - afterFirstStep);
      if (hooks.signal?.aborted) break; // a partial epoch is not reported as one
      const log = {
        epoch,
        loss: sumLoss / seen,
        accuracy: sumAcc / seen,
        valAccuracy: await validationAccuracy(model, xVal, val.labels),
      };
      epochs.push(log);
      hooks.onEpoch?.(log);
    }
  } finally {
    tf.dispose([x, y, xVal]);
    optimizer.dispose();
  }
  return {
    steps: globalStep,
    epochs,
    imagesPerSecond: seconds > 0 ? images / seconds : NaN,
    stopped: Boolean(hooks.signal?.aborted),
    tensorGrowth,
  };
}
