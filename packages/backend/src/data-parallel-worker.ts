/**
 * Worker thread of {@link DataParallelTrainer}: selects its own backend, builds
 * the model from `modelModule`, and per step loads the master weights, then
 * returns the mean loss and the gradients of its shard (trainable weights, in
 * `model.trainableWeights` order).
 */
import { parentPort, workerData } from 'worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from './select-backend';

interface ModelModule {
  createModel: () => tfl.LayersModel;
  loss: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar;
}

const data = workerData as { modelModule: string; backend: string };
let mod: ModelModule | undefined;
let model: tfl.LayersModel | undefined;

async function handle(msg: { type: string } & Record<string, unknown>): Promise<{ reply: unknown; transfer: ArrayBuffer[] }> {
  if (msg.type === 'init') {
    await selectBackend({ prefer: data.backend, log: null });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require(data.modelModule) as ModelModule;
    model = mod.createModel();
    return { reply: { type: 'ready', backend: tf.getBackend() }, transfer: [] };
  }
  if (msg.type === 'step' && model && mod) {
    const m = model;
    const lossFn = mod.loss;
    const vars = m.trainableWeights.map((w) => w.read() as tf.Variable);
    const weights = msg['weights'] as Float32Array[];
    tf.tidy(() => vars.forEach((v, i) => v.assign(tf.tensor(weights[i]!, v.shape))));
    const x = tf.tensor(msg['x'] as Float32Array, msg['xShape'] as number[]);
    const y = tf.tensor(msg['y'] as Float32Array, msg['yShape'] as number[]);
    const { value, grads } = tf.variableGrads(() => lossFn(y, m.apply(x, { training: true }) as tf.Tensor), vars);
    const loss = value.dataSync()[0]!;
    const out = vars.map((v) => Float32Array.from(grads[v.name]!.dataSync()));
    tf.dispose([x, y, value, ...Object.values(grads)]);
    return { reply: { type: 'grads', loss, grads: out }, transfer: out.map((a) => a.buffer as ArrayBuffer) };
  }
  throw new TypeError(`data-parallel worker: unexpected message '${msg.type}' (expected 'init' or 'step')`);
}

parentPort?.on('message', (msg: { type: string } & Record<string, unknown>) => {
  handle(msg)
    .then(({ reply, transfer }) => parentPort?.postMessage(reply, transfer))
    .catch((err: unknown) => parentPort?.postMessage({ type: 'error', error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) }));
});
