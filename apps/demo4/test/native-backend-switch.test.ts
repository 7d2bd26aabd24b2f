/**
 * A demo4 model built and exported on 'cpu' predicts the same logits on 'tensorflow' (native build
 * only). Its cached normalised kernels are reshapes of 2-D matrices, whose data tfjs-core moves to
 * tfjs-node with the 2-D shape; before @lipnet/backend's `installMovedShapeFix` the first conv failed
 * with "filter must be 4-dimensional: [9,16]".
 */
import * as tf from '@tensorflow/tfjs-core';
import { vanillaExport } from '@lipnet/layers';
import { selectBackend } from '@lipnet/backend';
import { buildHkrModel } from '../src/model/hkr-model';
import { ramp } from './wasm-backend';

test("a model built on 'cpu' gives the same logits on 'tensorflow' (1e-5)", async () => {
  const native = await selectBackend({ prefer: 'tensorflow', log: null }).then(
    () => true,
    () => false,
  );
  if (!native) {
    console.log('native-backend-switch: no native build here (pnpm native:setup); skipped');
    return;
  }
  await tf.setBackend('cpu');
  const model = buildHkrModel(5);
  const vanilla = vanillaExport(model);
  const x = tf.tensor4d(ramp(2 * 28 * 28, 17), [2, 28, 28, 1]);
  const expected = [model, vanilla].map((m) => Array.from((m.predict(x) as tf.Tensor).dataSync()));
  await tf.setBackend('tensorflow');
  const got = [model, vanilla].map((m) => Array.from((m.predict(x) as tf.Tensor).dataSync()));
  got.forEach((g, k) => g.forEach((v, i) => expect(Math.abs(v - expected[k]![i]!)).toBeLessThan(1e-5)));
  await tf.setBackend('cpu');
  model.dispose();
  x.dispose();
}, 60_000);
