/**
 * The C&W attack demo4 runs gives the same adversarials on the wasm backend (lipnet's kernels
 * registered) as on cpu: every op of its step, including the written-out objective's, behaves
 * the same on both (tfjs-backend-wasm's OneHot, for one, ignores a float32 dtype).
 */
import * as tf from '@tensorflow/tfjs-core';
import { L2CarliniWagnerAttack } from '@lipnet/attacks';
import { vanillaExport } from '@lipnet/layers';
import { buildHkrModel } from '../src/model/hkr-model';
import { ramp, useWasmWithLipnetKernels } from './wasm-backend';

useWasmWithLipnetKernels();

async function attackOn(backend: 'cpu' | 'wasm', weights: Array<{ values: Float32Array; shape: number[] }>) {
  await tf.setBackend(backend);
  const model = buildHkrModel(5);
  model.setWeights(weights.map((w) => tf.tensor(w.values, w.shape)));
  const vanilla = vanillaExport(model);
  const x = tf.tensor4d(ramp(3 * 28 * 28, 41), [3, 28, 28, 1]);
  const labels = tf.tidy(() => tf.argMax(vanilla.predict(x) as tf.Tensor, 1));
  const cw = new L2CarliniWagnerAttack({ binarySearchSteps: 1, steps: 25, initialConst: 100, abortEarly: false });
  const r = await cw.run(vanilla, x, labels);
  const dist = tf.tidy(() => Array.from(tf.sqrt(tf.sum(tf.square(tf.sub(r.raw, x)), [1, 2, 3])).dataSync()));
  const out = { dist, success: Array.from(r.success.dataSync()) };
  tf.dispose([x, labels, r.raw, r.clipped, r.success]);
  model.dispose();
  return out;
}

test('C&W on wasm finds the adversarials cpu finds (distances to 1e-3)', async () => {
  await tf.setBackend('cpu');
  const weights = buildHkrModel(5)
    .getWeights()
    .map((w) => ({ values: w.dataSync() as Float32Array, shape: w.shape }));
  const cpu = await attackOn('cpu', weights);
  const wasm = await attackOn('wasm', weights);
  expect(cpu.success).toEqual([1, 1, 1]); // found, so the distances compare the attack's progress
  expect(wasm.success).toEqual(cpu.success);
  wasm.dist.forEach((d, i) => expect(Math.abs(d - cpu.dist[i]!)).toBeLessThan(1e-3 * Math.max(1, cpu.dist[i]!)));
}, 60_000);
