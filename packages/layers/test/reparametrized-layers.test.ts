import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expectTensorsClose, expectNoLeakedTensors, saveLoadRoundTrip } from '@lipnet/test-utils';
import { SpectralDense, SpectralConv2D, FrobeniusDense, FrobeniusConv2D, GroupSort } from '../src';
import { effectiveKernel, kernelSingularValues, empiricalLipschitz, wrap, fitSteps } from './helpers';

interface Case {
  name: string;
  make: () => tfl.layers.Layer;
  inputShape: number[];
  /** Bound on σ_max of the reshaped effective kernel. */
  kernelBound: (l: tfl.layers.Layer) => number;
  /** Guaranteed Lipschitz bound of the layer (L2 → L2). */
  lipBound: number;
  /** Whether all singular values of the reshaped kernel equal the bound (RKO). */
  orthogonal: boolean;
}

const frobConvCoef = (l: tfl.layers.Layer) => (l as unknown as { convCoef: number }).convCoef;

const cases: Case[] = [
  {
    name: 'SpectralDense k=1',
    make: () => new SpectralDense({ units: 6 }),
    inputShape: [10],
    kernelBound: () => 1,
    lipBound: 1,
    orthogonal: true,
  },
  {
    name: 'SpectralDense k=2, GroupSort activation',
    make: () => new SpectralDense({ units: 6, kCoefLip: 2, activation: new GroupSort({ n: 2 }) }),
    inputShape: [4],
    kernelBound: () => 2,
    lipBound: 2,
    orthogonal: true,
  },
  {
    name: "SpectralDense deelLipVersion '1.2'",
    make: () => new SpectralDense({ units: 5, deelLipVersion: '1.2' }),
    inputShape: [7],
    kernelBound: () => 1,
    lipBound: 1,
    orthogonal: true,
  },
  {
    name: "SpectralConv2D 3×3 'strict'",
    make: () => new SpectralConv2D({ filters: 8, kernelSize: 3, convNormalization: 'strict', activation: 'relu' }),
    inputShape: [8, 8, 3],
    kernelBound: () => 1 / 3,
    lipBound: 1,
    orthogonal: true,
  },
  {
    name: "SpectralConv2D 3×3 'same' strides 2 (deel-lip 1.5 coefficient)",
    make: () => new SpectralConv2D({ filters: 4, kernelSize: 3, strides: 2 }),
    inputShape: [9, 9, 2],
    kernelBound: () => 0.5,
    lipBound: 1,
    orthogonal: true,
  },
  {
    name: 'FrobeniusDense (whole kernel)',
    make: () => new FrobeniusDense({ units: 4, disjointNeurons: false }),
    inputShape: [6],
    kernelBound: () => 1,
    lipBound: 1,
    orthogonal: false,
  },
  {
    name: "FrobeniusConv2D 'strict'",
    make: () => new FrobeniusConv2D({ filters: 3, kernelSize: 3, convNormalization: 'strict' }),
    inputShape: [6, 6, 2],
    kernelBound: (l) => frobConvCoef(l),
    lipBound: 1,
    orthogonal: false,
  },
];

const measured: Record<string, unknown> = {};
afterAll(() => {
  // The figures quoted in the README / report.
  console.log(JSON.stringify(measured, null, 1));
});

describe.each(cases)('$name', (c) => {
  it('σ_max of the effective kernel ≤ bound·(1+1e-3) before and after 20 Adam steps at lr 0.1 (Jacobi SVD); Lipschitz measured ≤ bound', async () => {
    const layer = c.make();
    const model = wrap(layer, c.inputShape);
    const before = kernelSingularValues(effectiveKernel(layer));
    const raw0 = layer.getWeights()[0]!.clone();
    await fitSteps(model, c.inputShape, 20, 0.1);
    const raw1 = layer.getWeights()[0]!;
    // fit really moved the raw kernel
    expect(tf.max(tf.abs(tf.sub(raw0, raw1))).dataSync()[0]).toBeGreaterThan(1e-2);
    const after = kernelSingularValues(effectiveKernel(layer));
    const kb = c.kernelBound(layer);
    for (const s of [before, after]) expect(s[0]!).toBeLessThanOrEqual(kb * (1 + 1e-3));
    // From the orthogonal initialisation RKO gives all singular values = bound. After 20 steps at
    // lr 0.1 the raw kernel can be ill-conditioned and Björck (eps-stopped, ≤ 15 iterations, as
    // deel-lip) may leave σ_min below the bound: reported, not asserted.
    if (c.orthogonal) expect(before[before.length - 1]!).toBeGreaterThan(kb * 0.99);
    const lip = empiricalLipschitz((x) => layer.apply(x) as tf.Tensor, c.inputShape, { samples: 3, steps: 25 });
    expect(lip.max).toBeLessThanOrEqual(c.lipBound * (1 + 1e-3));
    // the measurement is tight (not vacuous) for an orthogonal dense map: ‖J‖ = k exactly
    if (c.name.startsWith('SpectralDense') && !c.name.includes('GroupSort'))
      expect(lip.max).toBeGreaterThan(c.lipBound * 0.99);
    measured[c.name] = {
      sigmaMaxBefore: before[0],
      sigmaMaxAfter: after[0],
      sigmaMinAfter: after[after.length - 1],
      kernelBound: kb,
      empiricalLip: lip,
    };
  });

  it('save → load round trip: same config, same predictions', async () => {
    const layer = c.make();
    const model = wrap(layer, c.inputShape);
    await fitSteps(model, c.inputShape, 2, 0.05);
    const x = tf.randomNormal([2, ...c.inputShape], 0, 1, 'float32', 5);
    const back = await saveLoadRoundTrip(model);
    const loaded = back.layers.find((l) => l.name === layer.name)!;
    expect(loaded.getClassName()).toBe(layer.getClassName());
    expect(loaded.getConfig()).toEqual(layer.getConfig());
    expectTensorsClose(back.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor, { atol: 1e-6, rtol: 1e-5 });
  });

  it('no tensor leaks over 10 training steps and in predict', async () => {
    const layer = c.make();
    const model = wrap(layer, c.inputShape);
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
    const x = tf.randomNormal([2, ...c.inputShape]);
    const y = tf.zerosLike(model.predict(x) as tf.Tensor);
    await expectNoLeakedTensors(() => model.trainOnBatch(x, y), 10);
    await expectNoLeakedTensors(() => model.predict(x), 3);
  });
});

describe('FrobeniusDense disjointNeurons (default true)', () => {
  it('each output column has norm k, so each output is k-Lipschitz on its own', async () => {
    const layer = new FrobeniusDense({ units: 5, kCoefLip: 1.5 });
    const model = wrap(layer, [8]);
    await fitSteps(model, [8], 20, 0.1);
    const k = effectiveKernel(layer);
    expectTensorsClose(tf.sqrt(tf.sum(tf.square(k), 0)), [1.5, 1.5, 1.5, 1.5, 1.5], { atol: 1e-5 });
    for (let j = 0; j < 5; j++) {
      const lip = empiricalLipschitz((x) => tf.slice(layer.apply(x) as tf.Tensor, [0, j], [-1, 1]), [8], {
        samples: 2,
        steps: 5,
      });
      expect(lip.max).toBeLessThanOrEqual(1.5 * (1 + 1e-3));
      expect(lip.max).toBeGreaterThan(1.5 * 0.999); // a linear functional: its gradient norm is exactly 1.5
    }
  });
});

describe("SpectralConv2D with deel-lip's stride-1 coefficient", () => {
  it('is bounded by coef·√(kh·kw)·k, and can exceed k (deel-lip uses the average pixel coverage)', () => {
    // kh·kw·C_in = 9 ≤ filters = 16: the orthonormal reshaped kernel has orthonormal rows,
    // so the conv operator's norm is exactly coef·3 on interior pixels.
    const layer = new SpectralConv2D({ filters: 16, kernelSize: 3, convNormalization: 'deel-lip' });
    wrap(layer, [10, 10, 1]);
    const coef = layer.convCoefficient!;
    expect(coef).toBeCloseTo(10 / 28, 6);
    const lip = empiricalLipschitz((x) => layer.apply(x) as tf.Tensor, [10, 10, 1], { samples: 2, steps: 40 });
    expect(lip.max).toBeLessThanOrEqual(3 * coef * (1 + 1e-3));
    expect(lip.max).toBeGreaterThan(1.01);
    measured['SpectralConv2D 1→16 3×3 10×10 deel-lip coefficient'] = {
      coef,
      rigorousBound: 3 * coef,
      empiricalLip: lip,
    };
  });
});

describe("SpectralConv2D strides 2 with deel-lip 1.2.0's border-aware coefficient", () => {
  it('reaches 2·coef > 1 (coverage ⌈3/2⌉² = 4), so 1.2.0 strided convs are not 1-Lipschitz; 1.5 (0.5) is', () => {
    const layer = new SpectralConv2D({
      filters: 16,
      kernelSize: 3,
      strides: 2,
      deelLipVersion: '1.2',
      convNormalization: 'deel-lip',
    });
    wrap(layer, [12, 12, 1]);
    const coef = layer.convCoefficient!;
    expect(coef).toBeGreaterThan(0.5);
    const lip = empiricalLipschitz((x) => layer.apply(x) as tf.Tensor, [12, 12, 1], { samples: 2, steps: 40 });
    expect(lip.max).toBeLessThanOrEqual(2 * coef * (1 + 1e-3));
    expect(lip.max).toBeGreaterThan(1.05);
    measured['SpectralConv2D 1→16 3×3 stride 2 12×12 deel-lip 1.2.0 coefficient'] = {
      coef,
      rigorousBound: 2 * coef,
      empiricalLip: lip,
    };
  });
});
