import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  frobeniusDense,
  GroupSort2,
  ScaledL2NormPooling2D,
  sequential,
  spectralConv2d,
  spectralDense,
  vanillaExport,
} from '@lipnet/layers';
import {
  certificates,
  certificatesFromBound,
  empiricalLipschitz,
  lipschitzUpperBound,
  type LipschitzUpperBound,
} from '../src';

// Demo 4's architecture (deel-lip 2021): SpectralConv2D(16, 3×3, GroupSort2) → ScaledL2NormPooling2D(2)
// → SpectralConv2D(32, 3×3, GroupSort2) → ScaledL2NormPooling2D(2) → Flatten → SpectralDense(64, GroupSort2)
// → FrobeniusDense(10, no bias, disjoint heads); Sequential(kCoefLip = 1). Random weights: the layers
// orthonormalise whatever kernel they hold (RKO + Björck), so the bound is the one of a trained model's
// structure. (The 1568×64 dense uses glorotUniform: tfjs' QR for 'orthogonal' takes minutes on cpu.)
function notebookModel(): tfl.Sequential {
  return sequential({
    layers: [
      spectralConv2d({
        inputShape: [28, 28, 1],
        filters: 16,
        kernelSize: [3, 3],
        activation: new GroupSort2(),
        kernelInitializer: 'orthogonal',
        convNormalization: 'deel-lip', // the notebook's coefficient, whose optimism is measured below
      }),
      new ScaledL2NormPooling2D({ poolSize: [2, 2] }),
      spectralConv2d({
        filters: 32,
        kernelSize: [3, 3],
        activation: new GroupSort2(),
        kernelInitializer: 'orthogonal',
        convNormalization: 'deel-lip', // the notebook's coefficient, whose optimism is measured below
      }),
      new ScaledL2NormPooling2D({ poolSize: [2, 2] }),
      tfl.layers.flatten(),
      spectralDense({ units: 64, activation: new GroupSort2(), kernelInitializer: 'glorotUniform' }),
      frobeniusDense({ units: 10, useBias: false, kernelInitializer: 'glorotUniform' }),
    ],
    kCoefLip: 1,
  });
}

describe('notebook architecture (@lipnet layers, nominal constant 1)', () => {
  let model: tfl.Sequential;
  let x: tf.Tensor;
  let b: LipschitzUpperBound;
  beforeAll(() => {
    model = notebookModel();
    x = tf.randomUniform([2, 28, 28, 1], 0, 1, 'float32', 1);
    b = lipschitzUpperBound(model);
  });
  afterAll(() => {
    x.dispose();
    model.dispose();
  });

  it('certified bounds ≤ 1.01 × nominal and ≥ the empirical lower bounds (Jacobian and attack)', () => {
    const e = empiricalLipschitz(model, x, { attackSteps: 4 });

    console.log(
      `${b.toString()}\nempirical: jacobian ${e.jacobian!.toFixed(5)}, attack ${e.attack!.toFixed(5)}, per-head max ${Math.max(...e.perHead!).toFixed(5)}`,
    );
    // Nominal (deel-lip): the body is 1-Lipschitz and each FrobeniusDense head is 1-Lipschitz (disjoint
    // neurons), so the nominal constant of every logit is 1 — that is what `/2` certificates use. The
    // whole vector map has no nominal constant 1 (its last matrix has unit columns, σ_max up to √10).
    expect(b.heads!.bodyBound).toBeLessThanOrEqual(1.01);
    expect(Math.max(...b.heads!.perHead)).toBeLessThanOrEqual(1.01);
    expect(b.upperBound).toBeLessThanOrEqual(Math.sqrt(10) * 1.01);
    expect(e.lowerBound).toBeLessThanOrEqual(b.upperBound);
    expect(e.lowerBound).toBeGreaterThan(0.05);
    // FrobeniusDense heads are unit-norm columns: per-head bound = body bound, and each head's gradient stays below it
    b.heads!.perHead.forEach((h, i) => {
      expect(h).toBeCloseTo(b.heads!.bodyBound, 4);
      expect(e.perHead![i]).toBeLessThanOrEqual(h);
    });
    for (const row of b.layers) expect(row.bound).toBeGreaterThanOrEqual(row.estimate * (1 - 1e-4));
    expect(b.layers.map((r) => r.exportedAs ?? r.className)).toEqual([
      'Conv2D + GroupSort2',
      'ScaledL2NormPooling2D',
      'Conv2D + GroupSort2',
      'ScaledL2NormPooling2D',
      'Flatten',
      'Dense + GroupSort2',
      'Dense',
    ]);
    // Measured, not nominal: the first SpectralConv2D (3×3×1 → 16, so RKO makes its 9×16 reshaped kernel
    // row-orthonormal) has operator norm 3 × deel-lip's border coefficient 28/82 = 1.02439 on 28×28, i.e. the
    // nominal "1-Lipschitz" of this layer is 2.4 % optimistic; the network stays below 1 thanks to the others.
    expect(b.layers[0]!.estimate).toBeCloseTo((3 * 28) / 82, 4);
    expect(b.layers[0]!.bound).toBeCloseTo((3 * 28) / 82, 4);
    // SpectralDense after Björck: σ_max = 1 within 1e-3
    expect(Math.abs(b.layers[5]!.bound - 1)).toBeLessThan(1e-3);
  });

  it('certificates from the measured bound are at least the nominal /2 ones when the body bound is < 1', () => {
    const logits = model.predict(x) as tf.Tensor;
    const nominal = certificates(logits, { disjointHeads: true }).dataSync();
    const measured = certificatesFromBound(logits, b).dataSync();
    expect(b.heads!.bodyBound).toBeLessThan(1);
    for (let i = 0; i < nominal.length; i++) expect(measured[i]).toBeGreaterThanOrEqual(nominal[i]! * (1 - 1e-5));
    logits.dispose();
  });

  it('the vanilla-exported plain tfjs model gets the same bounds (Conv2D/Dense holding W̄, separate GroupSort2 layers)', () => {
    const plain = vanillaExport(model);
    const p = lipschitzUpperBound(plain);
    expect(p.layers.map((r) => r.className)).toEqual([
      'Conv2D',
      'GroupSort2',
      'ScaledL2NormPooling2D',
      'Conv2D',
      'GroupSort2',
      'ScaledL2NormPooling2D',
      'Flatten',
      'Dense',
      'GroupSort2',
      'Dense',
    ]);
    expect(p.upperBound).toBeCloseTo(b.upperBound, 5);
    p.heads!.perHead.forEach((h, i) => expect(h).toBeCloseTo(b.heads!.perHead[i]!, 5));
    plain.dispose();
  });
});
