import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import {
  FrobeniusConv2D,
  SpectralConv1D,
  SpectralConv2D,
  SpectralConv2DTranspose,
  vanillaExport,
  type ReparametrizedConv2D,
} from '@lipnet/layers';
import { explicitOperatorNorm } from '@lipnet/test-utils';
import { loadTorchlipModel, type TorchlipArchitecture } from '../src';
import { FIXTURES, fixtureBytes, relativeError, tensorOf, type SavedArray } from './helpers';

// Two deel-torchlip 1.0.5 models with the new convolutions, trained briefly and exported by
// tools/reference/export_torchlip.py (fixtures_convs_torchlip.py), and torchlip's logits on channels-first probes.
const dir = path.join(FIXTURES, 'torchlip');
const load = (name: string) => ({
  architecture: JSON.parse(fs.readFileSync(path.join(dir, `${name}.json`), 'utf8')) as TorchlipArchitecture,
  reference: JSON.parse(fs.readFileSync(path.join(dir, `${name}.logits.json`), 'utf8')) as {
    probeChannelsFirst: SavedArray;
    logits: SavedArray;
  },
  weights: fixtureBytes(`torchlip/${name}.safetensors`),
});
/** NCHW → NHWC, NCL → NLC. */
const channelsLast = (x: tf.Tensor) => tf.transpose(x, x.rank === 4 ? [0, 2, 3, 1] : [0, 2, 1]);

describe.each([
  [
    'convs2d',
    [
      'SpectralConv2D reflect',
      'SpectralConv2D circular s2',
      'SpectralConv2DTranspose same s2',
      'FrobeniusConv2D symmetric d2',
      'SpectralConv2D valid',
    ],
  ],
  ['conv1d', ['SpectralConv1D replicate', 'SpectralConv1D circular s2', 'SpectralConv1D same d2']],
] as const)('loadTorchlipModel: %s', (name, expected) => {
  it("reproduces torchlip's logits to 1e-5 with each convolution's padding, stride and dilation", async () => {
    const f = load(name);
    const model = await loadTorchlipModel(f.weights, f.architecture);
    const convs = model.layers.filter(
      (l) =>
        l instanceof SpectralConv2D ||
        l instanceof FrobeniusConv2D ||
        l instanceof SpectralConv2DTranspose ||
        l instanceof SpectralConv1D,
    ) as ReparametrizedConv2D[];
    const describeConv = (c: ReparametrizedConv2D) => {
      const cfg = c.getConfig() as { padding: string; strides: number | number[]; dilationRate?: number | number[] };
      const s = [cfg.strides].flat()[0]!;
      const d = [cfg.dilationRate ?? 1].flat()[0]!;
      return `${c.getClassName()} ${cfg.padding}${s > 1 ? ` s${s}` : ''}${d > 1 ? ` d${d}` : ''}`;
    };
    expect(convs.map(describeConv)).toEqual(expected);
    const x = channelsLast(tensorOf(f.reference.probeChannelsFirst));
    const logits = model.predict(x) as tf.Tensor;
    const err = relativeError(logits, tensorOf(f.reference.logits));
    console.log(`torchlip ${name} logits: max relative error ${err.toExponential(2)}`);
    expect(err).toBeLessThan(1e-5);
    // the vanilla export computes the same function (PadConv2D/PadConv1D for the copying paddings)
    const plain = vanillaExport(model);
    expect(relativeError(plain.predict(x) as tf.Tensor, tensorOf(f.reference.logits))).toBeLessThan(1e-5);
    plain.dispose();
    model.dispose();
  });

  it('trains on with the proven factors: each convolution ≤ 1 after one SGD step (explicit SVD)', async () => {
    const f = load(name);
    const model = await loadTorchlipModel(f.weights, JSON.stringify(f.architecture));
    const shape = model.inputs[0]!.shape.slice(1) as number[];
    model.compile({ optimizer: tf.train.sgd(1e-2), loss: 'meanSquaredError' });
    await model.trainOnBatch(tf.randomNormal([4, ...shape], 0, 1, 'float32', 1), tf.randomNormal([4, 3]));
    for (const l of model.layers.filter((k) => (k as ReparametrizedConv2D).convCoefficient != null)) {
      const conv = l as ReparametrizedConv2D;
      const inShape = (conv.input as unknown as { shape: number[] }).shape.slice(1);
      const linear = (v: tf.Tensor) => tf.sub(conv.apply(v) as tf.Tensor, conv.apply(tf.zerosLike(v)) as tf.Tensor);
      expect(explicitOperatorNorm(linear, [1, ...inShape])).toBeLessThanOrEqual(1 + 1e-4);
    }
    model.dispose();
  });
});
