import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expectNoLeakedTensors, expectTensorsClose, saveLoadRoundTrip } from '@lipnet/test-utils';
import {
  BatchCentering,
  BatchLipNorm,
  LayerCentering,
  LipResidual,
  ScaleBiasLayer,
  ScaledAdaptativeL2NormPool2d,
  ScaledAdaptiveAvgPool2d,
  batchLipNorm,
  layerCentering,
  lipResidual,
  scaleBiasLayer,
  scaledAdaptativeL2NormPool2d,
  scaledAdaptiveAvgPool2d,
  vanillaExport,
} from '../src';
import { jacobianNorm, randn } from './activations/probe';

const x4 = () =>
  tf.tensor4d(
    randn(2 * 3 * 4 * 2, 7).map((v) => 2 * v + 1),
    [2, 3, 4, 2],
  );

describe('LayerCentering, ScaleBiasLayer, scaled adaptive poolings: Lipschitz constants from the Jacobian SVD', () => {
  it('LayerCentering is 1-Lipschitz (a projection), ScaleBiasLayer |s|, the adaptive pools k', () => {
    const cases: [tfl.layers.Layer, number][] = [
      [layerCentering(), 1],
      [scaleBiasLayer({ scalar: -0.6 }), 0.6],
      [scaledAdaptiveAvgPool2d({ kCoefLip: 0.5 }), 0.5],
      [scaledAdaptativeL2NormPool2d({ kCoefLip: 2 }), 2],
    ];
    for (const [layer, bound] of cases) {
      layer.build([null, 3, 4, 2]);
      const x = tf.tensor4d(randn(24, 3), [1, 3, 4, 2]);
      const { norm } = jacobianNorm((z) => layer.apply(z) as tf.Tensor, x);
      expect(norm).toBeCloseTo(bound, 4);
      expect((layer as unknown as { lipschitzBound(): number }).lipschitzBound()).toBeCloseTo(bound, 6);
    }
  });

  it('LayerCentering removes the spatial mean per sample and channel (closed form)', () => {
    const y = layerCentering({ useBias: false }).apply(x4()) as tf.Tensor;
    expectTensorsClose(tf.mean(y, [1, 2]), tf.zeros([2, 2]), { atol: 1e-6 });
    expect(() => layerCentering().apply(tf.zeros([2, 3]))).toThrow(/no spatial axes/);
    expectTensorsClose(layerCentering({ axes: [1], useBias: false }).apply(tf.tensor2d([[1, 3]])) as tf.Tensor, [
      [-1, 1],
    ]);
    expect(() => scaledAdaptiveAvgPool2d({ outputSize: [2, 2] })).toThrow(/outputSize/);
  });
});

describe('BatchLipNorm / BatchCentering', () => {
  it('inference is (x − μ)·s + β with s = 1/√(max Var) of the running statistics, and its Jacobian norm is s', () => {
    const layer = batchLipNorm();
    layer.build([null, 3]);
    const xs = [
      tf.tensor2d(randn(30, 1), [10, 3]),
      tf.tensor2d(
        randn(30, 2).map((v) => 3 * v),
        [10, 3],
      ),
    ];
    for (const x of xs) layer.apply(x, { training: true });
    // running means over the two batches; unbiased variance over all 20 samples
    const all = tf.concat(xs, 0);
    const mu = tf.mean(all, 0);
    const meanSq = tf.mean(tf.square(all), 0);
    const v = tf.mul(tf.sub(meanSq, tf.square(mu)), 20 / 19);
    const s = 1 / Math.sqrt(tf.max(v).dataSync()[0]!);
    const probe = tf.tensor2d([[0.5, -1, 2]]);
    expectTensorsClose(layer.apply(probe) as tf.Tensor, tf.mul(tf.sub(probe, mu), s));
    expect(layer.lipschitzBound()).toBeCloseTo(s, 5);
    expect(jacobianNorm((z) => layer.apply(z) as tf.Tensor, probe).norm).toBeCloseTo(s, 4);
  });

  it('trains inside fit (training: true), exports to ScaleBiasLayer through vanillaExport(model), round-trips', async () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.dense({ units: 4, inputShape: [3] }),
        new BatchLipNorm({ name: 'bln' }),
        new BatchCentering({ name: 'bc' }),
        tfl.layers.dense({ units: 1 }),
      ],
    });
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const x = tf.tensor2d(randn(24, 5), [8, 3]);
    const y = tf.tensor2d(randn(8, 6), [8, 1]);
    await model.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
    const expected = model.predict(x) as tf.Tensor;
    const plain = vanillaExport(model);
    expect(plain.layers.map((l) => l.getClassName()).filter((c) => c !== 'InputLayer')).toEqual([
      'Dense',
      'ScaleBiasLayer',
      'ScaleBiasLayer',
      'Dense',
    ]);
    expectTensorsClose(plain.predict(x) as tf.Tensor, expected, { rtol: 1e-5, atol: 1e-5 });
    const loaded = await saveLoadRoundTrip(model);
    expect(loaded.layers[1]).toBeInstanceOf(BatchLipNorm);
    expect(loaded.layers[2]!.getConfig()).toMatchObject({ useBias: true });
    expectTensorsClose(loaded.predict(x) as tf.Tensor, expected, { rtol: 1e-5, atol: 1e-5 });
  });

  it('refuses bad options naming them, and leaks no tensors in training and inference', async () => {
    expect(() => batchLipNorm({ eps: -1 })).toThrow(/`eps`/);
    expect(() => batchLipNorm({ axes: [1] }).apply(tf.zeros([2, 3, 3]))).toThrow(/batch axis 0/);
    expect(() => batchLipNorm({ centering: 'yes' as unknown as boolean })).toThrow(/`centering`/);
    const layer = batchLipNorm();
    layer.build([null, 3]);
    const x = tf.tensor2d(randn(12, 4), [4, 3]);
    await expectNoLeakedTensors(() => [layer.apply(x, { training: true }) as tf.Tensor, layer.apply(x) as tf.Tensor]);
  });
});

describe('LipResidual and the adaptive poolings: serialisation', () => {
  it('round-trip through save/load in a functional model', async () => {
    const inp = tfl.input({ shape: [3, 4, 2] });
    const branch = scaleBiasLayer({ scalar: 0.5 }).apply(inp) as tfl.SymbolicTensor;
    const merged = lipResidual({ name: 'res' }).apply([inp, branch]) as tfl.SymbolicTensor;
    const pooled = scaledAdaptiveAvgPool2d().apply(layerCentering().apply(merged)) as tfl.SymbolicTensor;
    const l2 = scaledAdaptativeL2NormPool2d({ kCoefLip: 0.5 }).apply(merged) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: inp, outputs: [pooled, l2] });
    model.getLayer('res').setWeights([tf.scalar(0.7)]);
    const x = x4();
    const loaded = await saveLoadRoundTrip(model);
    const a = model.predict(x) as tf.Tensor[];
    const b = loaded.predict(x) as tf.Tensor[];
    expect(a[0]!.shape).toEqual([2, 1, 1, 2]);
    a.forEach((t, i) => expectTensorsClose(b[i]!, t));
    for (const cls of [
      LipResidual,
      LayerCentering,
      ScaleBiasLayer,
      ScaledAdaptiveAvgPool2d,
      ScaledAdaptativeL2NormPool2d,
    ])
      expect(loaded.layers.some((l) => l instanceof cls)).toBe(true);
    const res = loaded.getLayer('res') as LipResidual;
    const [s, r] = res.branchCoefficients();
    expect(s).toBeCloseTo(1 / (1 + Math.exp(-0.7)), 6);
    expect(res.lipschitzBound()).toBeCloseTo(Math.sqrt(s * s + r * r), 6);
    expect(() => lipResidual().apply([tfl.input({ shape: [2] }), tfl.input({ shape: [3] })])).toThrow(
      /different shapes/,
    );
  });
});
