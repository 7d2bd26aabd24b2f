/**
 * demo4's C&W on wasm worker threads: the images are split into one shard per
 * worker (each its own wasm backend, one core), and every shard aborts early
 * on the whole batch's loss (@lipnet/attacks' `batchLoss`, exchanged through a
 * SharedArrayBuffer), so the result is the one-thread attack's: in foolbox's
 * C&W everything else (constants, Adam state, best adversarial) is per image.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { sharedBatchLossBytes } from '@lipnet/attacks';
import { shardSizes } from '@lipnet/backend';
import { Demo4Error, WorkerFailureError } from '../errors';

/** What one worker attacks (its workerData). */
export interface ShardJob {
  backend: string;
  /** Absolute paths required before the model is rebuilt (the modules registering its layers). */
  modules: string[];
  modelJson: string;
  weights: { values: Float32Array; shape: number[] }[];
  /** This shard's images, flat, and their shape `[rows, …]`. */
  images: Float32Array;
  shape: number[];
  labels: number[];
  binarySearchSteps: number;
  steps: number;
  shard: number;
  shards: number;
  /** The loss exchange every shard shares (`sharedBatchLoss`). */
  buffer: SharedArrayBuffer;
}

/** Options of {@link attackInWorkers}. */
export interface SplitAttackOptions {
  binarySearchSteps: number;
  steps: number;
  /** Worker threads (at most one per image). */
  workers: number;
  /** lipnet's backend name each worker selects (`wasm`). */
  backend: string;
  /** Attack steps done, counted as the one-thread attack counts them (the slowest shard's). */
  onProgress?: (done: number) => void;
  /** Polled every 50 ms; when set, the workers are terminated and the images come back unattacked. */
  signal?: { readonly aborted: boolean };
}

/** The attack's result, as `attack.run` gives it: adversarials where `success`, else the images. */
export interface SplitAttackResult {
  clipped: tf.Tensor;
  success: tf.Tensor1D;
  stoppedEarly: boolean;
}

/** The built worker script (dist/robustness/attack-worker.js; from src/ under ts-jest, the built copy). */
export function attackWorkerScript(): string {
  const candidates = [
    path.join(__dirname, 'attack-worker.js'),
    path.join(__dirname, '..', '..', 'dist', 'robustness', 'attack-worker.js'),
  ];
  const found = candidates.find((f) => fs.existsSync(f));
  if (!found) throw new Demo4Error('demo4: dist/robustness/attack-worker.js is missing. Run `pnpm build`.');
  return found;
}

/** One {@link ShardJob} per shard of `images` (contiguous rows, larger shards first). */
function shardJobs(model: tfl.LayersModel, images: tf.Tensor, labels: number[], o: SplitAttackOptions): ShardJob[] {
  const sizes = shardSizes(images.shape[0], o.workers);
  const flat = images.dataSync() as Float32Array;
  const row = flat.length / images.shape[0];
  const modelJson = JSON.stringify(model.toJSON(null, false));
  const weights = model.getWeights().map((w) => ({ values: w.dataSync() as Float32Array, shape: w.shape }));
  const buffer = new SharedArrayBuffer(sharedBatchLossBytes(sizes.length));
  let start = 0;
  return sizes.map((size, shard) => {
    const job: ShardJob = {
      backend: o.backend,
      modules: [require.resolve('@lipnet/layers')],
      modelJson,
      weights,
      images: flat.slice(start * row, (start + size) * row),
      shape: [size, ...images.shape.slice(1)],
      labels: labels.slice(start, start + size),
      binarySearchSteps: o.binarySearchSteps,
      steps: o.steps,
      shard,
      shards: sizes.length,
      buffer,
    };
    start += size;
    return job;
  });
}

type Reply = { type: 'progress'; done: number } | { type: 'done'; clipped: Float32Array; success: boolean[] };

/** Runs every job in its worker; resolves with each shard's `done` reply, or null when `signal` stopped them. */
function runWorkers(jobs: ShardJob[], o: SplitAttackOptions): Promise<Reply[] | null> {
  const script = attackWorkerScript();
  const done: (Reply | undefined)[] = jobs.map(() => undefined);
  const progress = jobs.map(() => 0);
  const workers = jobs.map((job) => new Worker(script, { workerData: job }));
  let timer: NodeJS.Timeout | undefined;
  const stopAll = () => {
    clearInterval(timer);
    return Promise.all(workers.map((w) => w.terminate()));
  };
  const finished = new Promise<Reply[] | null>((resolve, reject) => {
    const fail = (k: number, why: string) =>
      reject(new WorkerFailureError(`demo4: the attack on worker thread ${k + 1} of ${jobs.length} failed: ${why}`));
    timer = setInterval(() => o.signal?.aborted && resolve(null), 50);
    workers.forEach((w, k) => {
      w.on('message', (m: Reply | { type: 'error'; error: string }) => {
        if (m.type === 'error') return fail(k, m.error);
        if (m.type === 'progress') {
          progress[k] = m.done;
          return o.onProgress?.(Math.min(...progress));
        }
        done[k] = m;
        if (done.every((d) => d)) resolve(done as Reply[]);
      });
      w.on('error', (err) => fail(k, err.message));
      w.on('exit', (code) => done[k] || fail(k, `it exited (code ${code}) before its shard was done`));
    });
  });
  return finished.finally(stopAll);
}

/**
 * foolbox's `L2CarliniWagnerAttack(binarySearchSteps, steps)` on `images` in
 * `o.workers` worker threads, one shard each, abort-early on the whole batch's
 * loss: the adversarials and success flags of the one-thread attack, in image
 * order. A worker's failure rejects with its message (every worker terminated).
 */
export async function attackInWorkers(
  model: tfl.LayersModel,
  images: tf.Tensor,
  labels: number[],
  o: SplitAttackOptions,
): Promise<SplitAttackResult> {
  const jobs = shardJobs(model, images, labels, o);
  const replies = await runWorkers(jobs, o);
  if (!replies) return { clipped: tf.clone(images), success: tf.zeros([images.shape[0]], 'bool'), stoppedEarly: true };
  const flat = new Float32Array(images.size);
  let offset = 0;
  const success: boolean[] = [];
  for (const r of replies) {
    if (r.type !== 'done') continue;
    flat.set(r.clipped, offset);
    offset += r.clipped.length;
    success.push(...r.success);
  }
  return {
    clipped: tf.tensor(flat, images.shape),
    success: tf.tensor1d(success, 'bool'),
    stoppedEarly: false,
  };
}
