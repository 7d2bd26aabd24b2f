import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { LipnetError } from '@lipnet/core';
import { SpectralDense, SpectralConv2D, FrobeniusDense, FrobeniusConv2D, GroupSort, sequential } from '../src';
import { wrap } from './helpers';

describe('bad configuration throws an error naming the argument, the value and the fix', () => {
  it.each([
    [
      'negative units',
      () => new SpectralDense({ units: -3 }),
      /SpectralDense: expected `units` to be an integer ≥ 1, got -3\. Pass an integer ≥ 1\./,
    ],
    [
      'fractional units',
      () => new FrobeniusDense({ units: 10.9 }),
      /FrobeniusDense: expected `units` to be an integer ≥ 1, got 10\.9\./,
    ],
    [
      'even kernel',
      () => new SpectralConv2D({ filters: 4, kernelSize: 2 }),
      /SpectralConv2D: expected an odd `kernelSize`, got \[2, 2\].*pass e\.g\. 3 or 5\./,
    ],
    [
      'unknown padding',
      () => new SpectralConv2D({ filters: 4, kernelSize: 3, padding: 'valid' as 'same' }),
      /SpectralConv2D: expected `padding` to be 'same', got 'valid'.*pass padding: 'same'\./,
    ],
    [
      'strides on FrobeniusConv2D',
      () => new FrobeniusConv2D({ filters: 2, kernelSize: 3, strides: 2 }),
      /FrobeniusConv2D: `strides` must be 1, got 2.*Use SpectralConv2D/,
    ],
    [
      'dilation',
      () => new SpectralConv2D({ filters: 2, kernelSize: 3, dilationRate: 2 }),
      /`dilationRate` 2 is not supported.*Pass 1\./,
    ],
    [
      'unknown activation',
      () => new SpectralDense({ units: 2, activation: 'swishy' }),
      /SpectralDense: unknown `activation` 'swishy'.*Pass a tfjs activation name such as 'relu'/,
    ],
    [
      'unknown activation class',
      () => new SpectralDense({ units: 2, activation: { className: 'Nope', config: {} } }),
      /unknown activation class 'Nope'.*Import the package that registers it/,
    ],
    [
      'β out of range',
      () => new SpectralDense({ units: 2, betaBjorck: 0.9 }),
      /SpectralDense: expected `betaBjorck` to be a number in \(0, 0\.5\], got 0\.9\./,
    ],
    [
      'niter in 1.5 mode',
      () => new SpectralDense({ units: 2, niterBjorck: 5 }),
      /SpectralDense: `niterBjorck` \(5\) only applies with deelLipVersion '1\.2'/,
    ],
    [
      'unknown version',
      () => new SpectralConv2D({ filters: 2, kernelSize: 3, deelLipVersion: '1.3' as '1.5' }),
      /`deelLipVersion` to be one of '1\.5', '1\.2', got '1\.3'/,
    ],
    [
      'negative k',
      () => new SpectralDense({ units: 2, kCoefLip: -1 }),
      /SpectralDense: expected `kCoefLip` to be a finite number > 0, got -1/,
    ],
    [
      'unknown convLipCoef (former name of convNormalization)',
      () => new SpectralConv2D({ filters: 2, kernelSize: 3, convLipCoef: 'loose' as 'strict' }),
      /SpectralConv2D: expected `convLipCoef` 'deel-lip' or 'strict', got 'loose'\. Pass `convNormalization` instead/,
    ],
    [
      'unknown convNormalization',
      () => new FrobeniusConv2D({ filters: 2, kernelSize: 3, convNormalization: 'tight' as 'exact' }),
      /FrobeniusConv2D: expected `convNormalization` to be one of 'deel-lip', 'strict', 'exact', got 'tight'/,
    ],
    [
      'convNormalization and convLipCoef disagree',
      () => new SpectralConv2D({ filters: 2, kernelSize: 3, convNormalization: 'exact', convLipCoef: 'strict' }),
      /`convNormalization` 'exact' and its former name `convLipCoef` 'strict' disagree/,
    ],
    [
      "an 'exact' option with another mode",
      () => new SpectralConv2D({ filters: 2, kernelSize: 3, maxIterConvNorm: 5 }),
      /SpectralConv2D: `maxIterConvNorm` \(5\) only applies with convNormalization 'exact', but it is 'strict'/,
    ],
    [
      'a bad exact margin',
      () => new SpectralConv2D({ filters: 2, kernelSize: 3, convNormalization: 'exact', convNormMargin: -0.1 }),
      /SpectralConv2D: expected `convNormMargin` to be a number in \[0, 1\), got -0\.1/,
    ],
    [
      'a bad exact iteration count',
      () => new FrobeniusConv2D({ filters: 2, kernelSize: 3, convNormalization: 'exact', maxIterConvNorm: 0 }),
      /FrobeniusConv2D: expected `maxIterConvNorm` to be an integer ≥ 1, got 0/,
    ],
  ])('%s', (_n, f, re) => {
    expect(f).toThrow(re);
    expect(f).toThrow(LipnetError);
  });

  it('a conv input without known spatial size', () => {
    expect(() => wrap(new SpectralConv2D({ filters: 2, kernelSize: 3 }), [8, 3])).toThrow(
      /SpectralConv2D: expected an input of shape \[batch, height, width, channels\].*got \[null, 8, 3\]/,
    );
  });

  it('GroupSort activation whose n does not divide the channel count (reported by GroupSort)', () => {
    const layer = new SpectralDense({ units: 5, activation: new GroupSort({ n: 2 }) });
    expect(() => {
      const m = wrap(layer, [3]);
      m.predict(tf.ones([1, 3]));
    }).toThrow(/GroupSort: expected `n` to divide the channel count 5, got 2\./);
  });

  it('vanillaExport of an unbuilt layer', () => {
    expect(() => new SpectralDense({ units: 2 }).vanillaExportLayers()).toThrow(
      /SpectralDense: vanillaExport\(\) needs a built layer/,
    );
    expect(() => sequential({ layers: [], kCoefLip: 0 })).toThrow(/`kCoefLip`.*got 0/);
  });
});

describe('activation layers with weights', () => {
  it('are refused (they would be neither trained nor saved)', () => {
    const prelu = new SpectralDense({ units: 4, activation: tfl.layers.prelu({}) });
    expect(() => wrap(prelu, [3]).predict(tf.ones([1, 3]))).toThrow(
      /activation layer .*PReLU.* has weights.*Add it as its own layer/,
    );
  });
});
