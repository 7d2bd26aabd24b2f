/**
 * Worker thread of {@link DataParallelTrainer}: selects its backend, requires
 * the modules that register the model's layers, rebuilds the model from the
 * master's JSON, then answers `predict` (logits of its shard, inference mode)
 * and `step` (see data-parallel.ts: forward, post the logits, wait for ∂L/∂P
 * on the shared buffer inside the gradient tape, post ∂(Σ P ⊙ G)/∂θ).
 */
import { parentPort, workerData } from 'worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from './select-backend';
import { KernelProfile } from './kernel-profile';
import { AWAITING_GRADIENT, GRADIENT_BYTE_OFFSET, GRADIENT_READY, GRADIENT_WAIT_MS } from './data-parallel-protocol';

const data = workerData as { backend: string; modules: string[]; modelJson: string };
let model: tfl.LayersModel | undefined;
let profile: KernelProfile | undefined;

type Msg = { type: string } & Record<string, unknown>;

function post(msg: unknown, transfer: ArrayBuffer[] = []): void {
  parentPort!.postMessage(msg, transfer);
}

function loadWeights(m: tfl.LayersModel, weights: Float32Array[]): void {
  tf.tidy(() => m.weights.forEach((w, i) => (w.read() as tf.Variable).assign(tf.tensor(weights[i]!, w.read().shape))));
}

async function init(): Promise<void> {
  await selectBackend({ prefer: data.backend, log: null });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  for (const m of data.modules) require(m);
  model = await tfl.models.modelFromJSON(JSON.parse(data.modelJson) as tf.io.ModelJSON['modelTopology'] as never);
  post({ type: 'ready', backend: tf.getBackend(), weightShapes: model.weights.map((w) => w.shape) });
}

function predict(m: tfl.LayersModel, msg: Msg): void {
  loadWeights(m, msg['weights'] as Float32Array[]);
  const out = tf.tidy(
    () => m.apply(tf.tensor(msg['x'] as Float32Array, msg['xShape'] as number[]), { training: false }) as tf.Tensor,
  );
  const values = out.dataSync() as Float32Array;
  post({ type: 'predicted', values, shape: out.shape }, [values.buffer as ArrayBuffer]);
  out.dispose();
}

function step(m: tfl.LayersModel, msg: Msg): void {
  loadWeights(m, msg['weights'] as Float32Array[]);
  const sab = msg['sab'] as SharedArrayBuffer;
  const control = new Int32Array(sab, 0, 1);
  const vars = m.trainableWeights.map((w) => w.read() as tf.Variable);
  const x = tf.tensor(msg['x'] as Float32Array, msg['xShape'] as number[]);
  let abandoned: string | undefined;
  let result: { value: tf.Scalar; grads: tf.NamedTensorMap } | undefined;
  try {
    result = tf.variableGrads(() => {
      const p = m.apply(x, { training: true }) as tf.Tensor;
      const values = Float32Array.from(p.dataSync() as Float32Array);
      post({ type: 'logits', values, shape: p.shape }, [values.buffer as ArrayBuffer]);
      const woke = Atomics.wait(control, 0, AWAITING_GRADIENT, GRADIENT_WAIT_MS);
      if (Atomics.load(control, 0) !== GRADIENT_READY) {
        abandoned =
          woke === 'timed-out'
            ? `no ∂L/∂P from the main thread after ${GRADIENT_WAIT_MS / 1000} s; the step is abandoned`
            : 'the main thread abandoned the step (its loss or metrics failed)';
        // Finish the tape with a zero cotangent rather than throwing out of it: a throw
        // would leave the activations the tape keeps for the backward pass allocated.
        return tf.sum(tf.mul(p, tf.scalar(0))) as tf.Scalar;
      }
      const g = new Float32Array(sab, GRADIENT_BYTE_OFFSET + 4 * (msg['gOffset'] as number), p.size);
      return tf.sum(tf.mul(p, tf.tensor(Float32Array.from(g), p.shape))) as tf.Scalar;
    }, vars);
    if (abandoned) throw new Error(abandoned);
    const out = vars.map((v) => Float32Array.from(result!.grads[v.name]!.dataSync() as Float32Array));
    const nonTrainable = msg['nonTrainable']
      ? m.nonTrainableWeights.map((w) => Float32Array.from(w.read().dataSync() as Float32Array))
      : undefined;
    post(
      { type: 'grads', grads: out, nonTrainable },
      [...out, ...(nonTrainable ?? [])].map((a) => a.buffer as ArrayBuffer),
    );
  } finally {
    tf.dispose([x, ...(result ? [result.value, ...Object.values(result.grads)] : [])]);
  }
}

function postError(err: unknown): void {
  post({ type: 'error', error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
}

parentPort?.on('message', (msg: Msg) => {
  try {
    if (!model) throw new Error(`got '${msg.type}' before the model was built`);
    if (msg.type === 'predict') predict(model, msg);
    else if (msg.type === 'memory')
      post({ type: 'memory', numTensors: tf.memory().numTensors, numBytes: tf.memory().numBytes });
    else if (msg.type === 'step') step(model, msg);
    else if (msg.type === 'profile') {
      // Kernel profile of this worker's backend: 'start' wraps its kernels, 'stop' restores them and replies.
      if (msg['action'] === 'start') profile ??= KernelProfile.start();
      else {
        const rows = profile?.stop() ?? [];
        profile = undefined;
        post({ type: 'profile', rows });
      }
    } else throw new TypeError(`unexpected message '${msg.type}' (expected 'predict', 'step', 'memory' or 'profile')`);
  } catch (err) {
    postError(err);
  }
});

init().catch(postError);
