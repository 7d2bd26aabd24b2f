// A stranger's program: train a small Lipschitz classifier, certify it, attack it, save and reload it.
// Written against the published packages only; run as CommonJS, as ESM, and in a browser.
import * as tf from '@tensorflow/tfjs';
import { frobeniusDense, GroupSort, sequential, spectralDense } from '@lipnet/layers';
import { MulticlassHKR, MulticlassKR } from '@lipnet/losses';
import { certificates, checkCertificates } from '@lipnet/certificates';
import { L2CarliniWagnerAttack, distances } from '@lipnet/attacks';

/** Saves a model somewhere and loads it back (files in Node, IndexedDB in a browser). */
export type SaveAndReload = (model: tf.LayersModel) => Promise<tf.LayersModel>;

/** Three Gaussian blobs in 4-D around 2·e_k, features clipped to [-4, 4]. */
function blobs(n: number, seed: number): { x: tf.Tensor2D; labels: tf.Tensor1D } {
  return tf.tidy(() => {
    const labels = tf.tensor1d(
      Array.from({ length: n }, (_, i) => i % 3),
      'int32',
    );
    const centers = tf.mul(tf.oneHot(labels, 4), 2);
    const x = tf.clipByValue(tf.add(centers, tf.randomNormal([n, 4], 0, 0.5, 'float32', seed)), -4, 4);
    return { x: x as tf.Tensor2D, labels };
  });
}

export async function trainCertifyAttack(saveAndReload: SaveAndReload, log: (line: string) => void): Promise<void> {
  await tf.setBackend('cpu');
  log(`tfjs ${tf.version.tfjs} on the ${tf.getBackend()} backend`);
  const train = blobs(300, 1);
  const test = blobs(24, 2);
  const model = sequential({
    layers: [
      spectralDense({ units: 16, inputShape: [4], activation: new GroupSort({ n: 2 }) }),
      spectralDense({ units: 16, activation: new GroupSort({ n: 2 }) }),
      frobeniusDense({ units: 3, useBias: false }),
    ],
    kCoefLip: 1,
  });
  model.compile({
    optimizer: tf.train.adam(0.01),
    loss: MulticlassHKR({ alpha: 10, minMargin: 0.5 }),
    metrics: ['accuracy', MulticlassKR()],
  });
  const y = tf.oneHot(train.labels, 3);
  const h = await model.fit(train.x, y, { epochs: 15, batchSize: 50, verbose: 0 });
  const last = (k: string) => Number(h.history[k]![h.history[k]!.length - 1]).toFixed(3);
  log(`trained 15 epochs: acc ${last('acc')}, MulticlassKR ${last('MulticlassKR')}`);

  const logits = model.predict(test.x) as tf.Tensor2D;
  const predicted = tf.argMax(logits, 1) as tf.Tensor1D;
  const accuracy = tf.mean(tf.cast(tf.equal(predicted, test.labels), 'float32')).dataSync()[0]!;
  const radii = certificates(logits, { disjointHeads: true });
  log(`test accuracy ${accuracy.toFixed(3)}; mean certified L2 radius ${tf.mean(radii).dataSync()[0]!.toFixed(3)}`);
  if (accuracy < 0.9) throw new Error(`accuracy ${accuracy} < 0.9: training failed`);

  const attack = new L2CarliniWagnerAttack({ binarySearchSteps: 6, steps: 200 });
  const { clipped, success } = await attack.run(model, test.x, predicted, { bounds: [-4, 4] });
  const found = distances.l2(test.x, clipped);
  const dist = tf.where(success, found, tf.fill(found.shape, Infinity));
  const check = checkCertificates(radii, dist);
  log(`Carlini-Wagner: ${check.total - check.unattacked}/${check.total} adversarial examples found`);
  log(`certificates respected: ${check.respected}/${check.total}; tightest ratio ${check.tightestRatio.toFixed(3)}`);
  if (check.violations.length > 0) throw new Error(`certificate violations: ${JSON.stringify(check.violations)}`);

  const reloaded = await saveAndReload(model);
  const again = reloaded.predict(test.x) as tf.Tensor;
  const same = tf.all(tf.equal(logits, again)).dataSync()[0] === 1;
  log(
    `saved and reloaded (${reloaded.layers.map((l) => l.getClassName()).join(', ')}): predictions ${same ? 'identical' : 'DIFFERENT'}`,
  );
  if (!same) throw new Error('the reloaded model predicts differently');
  log('LIPNET-CONSUMER-OK');
}
