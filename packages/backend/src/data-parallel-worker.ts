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
import { type TrainingForward, compileTrainingForward } from './tf-graph/native-training-forward';
import { AWAITING_GRADIENT, GRADIENT_READY, GRADIENT_WAIT_MS } from './data-parallel-protocol';
import { views, type ExchangeLayout, type StepRegions } from './data-parallel-exchange';

const data = workerData as {
  backend: string;
  modules: string[];
  modelJson: string;
  /** This worker's index (its gradient region in the exchange buffer). */
  index: number;
  exchange: SharedArrayBuffer;
  layout: ExchangeLayout;
};
let model: tfl.LayersModel | undefined;
/** The model's compiled training pass where the backend and the model allow one (compileTrainingForward), else null. */
let pass: TrainingForward | null = null;
let profile: KernelProfile | undefined;

type Msg = { type: string } & Record<string, unknown>;

function post(msg: unknown, transfer: ArrayBuffer[] = []): void {
  parentPort!.postMessage(msg, transfer);
}

/** The master weights, from the exchange buffer. */
function loadWeights(m: tfl.LayersModel): void {
  const { exchange, layout } = data;
  const weights = views(
    exchange,
    layout.weights.map((w) => w.offset),
    layout.weights.map((w) => w.size),
  );
  tf.tidy(() => m.weights.forEach((w, i) => (w.read() as tf.Variable).assign(tf.tensor(weights[i]!, w.read().shape))));
}

/** A step or prediction message: where its rows are in the step buffer. */
interface Shard {
  sab: SharedArrayBuffer;
  regions: StepRegions;
  start: number;
  xShape: number[];
  outRow: number;
}

/** This shard's rows of x, from the step buffer. */
function shardInput(msg: Shard): tf.Tensor {
  const inRow = tf.util.sizeFromShape(msg.xShape.slice(1));
  const values = new Float32Array(msg.sab, msg.regions.x + 4 * msg.start * inRow, msg.xShape[0]! * inRow);
  return tf.tensor(values, msg.xShape);
}

/** Writes this shard's outputs p into the step buffer's P region. */
function writeOutputs(msg: Shard, p: tf.Tensor): void {
  new Float32Array(msg.sab, msg.regions.p + 4 * msg.start * msg.outRow, p.size).set(p.dataSync());
}

async function init(): Promise<void> {
  await selectBackend({ prefer: data.backend, log: null });
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the model modules are paths known only at run time, loaded synchronously in the worker
  for (const m of data.modules) require(m);
  model = await tfl.models.modelFromJSON(JSON.parse(data.modelJson) as tf.io.ModelJSON['modelTopology']);
  pass = compileTrainingForward(model);
  post({ type: 'ready', backend: tf.getBackend(), weightShapes: model.weights.map((w) => w.shape) });
}

function predict(m: tfl.LayersModel, msg: Shard): void {
  loadWeights(m);
  const out = tf.tidy(() => {
    const x = shardInput(msg);
    return pass ? pass.predict(x) : (m.apply(x, { training: false }) as tf.Tensor);
  });
  writeOutputs(msg, out);
  post({ type: 'predicted', shape: out.shape });
  out.dispose();
}

function step(m: tfl.LayersModel, msg: Shard & { nonTrainable: boolean }): void {
  loadWeights(m);
  const control = new Int32Array(msg.sab, 0, 1);
  const vars = m.trainableWeights.map((w) => w.read() as tf.Variable);
  const x = shardInput(msg);
  let abandoned: string | undefined;
  let result: { value: tf.Scalar; grads: tf.NamedTensorMap } | undefined;
  try {
    result = tf.variableGrads(() => {
      const p = pass ? pass.apply(x) : (m.apply(x, { training: true }) as tf.Tensor);
      writeOutputs(msg, p);
      post({ type: 'logits', shape: p.shape });
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
      const g = new Float32Array(msg.sab, msg.regions.g + 4 * msg.start * msg.outRow, p.size);
      return tf.sum(tf.mul(p, tf.tensor(g.slice(), p.shape))) as tf.Scalar;
    }, vars);
    if (abandoned) throw new Error(abandoned);
    const { exchange, layout } = data;
    const grads = views(
      exchange,
      layout.grads[data.index]!,
      vars.map((v) => v.size),
    );
    vars.forEach((v, k) => grads[k]!.set(result!.grads[v.name]!.dataSync()));
    if (msg.nonTrainable) {
      const nt = m.nonTrainableWeights;
      const targets = views(
        exchange,
        layout.nonTrainable,
        nt.map((w) => w.read().size),
      );
      nt.forEach((w, k) => targets[k]!.set(w.read().dataSync()));
    }
    post({ type: 'grads' });
  } finally {
    tf.dispose([x, ...(result ? [result.value, ...Object.values(result.grads)] : [])]);
  }
}

/** The wasm backend's heap size (it only grows), or 0 on another backend. */
function heapBytes(): number {
  const wasm = (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm;
  return wasm?.HEAPU8?.byteLength ?? 0;
}

function postError(err: unknown): void {
  post({ type: 'error', error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
}

parentPort?.on('message', (msg: Msg) => {
  try {
    if (!model) throw new Error(`got '${msg.type}' before the model was built`);
    if (msg.type === 'predict') predict(model, msg as unknown as Shard);
    else if (msg.type === 'memory') post({ type: 'memory', ...tf.memory(), heapBytes: heapBytes() });
    else if (msg.type === 'step') step(model, msg as unknown as Shard & { nonTrainable: boolean });
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
