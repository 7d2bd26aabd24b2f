/**
 * The training loop of `model.fit(x, y, batch_size, epochs, validation_data, shuffle=True)`,
 * written out so it can checkpoint after every epoch, stop cleanly between two
 * steps on SIGINT and resume with nothing lost: each epoch's permutation comes
 * from a seeded RNG whose state is saved, and a partial epoch's running sums are
 * saved with the step reached.
 *
 * Reported numbers follow Keras: the training loss and metrics are means over
 * the epoch's batches weighted by batch size, computed on each batch's forward
 * pass before its update; `val_*` come from a pass over the validation set in
 * inference mode, in batches of the same size.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { DataParallelTrainer } from '@lipnet/backend';
import { saveCheckpoint, type RunSettings, type TrainProgress } from './checkpoint';
import { Progbar, type Sink } from './progress';
import { Rng } from './rng';

/** `(yTrue, yPred) => scalar`, the shape of a Keras loss or metric. */
export type LossOrMetric = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;

/** Categorical accuracy: mean of `argmax(yTrue) == argmax(yPred)` (Keras' `"accuracy"` with one-hot labels). */
export function categoricalAccuracy(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(yTrue, -1), tf.argMax(yPred, -1)), 'float32')) as tf.Scalar);
}

/** A flag the loop polls between steps. */
export interface StopSignal {
  requested: boolean;
}

/** Inputs of {@link train}. */
export interface TrainOptions {
  model: tfl.LayersModel;
  optimizer: tf.Optimizer;
  loss: { name: string; fn: LossOrMetric };
  metrics: { name: string; fn: LossOrMetric }[];
  xTrain: tf.Tensor;
  yTrain: tf.Tensor;
  xVal?: tf.Tensor;
  yVal?: tf.Tensor;
  epochs: number;
  settings: RunSettings;
  /** Where we are (a fresh run: {@link freshProgress}). Mutated as training goes. */
  progress: TrainProgress;
  /** Checkpoint file written after every epoch and on stop (omit to skip). */
  checkpointFile?: string;
  /** Set `requested` to stop after the current step. */
  stop?: StopSignal;
  /** Progress output. */
  sink?: Sink;
  /** Force the live bar on/off (default: sink.isTTY). */
  live?: boolean;
  /** Called after each epoch with its logs. */
  onEpochEnd?: (epoch: number, logs: Record<string, number>) => void;
  /**
   * Largest number of images one forward/backward pass may hold (default: the
   * whole batch). Smaller values compute the same full-batch gradient in chunks
   * (see {@link trainStep}); the wasm backend needs it at batch 4096, whose
   * activations overflow its 4 GB (wasm32) heap.
   */
  microBatch?: number;
  /**
   * Worker threads that compute each step (and the validation pass) shard by
   * shard, with the exact full-batch gradient (see `DataParallelTrainer`);
   * its `model` must be `model`. Takes precedence over `microBatch`.
   */
  parallel?: DataParallelTrainer;
  /** Test hook: called after each step with (epoch, step); may set `stop.requested`. */
  onStep?: (epoch: number, step: number) => void;
}

/** What {@link train} ends with. */
export interface TrainResult {
  /** True when it stopped on request before finishing; a checkpoint was saved. */
  interrupted: boolean;
  progress: TrainProgress;
}

/** The state at the start of a new run. */
export function freshProgress(seed: number): TrainProgress {
  return {
    epoch: 0,
    step: 0,
    rngState: new Rng(seed).state,
    partial: { sums: {}, count: 0, elapsed: 0 },
    history: {},
    epochSeconds: [],
  };
}

/**
 * One optimisation step; returns [loss, ...metrics] on this batch (before the update).
 *
 * With `microBatch` smaller than the batch, the step is the same full-batch
 * step computed in chunks, exact for any loss (the batch-level KR statistics of
 * MulticlassHKR included): (1) a forward pass in chunks gives the logits P of
 * the whole batch; (2) the loss and metrics are computed on (y, P) and
 * g = ∂loss/∂P taken on the full batch; (3) for each chunk, the vector-Jacobian
 * product Σ P_chunk·g_chunk is differentiated w.r.t. the weights and the
 * gradients summed; (4) one optimizer update. Only the chunk's activations are
 * alive at a time. The logits of (1) come from an inference-mode pass and (3)
 * re-runs the chunks in training mode, so a layer whose training call moves its
 * power-iteration vector sees the kernel of that call (a difference of the order
 * of the power iteration's convergence, ≪ 1e-4).
 */
async function trainStep(o: TrainOptions, xb: tf.Tensor, yb: tf.Tensor): Promise<ArrayLike<number>> {
  if (o.parallel)
    return o.parallel.step(
      xb,
      yb,
      o.optimizer,
      o.loss.fn,
      o.metrics.map((m) => m.fn),
    );
  const vars = o.model.trainableWeights.map((w) => w.read() as tf.Variable);
  const n = xb.shape[0];
  const chunk = o.microBatch && o.microBatch < n ? o.microBatch : n;
  let out: tf.Tensor | undefined;
  if (chunk === n) {
    o.optimizer.minimize(
      () => {
        const preds = o.model.apply(xb, { training: true }) as tf.Tensor;
        const loss = o.loss.fn(yb, preds) as tf.Scalar;
        out = tf.keep(tf.stack([loss, ...o.metrics.map((m) => tf.reshape(m.fn(yb, preds), []))]));
        return loss;
      },
      false,
      vars,
    );
  } else {
    const starts: number[] = [];
    for (let s = 0; s < n; s += chunk) starts.push(s);
    const part = (t: tf.Tensor, s: number) => tf.slice(t, s, Math.min(chunk, n - s));
    const preds = tf.tidy(() =>
      tf.concat(starts.map((s) => o.model.apply(part(xb, s), { training: false }) as tf.Tensor)),
    );
    const g = tf.tidy(() => {
      out = tf.keep(
        tf.stack([tf.reshape(o.loss.fn(yb, preds), []), ...o.metrics.map((m) => tf.reshape(m.fn(yb, preds), []))]),
      );
      return tf.grad((p: tf.Tensor) => o.loss.fn(yb, p))(preds);
    });
    preds.dispose();
    let sum: tf.NamedTensorMap | null = null;
    for (const s of starts) {
      const { value, grads } = tf.variableGrads(
        () => tf.sum(tf.mul(o.model.apply(part(xb, s), { training: true }) as tf.Tensor, part(g, s))) as tf.Scalar,
        vars,
      );
      value.dispose();
      if (!sum) sum = grads;
      else {
        const prev: tf.NamedTensorMap = sum;
        sum = Object.fromEntries(Object.keys(prev).map((k) => [k, tf.add(prev[k]!, grads[k]!)]));
        tf.dispose([...Object.values(prev), ...Object.values(grads)]);
      }
      await new Promise((r) => setImmediate(r));
    }
    g.dispose();
    o.optimizer.applyGradients(sum!);
    tf.dispose(Object.values(sum!));
  }
  const t = out!;
  return t.data().finally(() => t.dispose());
}

/**
 * Loss and metrics over (x, y) in inference mode, in batches of `batchSize`,
 * each batch weighted by its size (as Keras `evaluate`).
 */
export async function evaluate(
  model: tfl.LayersModel,
  loss: LossOrMetric,
  metrics: LossOrMetric[],
  x: tf.Tensor,
  y: tf.Tensor,
  batchSize: number,
  parallel?: DataParallelTrainer,
): Promise<number[]> {
  const n = x.shape[0];
  const sums = new Array<number>(1 + metrics.length).fill(0);
  for (let start = 0; start < n; start += batchSize) {
    const size = Math.min(batchSize, n - start);
    let sharded: tf.Tensor | undefined;
    if (parallel) {
      const xb = tf.slice(x, start, size);
      try {
        sharded = await parallel.predict(xb);
      } finally {
        xb.dispose();
      }
    }
    const t = tf.tidy(() => {
      const yb = tf.slice(y, start, size);
      const preds = sharded ?? (model.apply(tf.slice(x, start, size), { training: false }) as tf.Tensor);
      return tf.stack([tf.reshape(loss(yb, preds), []), ...metrics.map((m) => tf.reshape(m(yb, preds), []))]);
    });
    sharded?.dispose();
    const v = await t.data();
    t.dispose();
    v.forEach((val, i) => (sums[i]! += val * size));
  }
  return sums.map((s) => s / n);
}

/**
 * Trains from `o.progress` to `o.epochs`, printing a Keras-like line per epoch.
 * Saves a checkpoint after every epoch and, when `stop.requested` is set, after
 * the current step, then returns with `interrupted: true`.
 */
export async function train(o: TrainOptions): Promise<TrainResult> {
  const sink = o.sink ?? process.stdout;
  const n = o.xTrain.shape[0];
  const B = o.settings.batchSize;
  const steps = Math.ceil(n / B);
  const keys = [o.loss.name, ...o.metrics.map((m) => m.name)];
  const p = o.progress;
  const save = async () => {
    if (o.checkpointFile) await saveCheckpoint(o.checkpointFile, o.model, o.optimizer, o.settings, p);
  };
  while (p.epoch < o.epochs) {
    sink.write(`Epoch ${p.epoch + 1}/${o.epochs}\n`);
    const rng = new Rng(p.rngState);
    const perm = rng.permutation(n);
    const nextRngState = rng.state;
    const bar = new Progbar(steps, { sink, live: o.live, elapsedBefore: p.partial.elapsed });
    bar.setStartUnits(p.step);
    const running = (): [string, number][] =>
      keys.map((k) => [k, (p.partial.sums[k] ?? 0) / Math.max(1, p.partial.count)]);
    if (p.step > 0) sink.write(`(resuming at step ${p.step + 1}/${steps})\n`);
    while (p.step < steps) {
      if (o.stop?.requested) {
        p.partial.elapsed = bar.elapsed();
        await save();
        bar.abandon(`Stopped at epoch ${p.epoch + 1}/${o.epochs}, step ${p.step}/${steps}.`);
        return { interrupted: true, progress: p };
      }
      const from = p.step * B;
      const size = Math.min(B, n - from);
      const idx = tf.tensor1d(perm.subarray(from, from + size), 'int32');
      const xb = tf.gather(o.xTrain, idx);
      const yb = tf.gather(o.yTrain, idx);
      let vals: ArrayLike<number>;
      try {
        vals = await trainStep(o, xb, yb);
      } finally {
        tf.dispose([idx, xb, yb]);
      }
      keys.forEach((k, i) => (p.partial.sums[k] = (p.partial.sums[k] ?? 0) + vals[i]! * size));
      p.partial.count += size;
      p.step += 1;
      o.onStep?.(p.epoch, p.step);
      bar.update(p.step, running());
      await new Promise((r) => setImmediate(r)); // let SIGINT handlers run
    }
    const logs: Record<string, number> = Object.fromEntries(running());
    if (o.xVal && o.yVal) {
      const v = await evaluate(
        o.model,
        o.loss.fn,
        o.metrics.map((m) => m.fn),
        o.xVal,
        o.yVal,
        B,
        o.parallel,
      );
      keys.forEach((k, i) => (logs[`val_${k}`] = v[i]!));
    }
    const line = Object.entries<number>(logs);
    bar.finish(line);
    for (const [k, v] of line) (p.history[k] ??= []).push(v);
    p.epochSeconds.push(bar.elapsed());
    p.epoch += 1;
    p.step = 0;
    p.rngState = nextRngState;
    p.partial = { sums: {}, count: 0, elapsed: 0 };
    await save();
    o.onEpochEnd?.(p.epoch, logs);
    if (o.stop?.requested && p.epoch < o.epochs) {
      sink.write(`Stopped after epoch ${p.epoch}/${o.epochs}.\n`);
      return { interrupted: true, progress: p };
    }
  }
  return { interrupted: false, progress: p };
}
