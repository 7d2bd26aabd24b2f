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
import {
  MicroBatchPass,
  compileTrainingForward,
  fullBatchStep,
  tapeStep,
  type DataParallelTrainer,
  type TrainingForward,
} from '@lipnet/backend';
import { saveCheckpoint, type RunSettings, type TrainProgress } from './checkpoint';
import { Progbar, type Sink } from './progress';
import { Rng } from './rng';
import type { LossOrMetric } from '../model/loss-and-metrics';

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
  /** The run the checkpoints belong to (run.json's `runId`). */
  runId?: string;
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
 * On worker threads: `DataParallelTrainer.step`. In one thread, with
 * `microBatch` smaller than the batch: the same full-batch step computed in
 * chunks (`fullBatchStep` with a `MicroBatchPass`, exact for any loss, the
 * batch-level KR statistics of MulticlassHKR included). Otherwise the whole
 * batch on the optimizer's tape (`tapeStep`), its forward and backward passes
 * as TensorFlow graph runs when `compiled` (native backend, see
 * `compileTrainingForward`). All share @lipnet/backend's one implementation
 * of the objective and of the full-batch step.
 */
async function trainStep(
  o: TrainOptions,
  xb: tf.Tensor,
  yb: tf.Tensor,
  compiled: TrainingForward | null,
): Promise<number[]> {
  const metrics = o.metrics.map((m) => m.fn);
  if (o.parallel) return o.parallel.step(xb, yb, o.optimizer, o.loss.fn, metrics);
  const n = xb.shape[0];
  if (o.microBatch && o.microBatch < n) {
    const pass = new MicroBatchPass(o.model, xb, o.microBatch);
    return (await fullBatchStep(pass, yb, o.optimizer, o.loss.fn, metrics)).values;
  }
  const vars = o.model.trainableWeights.map((w) => w.read() as tf.Variable);
  const forward = compiled ? () => compiled.apply(xb) : () => o.model.apply(xb, { training: true }) as tf.Tensor;
  return tapeStep(forward, vars, yb, o.optimizer, o.loss.fn, metrics);
}

/**
 * Loss and metrics over (x, y) in inference mode, in batches of `batchSize`,
 * each batch weighted by its size (as Keras `evaluate`). The logits come from
 * the workers (`parallel`), else the compiled training graph's inference run
 * (`compiled`, native backend), else `model.apply`.
 */
export async function evaluate(
  model: tfl.LayersModel,
  loss: LossOrMetric,
  metrics: LossOrMetric[],
  x: tf.Tensor,
  y: tf.Tensor,
  batchSize: number,
  parallel?: DataParallelTrainer,
  compiled?: TrainingForward | null,
): Promise<number[]> {
  const n = x.shape[0];
  const sums = new Array<number>(1 + metrics.length).fill(0);
  for (let start = 0; start < n; start += batchSize) {
    const size = Math.min(batchSize, n - start);
    let given: tf.Tensor | undefined;
    if (parallel || compiled) {
      const xb = tf.slice(x, start, size);
      try {
        given = parallel ? await parallel.predict(xb) : compiled!.predict(xb);
      } finally {
        xb.dispose();
      }
    }
    const t = tf.tidy(() => {
      const yb = tf.slice(y, start, size);
      const preds = given ?? (model.apply(tf.slice(x, start, size), { training: false }) as tf.Tensor);
      return tf.stack([tf.reshape(loss(yb, preds), []), ...metrics.map((m) => tf.reshape(m(yb, preds), []))]);
    });
    given?.dispose();
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
  const wholeBatch = !o.parallel && !(o.microBatch && o.microBatch < o.settings.batchSize);
  const compiled = wholeBatch ? compileTrainingForward(o.model) : null;
  try {
    return await trainEpochs(o, compiled);
  } finally {
    compiled?.dispose();
  }
}

/** {@link train} from `o.progress` on, with `compiled` as the whole-batch forward pass when there is one. */
async function trainEpochs(o: TrainOptions, compiled: TrainingForward | null): Promise<TrainResult> {
  const sink = o.sink ?? process.stdout;
  const n = o.xTrain.shape[0];
  const B = o.settings.batchSize;
  const steps = Math.ceil(n / B);
  const keys = [o.loss.name, ...o.metrics.map((m) => m.name)];
  const p = o.progress;
  const save = async () => {
    if (o.checkpointFile) await saveCheckpoint(o.checkpointFile, o.model, o.optimizer, o.settings, p, o.runId);
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
      let vals: number[];
      try {
        vals = await trainStep(o, xb, yb, compiled);
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
        compiled,
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
