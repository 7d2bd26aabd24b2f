/**
 * Training passes kernel by kernel on wasm (@lipnet/backend's
 * `compileTrainingForward`, which gives `compileKernelPass`'s pass there):
 * the same loss, gradients (1e-5 relative) and power-iteration state as the
 * eager `model.apply(x, { training: true })` for demo4's network and for the
 * other layer forms; model.predict's logits; nothing leaked; bad batches
 * refused; demo4's loop takes it, with the same weights after two epochs;
 * LIPNET_KERNEL_PASS=0 turns it off.
 */
import * as tf from '@tensorflow/tfjs-core';
import { compileTrainingForward, selectBackend, setKernelPass } from '@lipnet/backend';
import { buildHkrModel } from '../src/model/hkr-model';
import { expectSameGradients, expectSameTraining, otherFormsModel } from './compiled-pass-checks';
import { useWasmWithLipnetKernels } from './wasm-backend';

useWasmWithLipnetKernels();

test("demo4's network: the kernel pass's loss, gradients and u/σ equal the eager pass's (1e-5), nothing leaks", () => {
  expect(tf.getBackend()).toBe('wasm');
  const model = buildHkrModel(3);
  expectSameGradients(model, 24);
  model.dispose();
}, 120_000);

test("'valid' stride-2 conv + relu, GroupSort layer, no-bias GroupSort dense, bias-only dense: same gradients", () => {
  const model = otherFormsModel();
  expectSameGradients(model, 5);
  model.dispose();
}, 120_000);

test('demo4 training loop: two epochs with the kernel pass end at the weights and losses of two eager epochs (1e-5)', async () => {
  await expectSameTraining(
    () => setKernelPass(false),
    () => setKernelPass(true),
  );
}, 180_000);

test('LIPNET_KERNEL_PASS=0: no compiled pass; the next selectBackend turns it back on; a non-boolean is refused', async () => {
  const model = buildHkrModel(6);
  await selectBackend({ prefer: 'wasm', env: { LIPNET_KERNEL_PASS: '0' }, log: null });
  expect(compileTrainingForward(model)).toBeNull();
  await selectBackend({ prefer: 'wasm', env: {}, log: null });
  const compiled = compileTrainingForward(model);
  expect(compiled).not.toBeNull();
  compiled!.dispose();
  await expect(selectBackend({ prefer: 'wasm', env: { LIPNET_KERNEL_PASS: 'yes' }, log: null })).rejects.toThrow(
    /LIPNET_KERNEL_PASS must be 0 or 1.*got 'yes'/,
  );
  expect(() => setKernelPass('on' as unknown as boolean)).toThrow(/setKernelPass.*`on` to be a boolean, got 'on'/);
  model.dispose();
}, 60_000);
