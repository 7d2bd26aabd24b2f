import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { DDNAttack, L2CarliniWagnerAttack, L2DeepFoolAttack, L2FMNAttack } from '@lipnet/attacks';
import { frobeniusDense, GroupSort2, sequential, spectralDense, vanillaExport } from '@lipnet/layers';
import { certificates, certificatesFromBound, checkCertificates, lipschitzUpperBound } from '../src';
import { pseudoRandom } from '@lipnet/constraints';

// A trained Lipschitz classifier (3 Gaussian classes in [0,1]^16, SpectralDense–GroupSort2 body,
// FrobeniusDense disjoint heads), attacked on 200 test samples by every minimum-norm L2 attack of
// @lipnet/attacks. The attacks target the model's own prediction, so a certificate (about the
// predicted class) is violated exactly when an attack finds a prediction change closer than it.
function blobs(n: number, seed: number, protos: number[][]): { x: tf.Tensor2D; y: number[] } {
  const rnd = pseudoRandom(seed);
  const xs: number[][] = [];
  const ys: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % protos.length;
    // Box–Muller from the uniform generator
    xs.push(
      protos[c]!.map((p) => {
        const u = (rnd() + 1) / 2 || 1e-9;
        const v = (rnd() + 1) / 2;
        return Math.min(1, Math.max(0, p + 0.12 * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)));
      }),
    );
    ys.push(c);
  }
  return { x: tf.tensor2d(xs), y: ys };
}

describe('certificates vs minimum-norm attacks from @lipnet/attacks (200 test samples, trained model)', () => {
  let model: tfl.Sequential;
  let plain: tfl.Sequential;
  let xTest: tf.Tensor2D;
  let pred: number[];
  let logits: tf.Tensor;
  beforeAll(async () => {
    const rnd = pseudoRandom(42);
    const protos = [0, 1, 2].map(() => Array.from({ length: 16 }, () => 0.5 + 0.15 * rnd()));
    const train = blobs(300, 1, protos);
    const test = blobs(200, 2, protos);
    xTest = test.x;
    model = sequential({
      layers: [
        spectralDense({ inputShape: [16], units: 32, activation: new GroupSort2(), kernelInitializer: 'orthogonal' }),
        spectralDense({ units: 32, activation: new GroupSort2(), kernelInitializer: 'orthogonal' }),
        frobeniusDense({ units: 3, kernelInitializer: 'orthogonal' }),
      ],
    });
    // softmax cross-entropy at temperature 20 on the logits (deel-lip's TauCategoricalCrossentropy idea)
    model.compile({
      optimizer: tf.train.adam(1e-2),
      loss: (yt: tf.Tensor, yp: tf.Tensor) => tf.losses.softmaxCrossEntropy(yt, tf.mul(yp, 20)),
    });
    const yTrain = tf.oneHot(tf.tensor1d(train.y, 'int32'), 3);
    await model.fit(train.x, yTrain, { epochs: 10, batchSize: 50, verbose: 0 });
    tf.dispose([train.x, yTrain]);
    // attacks run on the vanilla export (plain Dense layers holding W̄), as Demo 4 does with foolbox;
    // it computes the same function as the @lipnet model (checked below) and is much cheaper to differentiate
    plain = vanillaExport(model);
    logits = plain.predict(xTest) as tf.Tensor;
    const lipnetLogits = model.predict(xTest) as tf.Tensor;
    expect(tf.max(tf.abs(tf.sub(lipnetLogits, logits))).dataSync()[0]).toBeLessThan(1e-5);
    lipnetLogits.dispose();
    pred = Array.from(tf.argMax(logits, 1).dataSync());
    const acc = pred.filter((p, i) => p === test.y[i]).length / 200;
    expect(acc).toBeGreaterThan(0.8);
  });
  afterAll(() => {
    tf.dispose([xTest, logits]);
    model.dispose();
    plain.dispose();
  });

  it('no certificate is violated by C&W, DeepFool, FMN or DDN (nominal /2 and measured-bound certificates)', async () => {
    const nominal = certificates(logits, { disjointHeads: true });
    const bound = lipschitzUpperBound(model);
    const measured = certificatesFromBound(logits, bound);
    const attacks = [
      new L2CarliniWagnerAttack({ binarySearchSteps: 3, steps: 50, stepsize: 5e-2, initialConst: 10 }),
      new L2DeepFoolAttack({ steps: 50 }),
      new L2FMNAttack({ steps: 30 }),
      new DDNAttack({ steps: 30 }),
    ];
    const best = new Float64Array(200).fill(Infinity);
    const lines: string[] = [];
    for (const attack of attacks) {
      const r = await attack.run(plain, xTest, pred, { seed: 0 });
      const d = tf.tidy(() => tf.where(r.success, tf.norm(tf.sub(r.clipped, xTest), 2, 1), tf.fill([200], Infinity)));
      const dv = d.dataSync();
      for (let i = 0; i < 200; i++) best[i] = Math.min(best[i]!, dv[i]!);
      for (const [name, cert] of [
        ['nominal /2', nominal],
        ['measured bound', measured],
      ] as const) {
        const check = checkCertificates(cert, d);
        lines.push(`${attack.name} vs ${name}: ${check.toString().split('\n').slice(0, 2).join('; ')}`);
        expect(check.violations).toEqual([]);
      }
      // every attack is a real attack: it succeeds on most samples
      expect(Array.from(r.success.dataSync()).filter(Boolean).length).toBeGreaterThan(150);
      tf.dispose([r.raw, r.clipped, r.success, d]);
    }
    const all = checkCertificates(nominal, best);
    const allMeasured = checkCertificates(measured, best);

    console.log(
      `${lines.join('\n')}\nbest of 4 attacks vs nominal: ${all.toString()}\nbest of 4 attacks vs measured (bound ${bound.upperBound.toFixed(4)}): ${allMeasured.toString()}`,
    );
    expect(all.violations).toEqual([]);
    expect(allMeasured.violations).toEqual([]);
    expect(all.total - all.unattacked).toBeGreaterThan(190);
    tf.dispose([nominal, measured]);
  });
});
