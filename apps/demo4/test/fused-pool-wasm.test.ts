/**
 * demo4's network on the wasm backend with lipnet's kernels: each
 * ScaledL2NormPooling2D pools from its convolution's z and bias through
 * LipnetBiasPairSortL2Pool (and its gradient). The logits and every weight
 * gradient equal those of the same network on wasm with the separate kernels
 * (the conv's LipnetBiasPairSort, then the pooling's LipnetL2Pool), to 1e-5.
 * (cpu's stock ops would take 9 s here; @lipnet/backend's tests compare the
 * kernels with a stock tfjs composition, @lipnet/layers' the wiring on cpu.)
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  KernelProfile,
  WASM_TRAINING_KERNELS,
  registerWasmTrainingKernels,
  unregisterWasmTrainingKernels,
} from '@lipnet/backend';
import { expectTensorsClose } from '@lipnet/test-utils';
import { buildHkrModel } from '../src/model/hkr-model';
import { ramp, useWasmWithLipnetKernels } from './wasm-backend';

const FUSED = ['LipnetBiasPairSortL2Pool', 'LipnetBiasPairSortL2PoolGrad'];

useWasmWithLipnetKernels();

type Pass = { outputs: Float32Array[]; calls: Record<string, number> };

/** Logits and weight gradients of ⟨model(x), dy⟩ on `backend`, from `weights`; kernel calls counted. */
async function pass(backend: 'wasm', weights: Array<{ values: Float32Array; shape: number[] }>): Promise<Pass> {
  await tf.setBackend(backend);
  const model = buildHkrModel(3);
  model.setWeights(weights.map((w) => tf.tensor(w.values, w.shape)));
  const x = tf.tensor4d(ramp(2 * 28 * 28, 37), [2, 28, 28, 1]);
  const dy = tf.tensor2d(ramp(20, 11), [2, 10]);
  const vars = model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
  const profile = KernelProfile.start(backend);
  const { value, grads } = tf.variableGrads(
    () => tf.sum(tf.mul(model.apply(x, { training: true }) as tf.Tensor, dy)) as tf.Scalar,
    vars,
  );
  const rows = profile.stop();
  const logits = tf.tidy(() => model.predict(x) as tf.Tensor);
  const outputs = [logits, ...vars.map((v) => grads[v.name]!)].map((t) => Float32Array.from(t.dataSync()));
  tf.dispose([x, dy, value, logits, ...Object.values(grads)]);
  model.dispose();
  const calls = Object.fromEntries(FUSED.map((k) => [k, rows.find((r) => r.kernel === k)?.calls ?? 0]));
  return { outputs, calls };
}

test("demo4's network on wasm: the fused pooling's logits and weight gradients equal the separate kernels' ones", async () => {
  await tf.setBackend('cpu');
  const built = buildHkrModel(3);
  const weights = built.getWeights().map((w) => ({ values: Float32Array.from(w.dataSync()), shape: w.shape }));
  built.dispose();

  const fused = await pass('wasm', weights);
  unregisterWasmTrainingKernels();
  registerWasmTrainingKernels(WASM_TRAINING_KERNELS.filter((k) => !FUSED.includes(k)));
  const separate = await pass('wasm', weights);

  expect(fused.calls).toEqual({ LipnetBiasPairSortL2Pool: 2, LipnetBiasPairSortL2PoolGrad: 2 });
  expect(separate.calls).toEqual({ LipnetBiasPairSortL2Pool: 0, LipnetBiasPairSortL2PoolGrad: 0 });
  expect(separate.outputs.length).toBe(fused.outputs.length);
  fused.outputs.forEach((got, i) => {
    const want = separate.outputs[i]!;
    const scale = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(scale).toBeGreaterThan(0);
    expectTensorsClose(got, want, { rtol: 1e-5, atol: 1e-5 * scale });
  });
});
