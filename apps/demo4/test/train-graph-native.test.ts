/**
 * Training passes as TensorFlow graph runs (@lipnet/backend's
 * `compileTrainingForward`, native build only): the same loss, the same
 * gradients of every trainable weight (1e-5 relative) and the same power-
 * iteration state as the eager `model.apply(x, { training: true })`, for
 * demo4's network and for a network with the other layer forms the graph
 * writes; no tensor leaked; and demo4's training loop takes it, with the
 * same weights after two epochs.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import {
  compileTrainingForward,
  registerNativeTraining,
  selectBackend,
  unregisterNativeTraining,
} from '@lipnet/backend';
import { spectralDense } from '@lipnet/layers';
import * as path from 'path';
import { buildHkrModel } from '../src/model/hkr-model';
import { expectSameGradients, expectSameTraining, otherFormsModel } from './compiled-pass-checks';

async function native(): Promise<boolean> {
  const ok = await selectBackend({ prefer: 'tensorflow', log: null }).then(
    () => true,
    () => false,
  );
  if (!ok) console.log('train-graph-native: no native build here (pnpm native:setup); skipped');
  if (!ok) return false;
  const probe = tfl.sequential({ layers: [spectralDense({ units: 2, inputShape: [2] })] });
  const compiled = compileTrainingForward(probe);
  compiled?.dispose();
  probe.dispose();
  if (!compiled) console.log('train-graph-native: native build without the training graph; skipped');
  return compiled !== null;
}

test("demo4's network: the graph's loss, gradients and u/σ equal the eager pass's (1e-5), nothing leaks", async () => {
  if (!(await native())) return;
  const model = buildHkrModel(3);
  expectSameGradients(model, 24);
  model.dispose();
}, 120_000);

test("'valid' stride-2 conv + relu, GroupSort layer, no-bias GroupSort dense, bias-only dense: same gradients", async () => {
  if (!(await native())) return;
  const model = otherFormsModel();
  expectSameGradients(model, 5);
  model.dispose();
}, 120_000);

test('demo4 training loop: two epochs with the graph (validation pass included) end at the weights and losses of two eager epochs (1e-5)', async () => {
  if (!(await native())) return;
  await expectSameTraining(unregisterNativeTraining, () =>
    registerNativeTraining(path.dirname(require.resolve('@tensorflow/tfjs-node/package.json'))),
  );
}, 180_000);

test('LIPNET_TRAIN_GRAPH=0: no compiled training forward; the next selectBackend turns it back on', async () => {
  if (!(await native())) return;
  const model = buildHkrModel(6);
  await selectBackend({ prefer: 'tensorflow', env: { LIPNET_TRAIN_GRAPH: '0' }, log: null });
  expect(compileTrainingForward(model)).toBeNull();
  await selectBackend({ prefer: 'tensorflow', env: {}, log: null });
  const compiled = compileTrainingForward(model);
  expect(compiled).not.toBeNull();
  compiled!.dispose();
  model.dispose();
}, 60_000);
