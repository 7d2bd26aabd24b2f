/**
 * Data-parallel training over worker threads, exact for any loss — including
 * losses of batch statistics such as deel-lip's `MulticlassKR` / `MulticlassHKR`,
 * whose value is not a mean of per-sample terms.
 *
 * WebAssembly in Node runs one thread per backend, so each worker thread
 * (its own tfjs and backend) holds a copy of the model. One step on a batch
 * (x, y) split into shards x_w:
 *
 *   1. every worker loads the master weights and runs its shard forward in
 *      training mode, keeping the tape: P_w = f(x_w);
 *   2. the main thread gathers P = [P_1; …; P_W], computes the loss L(y, P)
 *      and metrics on the whole batch, and G = ∂L/∂P;
 *   3. every worker receives G_w (through a SharedArrayBuffer; it waits with
 *      `Atomics.wait` inside its gradient tape) and differentiates Σ P_w ⊙ G_w,
 *      which gives ∂L/∂θ restricted to its shard's paths;
 *   4. the main thread sums them, ∂L/∂θ = Σ_w ∂(Σ P_w ⊙ G_w)/∂θ (the chain
 *      rule: L depends on θ only through P), and applies its optimizer.
 *
 * Each worker runs one forward and one backward pass per step, as a
 * single-thread step would, so W workers divide the step's work by W. The
 * model's non-trainable weights (power-iteration vectors, which a training
 * call updates from the weights alone, identically in every worker) come back
 * from the first worker after each step, so the master model is always the
 * model a single-thread step would have left.
 */
import * as path from 'path';
import { Worker } from 'worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { DataParallelError, WorkerHandle, shardSizes, workerScript } from './data-parallel-workers';
import { ShardedStepPass, type ScatteredStep } from './sharded-step-pass';
import { exchangeLayout, stepBuffer, stepRegions, views, type ExchangeLayout } from './data-parallel-exchange';
import { AWAITING_GRADIENT } from './data-parallel-protocol';
import type { KernelProfileRow } from './kernel-profile';
import { fullBatchStep, type FullBatchStepTimings, type LossOrMetricFn } from './full-batch-step';

export { DataParallelError, shardSizes, type LossOrMetricFn };

/** Options of {@link DataParallelTrainer.create}. */
export interface DataParallelOptions {
  /**
   * The master model (built). Every worker rebuilds it from `model.toJSON()`
   * and loads its weights, so its layer classes must be registered with
   * `tf.serialization.registerClass` by a module listed in `modules`.
   */
  model: tfl.LayersModel;
  /** Number of worker threads (≥ 1). */
  workers: number;
  /** Backend each worker selects (`selectBackend({prefer})`, default `wasm`). */
  backend?: string;
  /**
   * Modules each worker `require`s before rebuilding the model, by absolute
   * path (e.g. `require.resolve('@lipnet/layers')`), to register custom layers.
   */
  modules?: string[];
}

/**
 * Trains a tfjs-layers model data-parallel over worker threads with the exact
 * full-batch gradient of any loss (see the module comment for the maths).
 * Create with {@link DataParallelTrainer.create}, call {@link step} per batch
 * and {@link predict} for inference, {@link dispose} at the end.
 */
export class DataParallelTrainer {
  /**
   * Wall times of the last {@link step}, in ms: `forward` (workers until every
   * shard's logits arrived), `loss` (main thread: loss, metrics and ∂L/∂P),
   * `backward` (workers' backward passes), `apply` (main thread: sum of the
   * gradients and optimizer update).
   */
  lastStepTimings: FullBatchStepTimings = { forwardMs: 0, lossMs: 0, backwardMs: 0, applyMs: 0 };

  /** The step buffer of the last step or prediction, reused while large enough. */
  private stepSab: SharedArrayBuffer | undefined;

  private constructor(
    private readonly handles: WorkerHandle[],
    /** The master model (main thread): its weights are the trained ones. */
    readonly model: tfl.LayersModel,
    /** Weights, each worker's gradients and the non-trainable weights, shared with every worker. */
    private readonly exchange: { sab: SharedArrayBuffer; layout: ExchangeLayout },
  ) {}

  /** Starts the workers; each selects its backend and rebuilds the model. */
  static async create(opts: DataParallelOptions): Promise<DataParallelTrainer> {
    if (!Number.isInteger(opts.workers) || opts.workers < 1) {
      throw new DataParallelError(
        `DataParallelTrainer: expected \`workers\` to be an integer ≥ 1, got ${opts.workers}. Pass e.g. os.cpus().length.`,
        'INVALID_OPTION',
      );
    }
    for (const m of opts.modules ?? []) {
      if (!path.isAbsolute(m)) {
        throw new DataParallelError(
          `DataParallelTrainer: expected every entry of \`modules\` to be an absolute path, got '${m}'. Use require.resolve(...).`,
          'INVALID_OPTION',
        );
      }
    }
    if (!opts.model.outputs?.length) {
      throw new DataParallelError(
        'DataParallelTrainer: the model has no outputs yet. Give its first layer an `inputShape` (a Sequential) or build it before creating the trainer.',
      );
    }
    const script = workerScript();
    const modelJson = JSON.stringify(opts.model.toJSON(null, false));
    const size = (ws: tfl.LayersModel['weights']) => ws.map((w) => tf.util.sizeFromShape(w.shape as number[]));
    const m = opts.model;
    const layout = exchangeLayout(size(m.weights), size(m.trainableWeights), size(m.nonTrainableWeights), opts.workers);
    const exchange = { sab: new SharedArrayBuffer(4 * layout.floats), layout };
    const handles = Array.from(
      { length: opts.workers },
      (_, index) =>
        new WorkerHandle(
          new Worker(script, {
            workerData: {
              backend: opts.backend ?? 'wasm',
              modules: opts.modules ?? [],
              modelJson,
              index,
              exchange: exchange.sab,
              layout,
            },
          }),
        ),
    );
    const trainer = new DataParallelTrainer(handles, opts.model, exchange);
    try {
      const shapes = opts.model.weights.map((w) => w.shape);
      const replies = await Promise.all(handles.map((h) => h.expect('ready')));
      for (const r of replies) {
        const got = r['weightShapes'] as number[][];
        if (got.length !== shapes.length || got.some((s, i) => s.join(',') !== shapes[i]!.join(','))) {
          throw new DataParallelError(
            `DataParallelTrainer: the model rebuilt in a worker has weights ${JSON.stringify(got)}, the master ${JSON.stringify(shapes)}. ` +
              'Make every layer serialisable (getConfig + registerClass) and list the module that registers it in `modules`.',
          );
        }
      }
    } catch (err) {
      await trainer.dispose();
      throw err;
    }
    return trainer;
  }

  /** Number of worker threads. */
  get workers(): number {
    return this.handles.length;
  }

  /** Writes the master weights into the exchange buffer (the workers load them at the start of a step). */
  private writeWeights(): void {
    const { sab, layout } = this.exchange;
    const targets = views(
      sab,
      layout.weights.map((w) => w.offset),
      layout.weights.map((w) => w.size),
    );
    this.model.weights.forEach((w, i) => targets[i]!.set(w.read().dataSync()));
  }

  /**
   * Writes the weights and x into shared memory and tells worker i to run
   * `type` on its `sizes[i]` rows (with `extra(i, firstRow)`). The step buffer
   * also has room for the whole batch's outputs and ∂L/∂P; its control word is
   * reset.
   */
  private scatter(
    type: string,
    x: tf.Tensor,
    sizes: number[],
    extra: (i: number, start: number) => Record<string, unknown>,
  ): ScatteredStep {
    const n = x.shape[0];
    const inRow = tf.util.sizeFromShape(x.shape.slice(1));
    const outRow = tf.util.sizeFromShape((this.model.outputs[0]!.shape as number[]).slice(1));
    const regions = stepRegions(n, inRow, outRow);
    const sab = (this.stepSab = stepBuffer(this.stepSab, regions.bytes));
    Atomics.store(new Int32Array(sab, 0, 1), 0, AWAITING_GRADIENT);
    new Float32Array(sab, regions.x, n * inRow).set(x.dataSync());
    this.writeWeights();
    let start = 0;
    sizes.forEach((size, i) => {
      this.handles[i]!.post({
        type,
        sab,
        regions,
        start,
        xShape: [size, ...x.shape.slice(1)],
        outRow,
        ...extra(i, start),
      });
      start += size;
    });
    return { sab, regions, outRow, rows: n };
  }

  /** The model's output on x in inference mode, computed by the workers shard by shard. */
  async predict(x: tf.Tensor): Promise<tf.Tensor> {
    if (x.shape[0] === 0)
      throw new DataParallelError(
        'DataParallelTrainer.predict: x has no rows. Pass at least one sample.',
        'EMPTY_BATCH',
      );
    const sizes = shardSizes(x.shape[0], this.handles.length);
    const step = this.scatter('predict', x, sizes, () => ({}));
    const replies = await Promise.all(sizes.map((_, i) => this.handles[i]!.expect('predicted')));
    return ShardedStepPass.outputs(step, replies[0]!['shape'] as number[]);
  }

  /**
   * One optimizer step of `optimizer` on L = loss(y, model(x)), with the
   * exact full-batch gradient ({@link fullBatchStep}: the workers run their
   * shards forward, the main thread computes the loss, metrics and ∂L/∂P on
   * the whole batch, the workers finish their backward passes). Returns
   * [loss, ...metrics] on this batch, computed on the forward pass before the
   * update (as Keras logs them).
   */
  async step(
    x: tf.Tensor,
    y: tf.Tensor,
    optimizer: tf.Optimizer,
    loss: LossOrMetricFn,
    metrics: LossOrMetricFn[] = [],
  ): Promise<number[]> {
    const n = x.shape[0];
    if (y.shape[0] !== n)
      throw new DataParallelError(
        `DataParallelTrainer.step: x has ${n} rows but y has ${y.shape[0]}. Pass matching batches.`,
        'INVALID_SHAPE',
      );
    if (n === 0)
      throw new DataParallelError(
        'DataParallelTrainer.step: the batch is empty. Pass at least one sample.',
        'EMPTY_BATCH',
      );
    const pass = new ShardedStepPass(this.handles, this.model, x, this.exchange, (type, sizes, extra) =>
      this.scatter(type, x, sizes, extra),
    );
    const { values, timings } = await fullBatchStep(pass, y, optimizer, loss, metrics);
    this.lastStepTimings = timings;
    return values;
  }

  /**
   * `tf.memory()` of each worker (numTensors, numBytes: constant across steps
   * when nothing leaks) and the size of its wasm heap (`heapBytes`, the high
   * water mark of its backend's memory, which never shrinks; 0 off wasm).
   */
  async workerMemory(): Promise<{ numTensors: number; numBytes: number; heapBytes: number }[]> {
    const replies = await Promise.all(
      this.handles.map((h) => {
        const r = h.expect('memory');
        h.post({ type: 'memory' });
        return r;
      }),
    );
    return replies.map((r) => ({
      numTensors: r['numTensors'] as number,
      numBytes: r['numBytes'] as number,
      heapBytes: r['heapBytes'] as number,
    }));
  }

  /**
   * Runs `work` (e.g. a few {@link step}s) with every worker's kernels profiled
   * ({@link KernelProfile} in each worker thread) and resolves with the
   * per-kernel totals of each worker, in worker order. The main thread's own
   * kernels (loss, optimizer) are not included: profile them with
   * `KernelProfile.start()` around the same call.
   */
  async profileKernels(work: () => Promise<unknown>): Promise<KernelProfileRow[][]> {
    this.handles.forEach((h) => h.post({ type: 'profile', action: 'start' }));
    let failed = false;
    let failure: unknown;
    try {
      await work();
    } catch (err) {
      failed = true;
      failure = err;
    }
    const replies = this.handles.map((h) => h.expect('profile'));
    this.handles.forEach((h) => h.post({ type: 'profile', action: 'stop' }));
    const rows = (await Promise.all(replies)).map((r) => r['rows'] as KernelProfileRow[]);
    if (failed) throw failure;
    return rows;
  }

  /** Stops the workers (the master model stays usable). */
  async dispose(): Promise<void> {
    await Promise.all(this.handles.map((h) => h.worker.terminate()));
  }
}
