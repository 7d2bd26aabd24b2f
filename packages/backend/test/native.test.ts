/**
 * The real native backend on this machine, whichever state it is in: when
 * `pnpm native:setup` built the tfjs-node addon, forcing 'tensorflow' must
 * activate it on our single tfjs-core and compute; when not, it must fail with
 * the message that names the backend, the reason and the fix.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import {
  BackendUnavailableError,
  registerNativeTrainingKernels,
  selectBackend,
  unregisterNativeTrainingKernels,
} from '../src';

function addonBuilt(pkg: string): boolean {
  const lib = path.join(path.dirname(require.resolve(`${pkg}/package.json`)), 'lib');
  return fs.existsSync(lib) && fs.readdirSync(lib).some((d) => fs.existsSync(path.join(lib, d, 'tfjs_binding.node')));
}

test("forced 'tensorflow' here: works when the addon is built, else a clear BackendUnavailableError", async () => {
  const built = addonBuilt('@tensorflow/tfjs-node') || addonBuilt('@tensorflow/tfjs-node-gpu');
  const lines: string[] = [];
  const result = await selectBackend({ prefer: 'tensorflow', log: (l) => lines.push(l) }).catch((e: unknown) => e);
  if (built && !(result instanceof Error)) {
    expect((result as { tfBackend: string }).tfBackend).toBe('tensorflow');
    expect(tf.getBackend()).toBe('tensorflow');
    const y = tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]]));
    expect(Array.from(y.dataSync())).toEqual([11]);
  } else {
    expect(result).toBeInstanceOf(BackendUnavailableError);
    expect((result as Error).message).toMatch(/backend 'tensorflow' is not available: .+\. Fix: .+/);
    if (!built) expect((result as Error).message).toMatch(/native addon not built/);
  }
  expect(lines.length).toBeGreaterThanOrEqual(1);
});

test("lipnet's Step for 'tensorflow' equals the cpu backend's (NaN, ±∞, ±0 included) and keeps the relu gradient", async () => {
  const special = [NaN, -Infinity, -2, -0, 0, 1e-30, 3, Infinity];
  const random = Array.from({ length: 64 }, (_, i) => Math.sin(i * 1.7) * 3);
  const run = () => [
    Array.from(tf.step(tf.tensor(special)).dataSync()),
    Array.from(tf.step(tf.tensor(special), 0.1).dataSync()),
    Array.from(
      tf
        .grad((v: tf.Tensor) => tf.sum(tf.mul(tf.relu(v), tf.tensor(random))))(tf.tensor(random))
        .dataSync(),
    ),
  ];
  await tf.setBackend('cpu');
  const expected = tf.tidy(run);
  expect(expected[0]).toEqual([NaN, 0, 0, 0, 0, 1, 1, 1]);
  const available = await selectBackend({ prefer: 'tensorflow', log: null }).then(
    () => true,
    () => false,
  );
  if (!available) {
    expect(registerNativeTrainingKernels()).toBe(tf.getKernel('Step', 'tensorflow') !== undefined);
    return;
  }
  expect(registerNativeTrainingKernels()).toBe(true);
  const before = tf.memory().numTensors;
  const got = tf.tidy(run);
  expect(tf.memory().numTensors).toBe(before);
  expect(got).toEqual(expected);
  // The stock kernel gives the same values (what lipnet's replaces, not what it changes).
  unregisterNativeTrainingKernels();
  try {
    expect(tf.tidy(run)).toEqual(expected);
  } finally {
    registerNativeTrainingKernels();
    await tf.setBackend('cpu');
  }
});
