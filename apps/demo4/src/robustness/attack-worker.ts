/**
 * Worker thread of {@link attackInWorkers}: selects the main thread's backend,
 * registers lipnet's layers, rebuilds the exported model from its JSON and
 * weights, and runs foolbox's C&W on its shard of the images, aborting early on
 * the whole batch's loss (`sharedBatchLoss`: every shard posts its loss at each
 * check and waits for the others). Posts `progress` (attack steps done), then
 * `done` (the shard's adversarials and success flags) or `error`.
 */
import { parentPort, workerData } from 'worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { L2CarliniWagnerAttack, sharedBatchLoss } from '@lipnet/attacks';
import { selectBackend } from '@lipnet/backend';
import type { ShardJob } from './split-attack';

const job = workerData as ShardJob;

function post(msg: unknown, transfer: ArrayBuffer[] = []): void {
  parentPort!.postMessage(msg, transfer);
}

async function loadModel(): Promise<tfl.LayersModel> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- module paths known only at run time
  for (const m of job.modules) require(m);
  const model = await tfl.models.modelFromJSON(JSON.parse(job.modelJson) as tf.io.ModelJSON['modelTopology']);
  const weights = job.weights.map((w) => tf.tensor(w.values, w.shape));
  model.setWeights(weights);
  tf.dispose(weights);
  return model;
}

async function main(): Promise<void> {
  await selectBackend({ prefer: job.backend, log: null });
  const model = await loadModel();
  const x = tf.tensor(job.images, job.shape);
  const attack = new L2CarliniWagnerAttack({ binarySearchSteps: job.binarySearchSteps, steps: job.steps });
  const total = job.binarySearchSteps * job.steps;
  const r = await attack.run(model, x, job.labels, {
    bounds: [0, 1],
    batchLoss: sharedBatchLoss(job.buffer, job.shard, job.shards),
    onProgress: (e) => post({ type: 'progress', done: Math.min(total, Math.round(e.fraction * total)) }),
  });
  const clipped = Float32Array.from(await r.clipped.data()); // a copy: the backend's array may be a view of its heap
  const success = Array.from(await r.success.data(), (v) => v !== 0);
  tf.dispose([x, r.raw, r.clipped, r.success]);
  post({ type: 'done', clipped, success }, [clipped.buffer]);
}

main().catch((err: unknown) => post({ type: 'error', error: err instanceof Error ? err.message : String(err) }));
