import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  PadConv1D,
  PadConv2D,
  SpectralConv1D,
  SpectralConv2D,
  SpectralConv2DTranspose,
  vanillaExport,
  type ConvNormalization,
} from '@lipnet/layers';
import { lipschitzUpperBound } from '../src';
import { explicitOperator, sigmaMax } from './helpers';

/** ‖f(x) − f(0)‖ of a layer as an explicit matrix's σ_max (float64 Jacobi SVD). */
function svdOf(layer: tfl.layers.Layer, inputShape: number[]): number {
  const op = (x: tf.Tensor) => tf.sub(layer.apply(x) as tf.Tensor, layer.apply(tf.zerosLike(x)) as tf.Tensor);
  return sigmaMax(explicitOperator(op, [1, ...inputShape]));
}

function model(layer: tfl.layers.Layer, inputShape: number[]): tfl.Sequential {
  const m = tfl.sequential({ layers: [tfl.layers.inputLayer({ inputShape }), layer] });
  // weights away from their initial, orthonormal-ish state
  const ws = layer.getWeights();
  layer.setWeights(ws.map((w, i) => (w.rank > 1 ? tf.randomNormal(w.shape, 0, 1, 'float32', 20 + i) : w)));
  return m;
}

type Case = [string, (mode: ConvNormalization) => tfl.layers.Layer, number[]];
const LIPSCHITZ: Case[] = [
  [
    'SpectralConv2DTranspose 3×3 s2',
    (m) => new SpectralConv2DTranspose({ filters: 3, kernelSize: 3, strides: 2, convNormalization: m }),
    [4, 3, 2],
  ],
  [
    "SpectralConv2DTranspose 4×4 s2 'valid'",
    (m) =>
      new SpectralConv2DTranspose({ filters: 2, kernelSize: 4, strides: 2, padding: 'valid', convNormalization: m }),
    [3, 3, 2],
  ],
  [
    "SpectralConv1D k5 'reflect'",
    (m) => new SpectralConv1D({ filters: 3, kernelSize: 5, padding: 'reflect', convNormalization: m }),
    [10, 2],
  ],
  [
    "SpectralConv1D k3 s2 'valid'",
    (m) => new SpectralConv1D({ filters: 3, kernelSize: 3, strides: 2, padding: 'valid', convNormalization: m }),
    [11, 2],
  ],
  [
    "SpectralConv2D 3×3 'symmetric'",
    (m) => new SpectralConv2D({ filters: 3, kernelSize: 3, padding: 'symmetric', convNormalization: m }),
    [6, 5, 2],
  ],
  [
    "SpectralConv2D 3×3 'circular'",
    (m) => new SpectralConv2D({ filters: 3, kernelSize: 3, padding: 'circular', convNormalization: m }),
    [6, 6, 2],
  ],
  [
    "SpectralConv2D 3×3 'replicate' dilation 2",
    (m) =>
      new SpectralConv2D({ filters: 2, kernelSize: 3, padding: 'replicate', dilationRate: 2, convNormalization: m }),
    [7, 6, 2],
  ],
];

describe('lipschitzUpperBound on the new convolutions (exported to Conv2DTranspose, Conv1D, PadConv2D, PadConv1D)', () => {
  it.each(
    LIPSCHITZ.flatMap(([n, f, s]) => (['strict', 'exact'] as const).map((m) => [`${n} '${m}'`, f, s, m] as const)),
  )('%s: SVD ≤ certified bound ≤ SVD·(1 + 1e-3), and ≤ 1 + 1e-4', (_name, make, shape, mode) => {
    const layer = make(mode);
    const m = model(layer, shape);
    const svd = svdOf(layer, shape);
    const b = lipschitzUpperBound(m);
    const row = b.layers[b.layers.length - 1]!;
    expect(row.bound).toBeGreaterThanOrEqual(svd * (1 - 1e-6));
    expect(row.bound).toBeLessThanOrEqual(svd * (1 + 1e-3));
    expect(svd).toBeLessThanOrEqual(1 + 1e-4);
    expect(row.estimate).toBeGreaterThan(svd * (1 - 1e-3));
    m.dispose();
  });

  it.each([
    ['reflect', [6, 6, 2]],
    ['replicate', [5, 7, 1]],
    ['circular', [6, 4, 2]],
    ['valid', [6, 6, 2]],
  ] as const)(
    "PadConv2D '%s' with a random kernel: SVD ≤ bound ≤ SVD·(1 + 1e-3); its vanilla export keeps it",
    (padding, shape) => {
      const layer = new PadConv2D({ filters: 3, kernelSize: 3, padding, kernelInitializer: 'randomNormal' });
      const m = model(layer, [...shape]);
      const svd = svdOf(layer, [...shape]);
      const row = lipschitzUpperBound(m).layers.at(-1)!;
      expect(row.bound).toBeGreaterThanOrEqual(svd * (1 - 1e-6));
      expect(row.bound).toBeLessThanOrEqual(svd * (1 + 1e-3));
      const plain = vanillaExport(m);
      expect(lipschitzUpperBound(plain).upperBound).toBeCloseTo(row.bound, 6);
      m.dispose();
      plain.dispose();
    },
  );

  it("PadConv2D 'circular' with an even kernel extent (wraps one pixel too many): the bound still holds", () => {
    // 2×4 on 5×8: outputs 6×9; a circular convolution's Fourier bound said 7.88 for a norm of 12.54 here
    const layer = new PadConv2D({
      filters: 2,
      kernelSize: [2, 4],
      padding: 'circular',
      kernelInitializer: 'randomNormal',
    });
    const m = model(layer, [5, 8, 3]);
    const svd = svdOf(layer, [5, 8, 3]);
    const row = lipschitzUpperBound(m).layers.at(-1)!;
    expect(row.bound).toBeGreaterThanOrEqual(svd * (1 - 1e-6));
    expect(row.bound).toBeLessThanOrEqual(svd * (1 + 1e-3));
    m.dispose();
  });

  it("PadConv1D 'symmetric' stride 2, and a relu activation's factor 1", () => {
    const layer = new PadConv1D({ filters: 2, kernelSize: 3, strides: 2, padding: 'symmetric', activation: 'relu' });
    const m = model(layer, [9, 3]);
    const lin = new PadConv1D({ filters: 2, kernelSize: 3, strides: 2, padding: 'symmetric' });
    const ml = model(lin, [9, 3]);
    lin.setWeights(layer.getWeights());
    const svd = svdOf(lin, [9, 3]);
    const row = lipschitzUpperBound(m).layers.at(-1)!;
    expect(row.bound).toBeGreaterThanOrEqual(svd * (1 - 1e-6));
    expect(row.bound).toBeLessThanOrEqual(svd * (1 + 1e-3));
    m.dispose();
    ml.dispose();
  });
});
