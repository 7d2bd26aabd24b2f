/**
 * How many worker threads demo4 trains on, and starting them. WebAssembly in
 * Node runs one thread per backend; `DataParallelTrainer` (@lipnet/backend)
 * runs one backend per worker thread and gives the exact full-batch gradient
 * (MulticlassHKR's batch statistics included), so on wasm every core trains.
 * Native TensorFlow already uses every core: it trains in the main thread.
 */
import * as os from 'os';
import type * as tfl from '@tensorflow/tfjs-layers';
import { DataParallelTrainer } from '@lipnet/backend';
import type { BackendChoice } from '../backend';
import type { CliOptions } from '../cli';

/** The worker count chosen, and a line saying why when it is not what was asked. */
export interface WorkerPlan {
  workers: number;
  note?: string;
}

/**
 * Most workers the automatic choice starts: each holds a wasm instance and a
 * copy of the model, and every step waits for the slowest, so past a few
 * workers memory grows faster than speed.
 */
export const MAX_AUTO_WORKERS = 8;

/** Largest shard a wasm worker trains in one pass (its own 4 GB heap). */
export const WASM_MAX_SHARD = 2048;

/** CPU cores available to this process. */
export function availableCores(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/**
 * `--workers` or the automatic choice: on wasm, one worker per core (≥ 2; at
 * most {@link MAX_AUTO_WORKERS}), and
 * at least ⌈batch / maxShard⌉ so a shard's activations fit a worker's heap
 * (more workers than cores still works, just time-shared); else 1.
 */
export function planWorkers(
  o: Pick<CliOptions, 'workers' | 'batchSize'>,
  backend: Pick<BackendChoice, 'tfBackend'>,
  maxShard: number,
  cores = availableCores(),
): WorkerPlan {
  if (o.workers !== undefined) {
    if (o.workers > 1 && backend.tfBackend !== 'wasm') {
      return {
        workers: o.workers,
        note: `Note: --workers ${o.workers} on the ${backend.tfBackend} backend, which already uses every core; each worker loads its own copy.`,
      };
    }
    return { workers: o.workers };
  }
  if (backend.tfBackend !== 'wasm' || cores < 2) return { workers: 1 };
  return { workers: Math.max(Math.min(cores, MAX_AUTO_WORKERS), Math.ceil(o.batchSize / maxShard)) };
}

/**
 * How the attack is split: on wasm, {@link planWorkers}' count (the training's) capped by the
 * number of images, when that is ≥ 2 (`attackInWorkers`); else null (this thread, as on the
 * native backends, which use every core already).
 */
export function planAttackWorkers(
  o: Pick<CliOptions, 'workers' | 'batchSize'>,
  backend: Pick<BackendChoice, 'tfBackend' | 'name'>,
  images: number,
  cores = availableCores(),
): { workers: number; backend: string } | null {
  if (backend.tfBackend !== 'wasm') return null;
  const workers = Math.min(planWorkers(o, backend, WASM_MAX_SHARD, cores).workers, images);
  return workers >= 2 ? { workers, backend: backend.name } : null;
}

/** Starts `n` workers on the chosen backend, each with a copy of `model` (its layers registered by @lipnet/layers). */
export async function startWorkers(
  model: tfl.LayersModel,
  n: number,
  backend: Pick<BackendChoice, 'name'>,
  log: (s: string) => void,
): Promise<DataParallelTrainer> {
  const t0 = performance.now();
  const trainer = await DataParallelTrainer.create({
    model,
    workers: n,
    backend: backend.name,
    modules: [require.resolve('@lipnet/layers')],
  });
  log(
    `Training data-parallel on ${n} worker threads (${backend.name}), exact full-batch gradients; started in ${((performance.now() - t0) / 1000).toFixed(1)} s.`,
  );
  return trainer;
}
