/**
 * Parity of the new convolutions with deel-lip 1.5.0 (tools/reference/fixtures_convs_deel_lip.py):
 * outputs of training calls and the gradients of sum(y·dy) w.r.t. the input and every weight, to 1e-5
 * relative; the 'strict' factor of each padding against an independent numpy.pad count.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expectTensorsClose, maxRelativeDifference } from '@lipnet/test-utils';
import {
  PadConv2D,
  SpectralConv1D,
  SpectralConv2D,
  SpectralConv2DTranspose,
  condense,
  type ReparametrizedConv2D,
} from '../../src';
import { forwardAndGrads, loadFixture, t, type FixtureArray } from './parity-helpers';

interface Case {
  config: {
    filters: number;
    kernelSize: number | [number, number];
    strides: number | [number, number];
    padding?: string;
    dilationRate?: number;
    kCoefLip?: number;
  };
  x: FixtureArray;
  y: FixtureArray;
  dy: FixtureArray;
  gradX: FixtureArray;
  gradWeights: Record<string, FixtureArray>;
  weights: Record<string, FixtureArray>;
  coef?: number;
  uOut?: FixtureArray;
  sigma?: FixtureArray;
}
const fx = loadFixture<{
  meta: { deelLip: string };
  transpose: Case[];
  padConv: Case[];
  padded: Case[];
  conv1d: Case[];
  transposeCondenseError: string | null;
}>('convs-deel-lip.json');
const V = fx.meta.deelLip;
const label = (c: Case) => JSON.stringify(c.config);

/** Builds `layer` on the case's input, sets its weights from the fixture (u, and sig = 1 as deel-lip's build). */
function setUp(layer: tfl.layers.Layer, c: Case): tfl.Sequential {
  const model = tfl.sequential({ layers: [tfl.layers.inputLayer({ inputShape: c.x.shape.slice(1) }), layer] });
  const values = layer.weights.map((w) => {
    const short = w.originalName.split('/').pop()!;
    if (short === 'sig') return tf.ones([1, 1]);
    const a = c.weights[short];
    if (!a) throw new Error(`fixture has no weight '${short}'`);
    return tf.tensor(a.values, w.shape as number[]);
  });
  layer.setWeights(values);
  tf.dispose(values);
  return model;
}

/** The largest difference relative to the reference tensor's scale, per quantity, over all cases (logged). */
const worst: Record<string, number> = {};
afterAll(() => console.log(`max |lipnet − deel-lip| / max |deel-lip|: ${JSON.stringify(worst)}`));

/** ≤ 1e-5 relative to the scale of the reference tensor (float32 sums of ~50 O(1) products cancel to ~1e-6 absolute). */
function expectClose(group: string, what: string, a: tf.Tensor, b: FixtureArray): void {
  const e = t(b);
  const d = maxRelativeDifference(a, e);
  e.dispose();
  worst[`${group} ${what}`] = Math.max(worst[`${group} ${what}`] ?? 0, d);
  expect(d).toBeLessThanOrEqual(1e-5);
}

/** A training call on the fixture's input: output and gradients w.r.t. the input, kernel and bias. */
function expectParity(group: string, layer: tfl.layers.Layer, c: Case): void {
  const x = t(c.x);
  const dy = t(c.dy);
  const r = forwardAndGrads(layer, [x], dy, { training: true });
  expectClose(group, 'y', r.output, c.y);
  expectClose(group, '∂x', r.gradInputs[0]!, c.gradX);
  for (const [name, g] of Object.entries(c.gradWeights)) expectClose(group, `∂${name}`, r.gradWeights[name]!, g);
  tf.dispose([x, dy, r.output, ...r.gradInputs, ...Object.values(r.gradWeights)]);
}

/** The stored power-iteration vector after the call equals deel-lip's. */
function expectState(group: string, layer: tfl.layers.Layer, c: Case): void {
  const u = layer.weights.find((w) => w.originalName.endsWith('/u'))!;
  expectClose(group, 'u', u.read(), c.uOut!);
}

describe(`parity with deel-lip ${V}: SpectralConv2DTranspose (convNormalization 'deel-lip')`, () => {
  it.each(fx.transpose.map((c) => [label(c), c] as const))('%s: output, gradients, coefficient, u', (_, c) => {
    const layer = new SpectralConv2DTranspose({
      filters: c.config.filters,
      kernelSize: c.config.kernelSize,
      strides: c.config.strides,
      kCoefLip: c.config.kCoefLip,
      convNormalization: 'deel-lip',
    });
    const model = setUp(layer, c);
    expect(layer.kCoefLip * layer.convCoefficient!).toBeCloseTo(c.coef!, 6);
    expectParity('transpose', layer, c);
    expectState('transpose', layer, c);
    model.dispose();
  });

  it(`condense() works with filters ≠ input channels (deel-lip ${V}'s fails: "${fx.transposeCondenseError?.slice(0, 40)}…"), predictions kept`, () => {
    expect(fx.transposeCondenseError).toMatch(/Matrix size-incompatible/);
    const layer = new SpectralConv2DTranspose({ filters: 3, kernelSize: 3, strides: 2 });
    const model = tfl.sequential({ layers: [tfl.layers.inputLayer({ inputShape: [4, 4, 2] }), layer] });
    const x = tf.randomNormal([2, 4, 4, 2], 0, 1, 'float32', 1);
    const before = model.predict(x) as tf.Tensor;
    expect(condense(model)).toBe(1);
    expectTensorsClose(model.predict(x) as tf.Tensor, before, { atol: 1e-4 });
    model.dispose();
  });
});

describe(`parity with deel-lip ${V}: PadConv2D (unconstrained), every padding it offers`, () => {
  it.each(fx.padConv.map((c) => [label(c), c] as const))('%s: output and gradients', (_, c) => {
    const layer = new PadConv2D({
      filters: c.config.filters,
      kernelSize: c.config.kernelSize,
      strides: c.config.strides,
      padding: c.config.padding as 'same',
    });
    const model = setUp(layer, c);
    expectParity('PadConv2D', layer, c);
    model.dispose();
  });
});

describe(`parity with deel-lip ${V}'s normaliser on padded and 1-D geometries ('strict')`, () => {
  const check = (layer: ReparametrizedConv2D, c: Case) => {
    const group = layer.getClassName();
    const model = setUp(layer, c);
    // the factor the numpy.pad count in the fixture script gives
    expect(layer.convCoefficient).toBeCloseTo(c.coef!, 12);
    expectParity(group, layer, c);
    expectState(group, layer, c);
    model.dispose();
  };
  it.each(fx.padded.map((c) => [label(c), c] as const))(
    'SpectralConv2D %s = RKO + PadConv2D: output, gradients, factor, u',
    (_, c) => {
      const { filters, kernelSize, strides, padding } = c.config;
      check(new SpectralConv2D({ filters, kernelSize, strides, padding: padding as 'same' }), c);
    },
  );
  it.each(fx.conv1d.map((c) => [label(c), c] as const))(
    'SpectralConv1D %s = RKO + Keras conv1d: output, gradients, factor, u',
    (_, c) => {
      const { filters, kernelSize, strides, padding, dilationRate } = c.config;
      check(
        new SpectralConv1D({
          filters,
          kernelSize: kernelSize as number,
          strides: strides as number,
          dilationRate,
          padding: padding as 'same',
        }),
        c,
      );
    },
  );
});
