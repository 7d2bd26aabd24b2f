/**
 * Parity of the convolutions loadTorchlipModel builds with deel-torchlip 1.0.5's own modules
 * (tools/reference/fixtures_convs_torchlip.py, channels-last): each torchlip SpectralConv2d (every padding
 * mode, strides, dilation), FrobeniusConv2d, SpectralConvTranspose2d and SpectralConv1d is converted as the
 * loader converts it; served torchlip's effective kernel W̄, the lipnet layer predicts torchlip's output, and
 * its vanilla export gives torchlip's gradients w.r.t. the input, W̄ and the bias (torchlip's vanilla_export,
 * forward and backward) to 1e-5 relative.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { vanillaExport, type ReparametrizedConv2D } from '@lipnet/layers';
import { explicitOperatorNorm, forwardAndGrads, maxRelativeDifference } from '@lipnet/test-utils';
import { ConfigReader } from '../src/keras/config-reader';
import { conv1d, conv2d, convTranspose2d } from '../src/torchlip/torchlip-convs';
import { FIXTURES, tensorOf, type SavedArray } from './helpers';

interface Case {
  module: 'SpectralConv2d' | 'FrobeniusConv2d' | 'SpectralConvTranspose2d' | 'SpectralConv1d';
  options: Record<string, unknown>;
  x: SavedArray;
  y: SavedArray;
  dy: SavedArray;
  gradX: SavedArray;
  weights: { kernel: SavedArray; bias: SavedArray };
  gradWeights: { kernel: SavedArray; bias: SavedArray };
  lconvCoefficient: number;
  kCoefLip: number;
  operatorNorm: number;
}
const fx = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'torchlip', 'convs.json'), 'utf8')) as {
  meta: { deelTorchlip: string };
  cases: Case[];
};
const label = (c: Case) => `${c.module} ${JSON.stringify(c.options)}`;

/** The lipnet layer the loader builds for a torchlip module (not filled: the test serves the fixture's W̄). */
function convert(c: Case): ReparametrizedConv2D {
  const spec = { name: 'c', kCoefLip: c.kCoefLip, bias: true, groups: 1, ...c.options };
  if (c.module === 'SpectralConvTranspose2d') Object.assign(spec, { paddingMode: 'zeros', dilation: 1 });
  const r = new ConfigReader('test', c.module, spec);
  const out =
    c.module === 'SpectralConv1d'
      ? conv1d(r)
      : c.module === 'SpectralConvTranspose2d'
        ? convTranspose2d(r)
        : conv2d(r, c.module === 'SpectralConv2d');
  r.finish();
  return out.layers[0] as ReparametrizedConv2D;
}

/** Builds the layer on the fixture's input and serves torchlip's W̄ (the raw kernel is W̄ too) and bias. */
function served(c: Case): { layer: ReparametrizedConv2D; model: tfl.Sequential } {
  const layer = convert(c);
  const model = tfl.sequential({ layers: [tfl.layers.inputLayer({ inputShape: c.x.shape.slice(1) }), layer] });
  const w = tensorOf(c.weights.kernel);
  const values = layer.weights.map((v) => {
    const short = v.originalName.split('/').pop()!;
    if (short === 'kernel') return w;
    if (short === 'bias') return tensorOf(c.weights.bias);
    return v.read().clone();
  });
  layer.setWeights(values);
  layer.setInferenceKernel(w);
  tf.dispose(values);
  return { layer, model };
}

/**
 * A dilated 'same'/'valid' convolution exports with the dilation spread into its kernel (zeros between the taps):
 * the gradient w.r.t. W̄ is the spread kernel's gradient at the taps.
 */
function taps(g: tf.Tensor, c: Case): tf.Tensor {
  const d = (c.options['dilation'] as number | undefined) ?? 1;
  if (d === 1 || g.shape[0] === c.gradWeights.kernel.shape[0]) return g;
  return g.rank === 3
    ? tf.stridedSlice(g, [0, 0, 0], g.shape, [d, 1, 1])
    : tf.stridedSlice(g, [0, 0, 0, 0], g.shape, [d, d, 1, 1]);
}

const worst: Record<string, number> = {};
const factors: string[] = [];
afterAll(() => {
  console.log(`max |lipnet − torchlip| / max |torchlip|: ${JSON.stringify(worst)}`);
  console.log(`conv factors (torchlip lconv → lipnet 'strict'):\n${factors.join('\n')}`);
});
function close(what: string, a: tf.Tensor, b: SavedArray): void {
  const e = tensorOf(b);
  const d = maxRelativeDifference(a, e);
  e.dispose();
  worst[what] = Math.max(worst[what] ?? 0, d);
  expect(d).toBeLessThanOrEqual(1e-5);
}

describe(`parity with deel-torchlip ${fx.meta.deelTorchlip}: the converted convolutions`, () => {
  it.each(fx.cases.map((c) => [label(c), c] as const))('%s', (_, c) => {
    const { layer, model } = served(c);
    const x = tensorOf(c.x);
    const y = model.predict(x) as tf.Tensor;
    close('y (served W̄)', y, c.y);
    const plain = vanillaExport(model);
    const exported = plain.layers[plain.layers.length - 1]!;
    const dy = tensorOf(c.dy);
    const r = forwardAndGrads(exported, [x], dy);
    close('y (export)', r.output, c.y);
    close('∂x', r.gradInputs[0]!, c.gradX);
    close('∂W̄', taps(r.gradWeights['kernel']!, c), c.gradWeights.kernel);
    close('∂bias', r.gradWeights['bias']!, c.gradWeights.bias);
    // the factor: torchlip's for 2-D zero padding, √(torchlip's) for 1-D (torchlip takes no square root),
    // and the proven count where torchlip's is not a bound
    const mine = layer.convCoefficient!;
    factors.push(`${label(c)}: ${c.lconvCoefficient.toFixed(6)} → ${mine.toFixed(6)}`);
    const mode = c.options['paddingMode'];
    if (c.module === 'SpectralConv1d') expect(mine).toBeGreaterThanOrEqual(c.lconvCoefficient);
    else if (mode === 'zeros' || c.module === 'SpectralConvTranspose2d')
      expect(mine).toBeLessThanOrEqual(c.lconvCoefficient + 1e-12);
    if (c.module === 'SpectralConv2d' && mode === 'zeros') expect(mine).toBeCloseTo(c.lconvCoefficient, 12);
    if (c.module === 'SpectralConv1d' && mode === 'zeros') expect(mine).toBeCloseTo(Math.sqrt(c.lconvCoefficient), 12);
    tf.dispose([x, y, dy, r.output, ...r.gradInputs, ...Object.values(r.gradWeights)]);
    model.dispose();
    plain.dispose();
  });

  it("torchlip's 3×3 'reflect' SpectralConv2d from 1 channel to 9 is 4/3-Lipschitz (its factor 1/3 is not a bound); lipnet's 'strict' 1/4 is, on the same kernel", async () => {
    const c = fx.cases.find(
      (k) => k.module === 'SpectralConv2d' && k.options['paddingMode'] === 'reflect' && k.options['outChannels'] === 9,
    )!;
    expect(c.operatorNorm).toBeCloseTo(4 / 3, 5); // measured by torch (SVD of the module's Jacobian)
    const { layer, model } = served(c);
    const linear = (v: tf.Tensor) => tf.sub(model.predict(v) as tf.Tensor, model.predict(tf.zerosLike(v)) as tf.Tensor);
    expect(explicitOperatorNorm(linear, [1, ...c.x.shape.slice(1)])).toBeCloseTo(4 / 3, 5);
    expect(layer.convCoefficient).toBeCloseTo(1 / 4, 12);
    // one training step: the layer now runs its own normalised kernel, whose norm is ≤ 1
    model.compile({ optimizer: tf.train.sgd(1e-3), loss: 'meanSquaredError' });
    await model.trainOnBatch(tensorOf(c.x), tensorOf(c.y));
    expect(explicitOperatorNorm(linear, [1, ...c.x.shape.slice(1)])).toBeLessThanOrEqual(1 + 1e-4);
    model.dispose();
  });
});
