import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expectTensorsClose } from '@lipnet/test-utils';
import { SpectralDense, SpectralConv2D, FrobeniusDense, FrobeniusConv2D } from '../src';
import fix15 from './fixtures/layers-1.5.json';
import fix12 from './fixtures/layers-1.2.json';

type Nested = number | Nested[];
const flat = (a: Nested): number[] => (Array.isArray(a) ? a.flatMap(flat) : [a]);
const shapeOf = (a: Nested): number[] => (Array.isArray(a) ? [a.length, ...shapeOf(a[0]!)] : []);
const t = (a: Nested) => tf.tensor(flat(a), shapeOf(a));

interface FixtureLayer {
  kind: string;
  args: Record<string, unknown>;
  inputShape: number[];
  x: Nested;
  weights: { kernel: Nested; bias?: Nested; u?: Nested };
  y: Nested;
  wbar?: Nested;
  uOut?: Nested;
}

function make(f: FixtureLayer, version: '1.5' | '1.2'): tfl.layers.Layer {
  const a = { ...f.args, kernelInitializer: 'glorotUniform' } as never;
  switch (f.kind) {
    case 'SpectralDense':
      return new SpectralDense({ ...(a as object), deelLipVersion: version } as never);
    case 'SpectralConv2D':
      return new SpectralConv2D({ ...(a as object), deelLipVersion: version, convNormalization: 'deel-lip' } as never);
    case 'FrobeniusDense':
      return new FrobeniusDense(a);
    case 'FrobeniusConv2D':
      return new FrobeniusConv2D({ ...(a as object), deelLipVersion: version, convNormalization: 'deel-lip' } as never);
    default:
      throw new Error(`unknown fixture layer ${f.kind}`);
  }
}

describe.each([
  ['1.5', fix15.layers as unknown as FixtureLayer[]],
  ['1.2', fix12.layers as unknown as FixtureLayer[]],
] as const)('parity with deel-lip %s layers', (version, layers) => {
  it.each(layers.map((l, i) => [`${l.kind} ${JSON.stringify(l.args)} #${i}`, l] as const))(
    '%s: same normalised kernel, u and outputs (training call) to 1e-4',
    (_name, f) => {
      const layer = make(f, version);
      layer.build(f.inputShape);
      const ws = [t(f.weights.kernel)];
      if (f.weights.bias) ws.push(t(f.weights.bias));
      if (f.weights.u) ws.push(t(f.weights.u), tf.ones([1, 1]));
      layer.setWeights(ws);
      const x = t(f.x);
      const y = layer.apply(x, { training: true }) as tf.Tensor;
      expectTensorsClose(y, flat(f.y), { atol: 1e-4, rtol: 1e-4 });
      // inference (cached path) gives the same outputs as the training call
      expectTensorsClose(layer.apply(x) as tf.Tensor, flat(f.y), { atol: 1e-4, rtol: 1e-4 });
      if (f.uOut)
        expectTensorsClose((layer as unknown as { u: tfl.LayerVariable }).u.read(), flat(f.uOut), {
          atol: 1e-4,
          rtol: 1e-4,
        });
      if (version === '1.5' && f.wbar) {
        const w = (layer as unknown as { effectiveWeights(): tf.Tensor[] }).effectiveWeights()[0]!;
        expectTensorsClose(w, flat(f.wbar), { atol: 1e-4, rtol: 1e-4 });
      }
    },
  );
});
