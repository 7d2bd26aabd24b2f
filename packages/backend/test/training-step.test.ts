import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expectNoLeakedTensors } from '@lipnet/test-utils';
import {
  registerWasmTrainingKernels,
  registeredWasmTrainingKernels,
  unregisterWasmTrainingKernels,
  WASM_TRAINING_KERNELS,
} from '../src';
import { expectRelClose, initWasm, randomArray } from './helpers';

beforeAll(initWasm);

const BATCH = 4;

/** A small copy of the demo4 network: conv 3×3 same → avgpool 2 → conv → avgpool 2 → dense → dense. */
function makeModel(): tfl.Sequential {
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [12, 12, 1], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tfl.layers.averagePooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tfl.layers.averagePooling2d({ poolSize: 2 }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 8, activation: 'relu' }),
      tfl.layers.dense({ units: 3 }),
    ],
  });
}

let initial: { shape: number[]; values: Float32Array }[] = [];
beforeAll(() => {
  const m = makeModel();
  const shapes = m.getWeights().map((w) => w.shape);
  m.dispose();
  initial = shapes.map((s, i) => ({
    shape: s,
    values: randomArray(tf.util.sizeFromShape(s), 1000 + i).map((v) => v * 0.5),
  }));
});
const xs = randomArray(BATCH * 144, 7);
const labels = Array.from({ length: BATCH }, (_, i) => i % 3);

/** Trains `steps` Adam steps from the same initial weights on `backend`; returns the final weights and losses. */
async function train(backend: 'cpu' | 'wasm', steps: number) {
  await tf.setBackend(backend);
  const model = makeModel();
  model.setWeights(initial.map((w) => tf.tensor(w.values, w.shape)));
  const opt = tf.train.adam(0.01);
  const x = tf.tensor4d(xs, [BATCH, 12, 12, 1]);
  const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 3);
  const losses: number[] = [];
  const step = () => {
    const cost = opt.minimize(
      () => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor),
      true,
    )!;
    losses.push(cost.dataSync()[0]!);
    cost.dispose();
  };
  for (let i = 0; i < steps; i++) step();
  const weights = model.getWeights().map((w) => ({ values: Float32Array.from(w.dataSync()), shape: w.shape.slice() }));
  tf.dispose([x, y]);
  opt.dispose();
  model.dispose();
  await tf.setBackend('cpu');
  return { weights, losses };
}

describe('a whole training step on wasm equals cpu', () => {
  test('5 Adam steps of a small demo4-shaped network: weights to 1e-4, losses to 1e-5', async () => {
    const cpu = await train('cpu', 5);
    const wasm = await train('wasm', 5);
    expect(wasm.losses).toHaveLength(5);
    wasm.losses.forEach((l, i) =>
      expect(Math.abs(l - cpu.losses[i]!)).toBeLessThanOrEqual(1e-5 * Math.abs(cpu.losses[i]!)),
    );
    // The step changed the weights (a test of training, not of copying).
    expect(Math.abs(cpu.weights[0]!.values[0]! - initial[0]!.values[0]!)).toBeGreaterThan(1e-4);
    wasm.weights.forEach((w, i) => expectRelClose(w, cpu.weights[i]!, 1e-4));
  });

  test('no tensor leaks across training steps on wasm', async () => {
    await tf.setBackend('wasm');
    const model = makeModel();
    const opt = tf.train.adam(0.01);
    const x = tf.tensor4d(xs, [BATCH, 12, 12, 1]);
    const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 3);
    const step = () =>
      opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor), true);
    await expectNoLeakedTensors(step, 4);
    // Nor on the wasm heap: the backend's own count of live buffers stays put.
    const before = tf.backend().numDataIds();
    tf.dispose(step() ?? []);
    tf.dispose(step() ?? []);
    expect(tf.backend().numDataIds()).toBe(before);
    tf.dispose([x, y]);
    opt.dispose();
    model.dispose();
    await tf.setBackend('cpu');
  });
});

describe('registration', () => {
  test('unregistering restores the stock kernels (training then fails for want of Conv2DBackpropFilter); re-registering works', async () => {
    expect(registeredWasmTrainingKernels().sort()).toEqual([...WASM_TRAINING_KERNELS].sort());
    unregisterWasmTrainingKernels();
    try {
      expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
      await expect(train('wasm', 1)).rejects.toThrow(/Conv2DBackpropFilter/);
    } finally {
      await tf.setBackend('cpu');
      registerWasmTrainingKernels();
    }
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    const again = await train('wasm', 1);
    expect(again.losses[0]).toBeGreaterThan(0);
  });

  test('an unknown kernel name is refused with the list of known ones', () => {
    expect(() => registerWasmTrainingKernels(['Conv3D' as never])).toThrow(
      /unknown kernel 'Conv3D'.*Conv2DBackpropFilter/,
    );
  });
});
