/**
 * Property tests (fast-check, fixed seed, 200 runs each) over the layers' constructors:
 * random option objects (unknown and snake_case keys, wrong types, NaN, Infinity, null).
 * A layer is either built and computes finite outputs on a finite input, or the
 * constructor throws a LipnetError naming the option — never a raw TypeError or NaN.
 */
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { resultOrLipnetError } from '@lipnet/test-utils';
import * as Ly from '../src';

const RUNS = { seed: 14, numRuns: 200 };
const value = fc.oneof(
  fc.constantFrom(1, 2, 3, 0.5, true, false, '1.2', '1.5', 'same', 'channelsLast', [2, 2], null),
  fc.constantFrom(0, -1, NaN, Infinity, 2.5, 'yes', 'valid', [0, 3]),
);
type Case = [string, (o: never) => { apply(x: tf.Tensor): unknown }, object, string[], number[]];
const CASES: Case[] = [
  [
    'SpectralDense',
    (o) => new Ly.SpectralDense(o),
    { units: 2 },
    ['units', 'kCoefLip', 'useBias', 'deelLipVersion', 'niterBjorck', 'betaBjorck', 'maxIterSpectral'],
    [2, 3],
  ],
  [
    'FrobeniusDense',
    (o) => new Ly.FrobeniusDense(o),
    { units: 2 },
    ['units', 'disjointNeurons', 'kCoefLip', 'useBias'],
    [2, 3],
  ],
  [
    'SpectralConv2D',
    (o) => new Ly.SpectralConv2D(o),
    { filters: 2, kernelSize: 3 },
    ['filters', 'kernelSize', 'strides', 'padding', 'kCoefLip', 'convLipCoef'],
    [1, 4, 4, 1],
  ],
  ['GroupSort', (o) => new Ly.GroupSort(o), {}, ['n', 'kCoefLip', 'dataFormat'], [2, 4]],
  [
    'ScaledL2NormPooling2D',
    (o) => new Ly.ScaledL2NormPooling2D(o),
    {},
    ['poolSize', 'strides', 'kCoefLip', 'epsGradSqrt'],
    [1, 4, 4, 2],
  ],
];

describe('layer constructors: a working layer or a LipnetError naming the option', () => {
  it.each(CASES)('%s', (_name, make, required, keys, inputShape) => {
    let built = 0;
    const options = fc.oneof(
      fc.constant(required),
      fc
        .dictionary(fc.constantFrom(...keys, 'kcoeflip', 'use_bias', 'bogus'), value, { maxKeys: 2 })
        .map((o) => ({ ...required, ...o })),
    );
    fc.assert(
      fc.property(options, (o) => {
        const layer = resultOrLipnetError(() => make(o as never));
        if (!layer) return;
        const before = tf.memory().numTensors;
        const x = tf.randomNormal(inputShape, 0, 1, 'float32', 3);
        // The layer's option is valid; a shape it cannot handle must be refused with a LipnetError too.
        const y = resultOrLipnetError(() => layer.apply(x) as tf.Tensor);
        if (y) {
          expect(Array.from(y.dataSync()).every(Number.isFinite)).toBe(true);
          y.dispose();
          built++;
        }
        x.dispose();
        const l = layer as unknown as { built: boolean; dispose(): void };
        if (l.built) l.dispose();
        expect(tf.memory().numTensors).toBeLessThanOrEqual(before);
      }),
      RUNS,
    );
    expect(built).toBeGreaterThan(20);
  });
});
