// A small non-robust conv net trained in the test (cpu, a few seconds) on separable 8×8 images.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { FGSM, L2CarliniWagnerAttack, L2DeepFoolAttack, L2PGD, LinfPGD, distances } from '../src';
import { quadrantData, trainedConvNet } from './helpers';

let model: tfl.LayersModel;
let images: tf.Tensor4D;
let labels: number[];

beforeAll(async () => {
  const trained = await trainedConvNet();
  model = trained.model;
  expect(trained.accuracy).toBeGreaterThanOrEqual(0.95);
  const data = quadrantData(123, 12);
  images = data.x;
  labels = data.y;
});
afterAll(() => {
  images.dispose();
  model.dispose();
});

const rate = (s: tf.Tensor) => (s.dataSync() as Uint8Array).reduce((a, v) => a + v, 0) / (s.size || 1);

describe('attacks on a trained conv net', () => {
  // LinfPGD uses relStepsize 0.1 (foolbox default 0.01/0.3 with 40 steps travels only 1.33ε, so from a
  // random start it cannot reach the far corners of the ball, where this nearly linear net is weakest;
  // measured: default PGD 8/12 vs FGSM 11/12 at ε = 0.07).
  it('LinfPGD succeeds on ≈100 % at a modest ε, FGSM less, and both stay inside ε and the bounds', async () => {
    const eps = [0.05, 0.08];
    const pgd = await new LinfPGD({ relStepsize: 0.1 }).run(model, images, labels, { epsilons: eps, seed: 1 });
    const fgsm = await new FGSM().run(model, images, labels, { epsilons: eps });
    const pgdRates = pgd.map((r) => rate(r.success));
    const fgsmRates = fgsm.map((r) => rate(r.success));

    console.log(`ε=${eps.join(',')}: LinfPGD ${pgdRates.join(',')}, FGSM ${fgsmRates.join(',')}`);
    expect(pgdRates[1]).toBeGreaterThanOrEqual(0.99);
    for (let i = 0; i < eps.length; i++) {
      expect(fgsmRates[i]).toBeLessThanOrEqual(pgdRates[i]!);
      for (const r of [pgd[i]!, fgsm[i]!]) {
        const d = distances.linf(images, r.clipped);
        expect(tf.max(d).dataSync()[0]).toBeLessThanOrEqual(eps[i]! + 1e-6);
        expect(tf.min(r.clipped).dataSync()[0]).toBeGreaterThanOrEqual(0);
        expect(tf.max(r.clipped).dataSync()[0]).toBeLessThanOrEqual(1);
        // PGD/FGSM never leave the ball or the bounds: raw equals clipped exactly.
        expect(tf.all(tf.equal(r.raw, r.clipped)).dataSync()[0]).toBe(1);
        d.dispose();
      }
    }
    // Somewhere FGSM must be strictly weaker than PGD at the small ε (a single step vs 20).
    expect(fgsmRates[0]).toBeLessThan(pgdRates[0]!);
    [...pgd, ...fgsm].forEach((r) => tf.dispose([r.raw, r.clipped, r.success]));
  });

  it('L2CarliniWagnerAttack finds an adversarial for every image, smaller than L2PGD needs', async () => {
    const cw = await new L2CarliniWagnerAttack({ binarySearchSteps: 4, steps: 100 }).run(model, images, labels);
    expect(rate(cw.success)).toBe(1);
    const d = distances.l2(images, cw.clipped);
    const dMax = tf.max(d).dataSync()[0] as number;
    const dMean = tf.mean(d).dataSync()[0] as number;
    // An L2PGD at the largest CW distance succeeds too (the CW points are genuine).
    const [pgd] = await new L2PGD({ relStepsize: 0.1 }).run(model, images, labels, {
      epsilons: [dMax * 1.05],
      seed: 2,
    });

    console.log(
      `CW L2 distances: mean ${dMean.toFixed(4)}, max ${dMax.toFixed(4)}; L2PGD at ${(dMax * 1.05).toFixed(4)}: ${rate(pgd!.success)}`,
    );
    expect(rate(pgd!.success)).toBeGreaterThanOrEqual(0.99);
    expect(tf.all(tf.equal(cw.raw, cw.clipped)).dataSync()[0]).toBe(1);
    tf.dispose([cw.raw, cw.clipped, cw.success, d, pgd!.raw, pgd!.clipped, pgd!.success]);
  });

  it('failures return the input unchanged with success false', async () => {
    const [tiny] = await new LinfPGD({ steps: 5 }).run(model, images, labels, { epsilons: [1e-3], seed: 3 });
    expect(rate(tiny!.success)).toBe(0);
    expect(tf.all(tf.equal(tiny!.clipped, images)).dataSync()[0]).toBe(1);
    expect(tf.all(tf.equal(tiny!.raw, images)).dataSync()[0]).toBe(1);
    // CW with a constant far too small and one search step finds nothing: input back, not zeros.
    const cw = await new L2CarliniWagnerAttack({ binarySearchSteps: 1, steps: 20, initialConst: 1e-6 }).run(
      model,
      images,
      labels,
    );
    expect(rate(cw.success)).toBe(0);
    expect(tf.all(tf.equal(cw.clipped, images)).dataSync()[0]).toBe(1);
    tf.dispose([tiny!.raw, tiny!.clipped, tiny!.success, cw.raw, cw.clipped, cw.success]);
  });

  it('minimum-norm results with a list of epsilons are clipped to each ε and succeed only within it', async () => {
    const res = await new L2DeepFoolAttack().run(model, images, labels, { epsilons: [0.01, 100] });
    const free = await new L2DeepFoolAttack().run(model, images, labels);
    const dFree = distances.l2(images, free.clipped).dataSync();
    const sBig = res[1]!.success.dataSync();
    const sSmall = res[0]!.success.dataSync();
    for (let i = 0; i < labels.length; i++) {
      expect(sBig[i]).toBe(free.success.dataSync()[i]);
      expect(Boolean(sSmall[i])).toBe(dFree[i]! <= 0.01 && Boolean(sSmall[i]));
    }
    const dSmall = distances.l2(images, res[0]!.clipped);
    expect(tf.max(dSmall).dataSync()[0]).toBeLessThanOrEqual(0.01 + 1e-6);
    [...res, free].forEach((r) => tf.dispose([r.raw, r.clipped, r.success]));
    dSmall.dispose();
  });
});
