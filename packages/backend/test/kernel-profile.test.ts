/**
 * KernelProfile: every kernel of a backend timed while it runs, exclusive of
 * nested kernels, the original configs restored at stop, one profile at a time;
 * and DataParallelTrainer.profileKernels inside worker threads.
 */
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { DataParallelTrainer, KernelProfile } from '../src';
import { randomArray } from './helpers';

function busyWait(ms: number): void {
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    /* spin */
  }
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

test('counts calls per kernel (and per input shapes) and restores the original kernels', () => {
  const before = tf.getKernel('BatchMatMul', 'cpu').kernelFunc;
  const a = tf.tensor2d(randomArray(6, 1), [2, 3]);
  const b = tf.tensor2d(randomArray(12, 2), [3, 4]);
  const tensors = tf.memory().numTensors;
  const p = KernelProfile.start('cpu', { byShape: true });
  expect(tf.getKernel('BatchMatMul', 'cpu').kernelFunc).not.toBe(before);
  tf.tidy(() => {
    tf.matMul(a, b);
    tf.matMul(a, b);
    tf.add(a, a);
  });
  const rows = p.stop();
  expect(tf.memory().numTensors).toBe(tensors);
  expect(tf.getKernel('BatchMatMul', 'cpu').kernelFunc).toBe(before);
  const mm = rows.find((r) => r.kernel === 'BatchMatMul a[2,3] b[3,4]');
  expect(mm?.calls).toBe(2);
  expect(rows.find((r) => r.kernel.startsWith('Add '))?.calls).toBe(1);
  rows.forEach((r) => expect(r.ms).toBeGreaterThanOrEqual(0));
  expect(p.stop()).toEqual(rows); // idempotent
  tf.dispose([a, b]);
});

test('a kernel that runs another through the engine is charged its own time only', () => {
  tf.registerKernel({
    kernelName: 'LipnetProfileInner',
    backendName: 'cpu',
    kernelFunc: ({ inputs, backend }) => {
      busyWait(30);
      const x = inputs['x']!;
      (backend as tf.KernelBackend).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  });
  tf.registerKernel({
    kernelName: 'LipnetProfileOuter',
    backendName: 'cpu',
    kernelFunc: ({ inputs }) => {
      busyWait(20);
      const y = tf.engine().runKernel('LipnetProfileInner', { x: inputs['x']! as tf.Tensor }, {}) as tf.Tensor;
      return { dataId: y.dataId, shape: y.shape, dtype: y.dtype };
    },
  });
  try {
    const x = tf.scalar(1);
    const p = KernelProfile.start('cpu');
    const t0 = performance.now();
    const y = tf.engine().runKernel('LipnetProfileOuter', { x }, {}) as tf.Tensor;
    const wall = performance.now() - t0;
    const rows = p.stop();
    const outer = rows.find((r) => r.kernel === 'LipnetProfileOuter')!;
    const inner = rows.find((r) => r.kernel === 'LipnetProfileInner')!;
    expect(inner.ms).toBeGreaterThanOrEqual(30);
    expect(outer.ms).toBeGreaterThanOrEqual(20);
    // Without the nested time subtracted, outer alone would be ≥ 50 and the sum would exceed the wall time.
    expect(outer.ms + inner.ms).toBeLessThanOrEqual(wall + 0.5);
    tf.dispose([x, y]);
  } finally {
    tf.unregisterKernel('LipnetProfileOuter', 'cpu');
    tf.unregisterKernel('LipnetProfileInner', 'cpu');
  }
});

test('one profile at a time', () => {
  const p = KernelProfile.start('cpu');
  try {
    expect(() => KernelProfile.start('cpu')).toThrow(/a profile of 'cpu' is running. Call stop\(\)/);
  } finally {
    p.stop();
  }
  KernelProfile.start('cpu').stop(); // a new one starts after stop
});

test('DataParallelTrainer.profileKernels profiles each worker thread', async () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createModel } = require(path.join(__dirname, 'fixtures', 'small-model.js')) as {
    createModel: () => import('@tensorflow/tfjs-layers').LayersModel;
  };
  const trainer = await DataParallelTrainer.create({ model: createModel(), workers: 2, backend: 'cpu' });
  try {
    const x = tf.tensor4d(randomArray(6 * 64, 5), [6, 8, 8, 1]);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32'), 3);
    const opt = tf.train.adam(0.01);
    const loss = (t: tf.Tensor, p: tf.Tensor) => tf.losses.softmaxCrossEntropy(t, p);
    const rows = await trainer.profileKernels(() => trainer.step(x, y, opt, loss));
    expect(rows).toHaveLength(2);
    for (const w of rows) {
      const names = w.map((r) => r.kernel);
      expect(names).toEqual(expect.arrayContaining(['Conv2D', 'Conv2DBackpropFilter']));
      expect(w.find((r) => r.kernel === 'Conv2D')!.calls).toBeGreaterThanOrEqual(1);
    }
    // The workers' kernels were restored: a step outside a profile reports nothing new.
    const idle = await trainer.profileKernels(() => Promise.resolve(undefined));
    expect(idle).toEqual([[], []]);
    await trainer.step(x, y, opt, loss);
    // A failing span still stops the workers' profiles and rethrows.
    await expect(trainer.profileKernels(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await trainer.step(x, y, opt, loss);
    tf.dispose([x, y]);
  } finally {
    await trainer.dispose();
  }
});
