/**
 * Data-parallel training over worker threads: WebAssembly in Node runs one
 * thread per backend, so a batch is split into shards, each worker thread
 * (its own tfjs and wasm backend) computes the loss and the gradients of its
 * shard, and the main thread averages them — weighted by shard size, so the
 * result is the full-batch mean gradient — and applies its optimizer to the
 * master weights, which go back to the workers with the next step.
 *
 * g = Σ_w (n_w / B) · ∇ L_w,   L = Σ_w (n_w / B) · L_w   (L_w: mean loss of shard w)
 *
 * The model and the loss come from a CommonJS module (`modelModule`) that
 * every thread loads: it exports `createModel(): LayersModel` (same
 * architecture each call) and `loss(yTrue, yPred): Scalar` (a mean over the
 * batch). Only trainable weights are synchronised (no batch-norm statistics).
 */
import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/** Options of {@link DataParallelTrainer.create}. */
export interface DataParallelOptions {
  /** Absolute path of the module exporting `createModel()` and `loss(yTrue, yPred)`. */
  modelModule: string;
  /** Number of worker threads (≥ 1). */
  workers: number;
  /** The optimizer the main thread applies (e.g. `tf.train.adam(1e-3)`). */
  optimizer: tf.Optimizer;
  /** Backend each worker selects (`selectBackend({prefer})`, default `wasm`). */
  backend?: string;
}

/** What a worker answers for one step. */
interface ShardResult {
  loss: number;
  grads: Float32Array[];
}

/** Raised for bad options or a failing worker; the message names the cause and the fix. */
export class DataParallelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataParallelError';
  }
}

interface ModelModule {
  createModel: () => tfl.LayersModel;
  loss: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar;
}

function workerScript(): string {
  const here = path.join(__dirname, 'data-parallel-worker.js');
  if (fs.existsSync(here)) return here;
  // Running from src/ (ts-jest): use the built copy.
  const built = path.join(path.dirname(require.resolve('@lipnet/backend/package.json')), 'dist', 'data-parallel-worker.js');
  if (fs.existsSync(built)) return built;
  throw new DataParallelError('DataParallelTrainer: dist/data-parallel-worker.js is missing. Run `pnpm build` in packages/backend.');
}

class WorkerHandle {
  private pending: { resolve: (v: unknown) => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;

  constructor(readonly worker: Worker) {
    worker.on('message', (msg: { type: string; error?: string } & Record<string, unknown>) => {
      const p = this.pending;
      this.pending = undefined;
      if (!p) return;
      if (msg.type === 'error') p.reject(new DataParallelError(`DataParallelTrainer: a worker failed: ${msg.error}`));
      else p.resolve(msg);
    });
    worker.on('error', (err) => {
      this.failure = err;
      this.pending?.reject(new DataParallelError(`DataParallelTrainer: a worker crashed: ${err.message}`));
      this.pending = undefined;
    });
  }

  request<T>(msg: unknown, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.failure) return Promise.reject(new DataParallelError(`DataParallelTrainer: worker already failed: ${this.failure.message}`));
    return new Promise<T>((resolve, reject) => {
      this.pending = { resolve: resolve as (v: unknown) => void, reject };
      this.worker.postMessage(msg, transfer);
    });
  }
}

/**
 * Trains a tfjs-layers model data-parallel over worker threads (see the module
 * comment for the maths). Create with {@link DataParallelTrainer.create}, call
 * {@link step} per batch, {@link dispose} at the end.
 */
export class DataParallelTrainer {
  private constructor(
    private readonly handles: WorkerHandle[],
    /** The master copy of the model (main thread); its weights are the trained ones. */
    readonly model: tfl.LayersModel,
    private readonly optimizer: tf.Optimizer,
  ) {}

  /** Starts the workers (each selects its backend and builds the model) and the master model. */
  static async create(opts: DataParallelOptions): Promise<DataParallelTrainer> {
    if (!Number.isInteger(opts.workers) || opts.workers < 1) {
      throw new DataParallelError(`DataParallelTrainer: expected \`workers\` to be an integer ≥ 1, got ${opts.workers}. Pass e.g. os.cpus().length.`);
    }
    if (!path.isAbsolute(opts.modelModule)) {
      throw new DataParallelError(`DataParallelTrainer: expected \`modelModule\` to be an absolute path, got '${opts.modelModule}'. Use path.resolve(...).`);
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(opts.modelModule) as ModelModule;
    const model = mod.createModel();
    const script = workerScript();
    const handles = Array.from({ length: opts.workers }, () => new WorkerHandle(new Worker(script, { workerData: { modelModule: opts.modelModule, backend: opts.backend ?? 'wasm' } })));
    const trainer = new DataParallelTrainer(handles, model, opts.optimizer);
    try {
      await Promise.all(handles.map((h) => h.request({ type: 'init' })));
    } catch (err) {
      await trainer.dispose();
      throw err;
    }
    return trainer;
  }

  /**
   * Wall times of the last {@link step}, in ms: `prepare` (main thread: read
   * the batch and weights, split, post), `wait` (workers computing, in
   * parallel), `apply` (main thread: average the gradients, optimizer update).
   * `prepare + apply` is the serial part that does not shrink with more workers.
   */
  lastStepTimings: { prepareMs: number; waitMs: number; applyMs: number } = { prepareMs: 0, waitMs: 0, applyMs: 0 };

  /** Number of worker threads. */
  get workers(): number {
    return this.handles.length;
  }

  /**
   * One optimizer step on the batch (x, y), split along axis 0 into one shard
   * per worker. Returns the batch's mean loss (before the update).
   */
  async step(x: tf.Tensor, y: tf.Tensor): Promise<number> {
    const t0 = performance.now();
    const batch = x.shape[0]!;
    if (y.shape[0] !== batch) throw new DataParallelError(`DataParallelTrainer.step: x has ${batch} rows but y has ${y.shape[0]}. Pass matching batches.`);
    const vars = this.model.trainableWeights.map((w) => w.read() as tf.Variable);
    const weights = vars.map((v) => v.dataSync() as Float32Array);
    const xs = x.dataSync() as Float32Array;
    const ys = y.dataSync() as Float32Array;
    const xRow = xs.length / batch;
    const yRow = ys.length / batch;
    const n = Math.min(this.handles.length, batch);
    const sizes = Array.from({ length: n }, (_, i) => Math.floor(batch / n) + (i < batch % n ? 1 : 0));
    let start = 0;
    const requests = sizes.map((size, i) => {
      const xShard = xs.slice(start * xRow, (start + size) * xRow);
      const yShard = ys.slice(start * yRow, (start + size) * yRow);
      start += size;
      const w = weights.map((a) => a.slice());
      return this.handles[i]!.request<ShardResult>(
        { type: 'step', weights: w, x: xShard, xShape: [size, ...x.shape.slice(1)], y: yShard, yShape: [size, ...y.shape.slice(1)] },
        [xShard.buffer, yShard.buffer, ...w.map((a) => a.buffer as ArrayBuffer)],
      );
    });
    const tPosted = performance.now();
    const replies = await Promise.all(requests);
    const tReplied = performance.now();
    let loss = 0;
    const named: tf.NamedTensorMap = {};
    tf.tidy(() => {
      vars.forEach((v, k) => {
        let g: tf.Tensor | undefined;
        replies.forEach((r, i) => {
          const part = tf.mul(tf.tensor(r.grads[k]!, v.shape), sizes[i]! / batch);
          g = g ? tf.add(g, part) : part;
        });
        named[v.name] = tf.keep(g!);
      });
    });
    replies.forEach((r, i) => (loss += (r.loss * sizes[i]!) / batch));
    this.optimizer.applyGradients(named);
    tf.dispose(Object.values(named));
    this.lastStepTimings = { prepareMs: tPosted - t0, waitMs: tReplied - tPosted, applyMs: performance.now() - tReplied };
    return loss;
  }

  /** Stops the workers (the master model stays usable; dispose it yourself). */
  async dispose(): Promise<void> {
    await Promise.all(this.handles.map((h) => h.worker.terminate()));
  }
}
