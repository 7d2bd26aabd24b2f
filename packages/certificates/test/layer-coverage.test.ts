import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as L from '@lipnet/layers';
import { explicitOperatorNorm } from '@lipnet/test-utils';
import { empiricalLipschitz, lipschitzUpperBound } from '../src';

type Build = () => { layer: tfl.layers.Layer; shape: number[] };

/** A small model around each layer class @lipnet/layers exports (LipResidual: a residual merge). */
const builders: Record<string, Build> = {
  GroupSort: () => ({ layer: new L.GroupSort({ n: 2 }), shape: [6] }),
  GroupSort2: () => ({ layer: new L.GroupSort2(), shape: [6] }),
  FullSort: () => ({ layer: new L.FullSort(), shape: [6] }),
  MaxMin: () => ({ layer: new L.MaxMin({ kCoefLip: 0.5 }), shape: [4] }),
  PReLUlip: () => ({ layer: new L.PReLUlip({ kCoefLip: 0.5 }), shape: [6] }),
  LPReLU: () => ({ layer: new L.LPReLU({ numParameters: 6, init: 2 }), shape: [6] }),
  Householder: () => ({ layer: new L.Householder(), shape: [6] }),
  ScaledAveragePooling2D: () => ({ layer: new L.ScaledAveragePooling2D({ poolSize: 2 }), shape: [4, 4, 2] }),
  ScaledL2NormPooling2D: () => ({ layer: new L.ScaledL2NormPooling2D({ poolSize: 2 }), shape: [4, 4, 2] }),
  ScaledGlobalAveragePooling2D: () => ({ layer: new L.ScaledGlobalAveragePooling2D(), shape: [4, 4, 2] }),
  ScaledGlobalL2NormPooling2D: () => ({ layer: new L.ScaledGlobalL2NormPooling2D(), shape: [4, 4, 2] }),
  InvertibleDownSampling: () => ({ layer: new L.InvertibleDownSampling({ poolSize: 2 }), shape: [4, 4, 2] }),
  InvertibleUpSampling: () => ({ layer: new L.InvertibleUpSampling({ poolSize: 2 }), shape: [2, 2, 8] }),
  ScaledAdaptiveAvgPool2d: () => ({ layer: new L.ScaledAdaptiveAvgPool2d(), shape: [4, 4, 2] }),
  ScaledAdaptativeL2NormPool2d: () => ({ layer: new L.ScaledAdaptativeL2NormPool2d(), shape: [4, 4, 2] }),
  SpectralDense: () => ({ layer: new L.SpectralDense({ units: 3, kCoefLip: 2 }), shape: [5] }),
  SpectralConv2D: () => ({
    layer: new L.SpectralConv2D({ filters: 3, kernelSize: 3, convNormalization: 'exact' }),
    shape: [5, 5, 2],
  }),
  SpectralConv2DTranspose: () => ({
    layer: new L.SpectralConv2DTranspose({ filters: 3, kernelSize: 3, strides: 2, convNormalization: 'exact' }),
    shape: [3, 3, 2],
  }),
  SpectralConv1D: () => ({
    layer: new L.SpectralConv1D({ filters: 3, kernelSize: 3, padding: 'reflect' }),
    shape: [7, 2],
  }),
  PadConv2D: () => ({ layer: new L.PadConv2D({ filters: 2, kernelSize: 3, padding: 'circular' }), shape: [4, 4, 2] }),
  PadConv1D: () => ({ layer: new L.PadConv1D({ filters: 2, kernelSize: 3, padding: 'symmetric' }), shape: [6, 2] }),
  FrobeniusDense: () => ({ layer: new L.FrobeniusDense({ units: 3 }), shape: [5] }),
  FrobeniusConv2D: () => ({ layer: new L.FrobeniusConv2D({ filters: 3, kernelSize: 3 }), shape: [5, 5, 2] }),
  LayerCentering: () => ({ layer: new L.LayerCentering(), shape: [4, 4, 2] }),
  ScaleBiasLayer: () => ({ layer: new L.ScaleBiasLayer({ scalar: -1.5 }), shape: [4, 2] }),
  BatchLipNorm: () => ({ layer: new L.BatchLipNorm(), shape: [4, 4, 2] }),
  BatchCentering: () => ({ layer: new L.BatchCentering(), shape: [4, 4, 2] }),
  LipResidual: () => ({ layer: new L.LipResidual(), shape: [6] }),
};

function modelAround(layer: tfl.layers.Layer, shape: number[]): tfl.LayersModel {
  const x = tfl.input({ shape });
  // a Dense first, so that every layer sees a non-trivial input; LipResidual merges it with x
  const h = tfl.layers
    .dense({ units: shape[shape.length - 1]!, kernelInitializer: tfl.initializers.glorotNormal({ seed: 1 }) })
    .apply(x) as tfl.SymbolicTensor;
  const y = layer.getClassName() === 'LipResidual' ? layer.apply([x, h]) : layer.apply(h);
  return tfl.model({ inputs: x, outputs: y as tfl.SymbolicTensor });
}

describe('lipschitzUpperBound covers every layer @lipnet/layers exports', () => {
  const exported = (Object.values(L) as unknown[])
    .filter((v) => typeof v === 'function' && (v as { prototype: unknown }).prototype instanceof tfl.layers.Layer)
    .map((c) => (c as { className?: string }).className)
    .filter((c): c is string => typeof c === 'string');

  it('the table below lists all of them (a new layer class fails here until it is bounded)', () => {
    expect(exported.sort()).toEqual(Object.keys(builders).sort());
  });

  it.each(Object.keys(builders))('%s: a certified bound ≥ the measured Lipschitz constant', (cls) => {
    const { layer, shape } = builders[cls]!();
    const model = modelAround(layer, shape);
    const b = lipschitzUpperBound(model);
    const row = b.layers.find((l) => l.className === cls)!;
    expect(row).toBeDefined();
    const x = tf.randomNormal([3, ...shape], 0, 1, 'float32', 9);
    const e = empiricalLipschitz(model, x, { attackSteps: 10 });
    expect(e.lowerBound).toBeLessThanOrEqual(b.upperBound * (1 + 1e-4));
    x.dispose();
    model.dispose();
  });
});

describe('tfjs convolutions: the bound is ≥ the explicit operator norm (SVD) and tight', () => {
  const seeded = { kernelInitializer: tfl.initializers.glorotNormal({ seed: 3 }), useBias: false };
  it.each([
    ['Conv1D same', () => tfl.layers.conv1d({ filters: 3, kernelSize: 3, padding: 'same', ...seeded }), [7, 2]],
    [
      'Conv1D same, dilation 2',
      () => tfl.layers.conv1d({ filters: 2, kernelSize: 3, padding: 'same', dilationRate: 2, ...seeded }),
      [8, 2],
    ],
    ['Conv1D valid, stride 2', () => tfl.layers.conv1d({ filters: 2, kernelSize: 3, strides: 2, ...seeded }), [9, 3]],
    [
      'Conv2DTranspose same, stride 2',
      () => tfl.layers.conv2dTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'same', ...seeded }),
      [3, 3, 2],
    ],
    ['Conv2DTranspose valid', () => tfl.layers.conv2dTranspose({ filters: 3, kernelSize: 3, ...seeded }), [3, 4, 2]],
    [
      'DepthwiseConv2D ×2',
      () =>
        tfl.layers.depthwiseConv2d({
          kernelSize: 3,
          depthMultiplier: 2,
          padding: 'same',
          depthwiseInitializer: tfl.initializers.glorotNormal({ seed: 4 }),
          useBias: false,
        }),
      [5, 5, 3],
    ],
    [
      'SeparableConv2D',
      () =>
        tfl.layers.separableConv2d({
          filters: 4,
          kernelSize: 3,
          padding: 'same',
          depthwiseInitializer: tfl.initializers.glorotNormal({ seed: 5 }),
          pointwiseInitializer: tfl.initializers.glorotNormal({ seed: 6 }),
          useBias: false,
        }),
      [5, 5, 2],
    ],
  ] as const)('%s', (_name, make, shape) => {
    const layer = make();
    const model = tfl.sequential({ layers: [tfl.layers.inputLayer({ inputShape: [...shape] }), layer] });
    const b = lipschitzUpperBound(model);
    const exact = explicitOperatorNorm((x) => model.apply(x) as tf.Tensor, [1, ...shape]);
    expect(b.upperBound).toBeGreaterThanOrEqual(exact * (1 - 1e-6));
    // separable: a product of two bounds; the others are one operator's certificate
    expect(b.upperBound / exact).toBeLessThan(_name === 'SeparableConv2D' ? 2 : 1.01);
    model.dispose();
  });
});

describe('tfjs max pooling: the bound √(windows per pixel) is reached by a one-pixel bump', () => {
  it.each([
    ['MaxPooling1D 3/1', () => tfl.layers.maxPooling1d({ poolSize: 3, strides: 1 }), [7, 1], [3], 3],
    ['MaxPooling1D 2/2', () => tfl.layers.maxPooling1d({ poolSize: 2 }), [6, 1], [2], 1],
    ['MaxPooling2D 3/2', () => tfl.layers.maxPooling2d({ poolSize: 3, strides: 2 }), [7, 7, 1], [2, 2], 4],
  ] as const)('%s', (_name, make, shape, bump, windows) => {
    const model = tfl.sequential({ layers: [tfl.layers.inputLayer({ inputShape: [...shape] }), make()] });
    const b = lipschitzUpperBound(model);
    expect(b.upperBound).toBeCloseTo(Math.sqrt(windows), 12);
    // x = 0 and x' = e_k at a pixel in `windows` windows: each of them moves by 1, ‖Δy‖ = √windows·‖Δx‖
    const ratio = tf.tidy(() => {
      const x = tf.buffer([1, ...shape]);
      x.set(1, 0, ...bump, 0);
      const dy = tf.sub(model.apply(x.toTensor()) as tf.Tensor, model.apply(tf.zeros([1, ...shape])) as tf.Tensor);
      return tf.norm(dy).dataSync()[0]!;
    });
    expect(ratio).toBeCloseTo(Math.sqrt(windows), 6);
    model.dispose();
  });
});
