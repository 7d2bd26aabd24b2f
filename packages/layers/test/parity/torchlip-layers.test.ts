/**
 * Parity with deel-torchlip 1.0.5 (tools/reference/fixtures_parity_torchlip.py; NCHW arrays
 * transposed to NHWC there): outputs and gradients of sum(y·dy) w.r.t. inputs and weights.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expectTensorsClose } from '@lipnet/test-utils';
import {
  BatchCentering,
  BatchLipNorm,
  LayerCentering,
  LipResidual,
  ScaleBiasLayer,
  ScaledAdaptativeL2NormPool2d,
  ScaledAdaptiveAvgPool2d,
} from '../../src';
import { PARITY, forwardAndGrads, loadFixture, t, type FixtureArray, type TorchlipCase } from './parity-helpers';

interface Step {
  mode: 'train' | 'eval' | 'export';
  inputs?: FixtureArray[];
  output?: FixtureArray;
  dy?: FixtureArray;
  gradInputs?: FixtureArray[];
  gradParams?: Record<string, FixtureArray>;
  scalar?: number;
  bias?: FixtureArray;
}
interface NormCase {
  layer: 'BatchLipNorm' | 'BatchCentering';
  config: { numFeatures: number; centering?: boolean; bias?: boolean };
  inputShape: number[];
  steps: Step[];
}
const fx = loadFixture<{ meta: { deelTorchlip: string }; cases: TorchlipCase[]; batchNorms: NormCase[] }>(
  'torchlip-layers.json',
);
const V = fx.meta.deelTorchlip;

function make(c: TorchlipCase): tfl.layers.Layer {
  const k = (c.config['kCoefLip'] as number | undefined) ?? 1;
  switch (c.layer) {
    case 'LayerCentering':
      return new LayerCentering({ useBias: c.config['bias'] as boolean });
    case 'ScaleBiasLayer':
      return new ScaleBiasLayer({ scalar: c.config['scalar'] as number });
    case 'ScaledAdaptiveAvgPool2d':
      return new ScaledAdaptiveAvgPool2d({ kCoefLip: k });
    case 'ScaledAdaptativeL2NormPool2d':
      return new ScaledAdaptativeL2NormPool2d({ kCoefLip: k });
    case 'LipResidual':
      return new LipResidual();
    default:
      throw new Error(`no layer for ${c.layer}`);
  }
}
/** torchlip parameter names → lipnet weight names. */
const weightName: Record<string, string> = { bias: 'bias', alpha: 'alpha' };

describe(`parity with deel-torchlip ${V}: layers`, () => {
  for (const name of [
    'LayerCentering',
    'ScaleBiasLayer',
    'ScaledAdaptiveAvgPool2d',
    'ScaledAdaptativeL2NormPool2d',
    'LipResidual',
  ]) {
    it(`${name}: outputs and gradients w.r.t. inputs and weights`, () => {
      const cases = fx.cases.filter((c) => c.layer === name);
      expect(cases.length).toBeGreaterThanOrEqual(1);
      for (const c of cases) {
        const layer = make(c);
        const shapes = c.inputs.map((a) => a.shape);
        layer.build(shapes.length === 1 ? shapes[0]! : shapes);
        const names = Object.keys(c.params);
        if (names.length) layer.setWeights(names.map((n) => t(c.params[n]!)));
        const r = forwardAndGrads(layer, c.inputs.map(t), t(c.dy));
        expectTensorsClose(r.output, t(c.output), PARITY);
        r.gradInputs.forEach((g, i) => expectTensorsClose(g, t(c.gradInputs[i]!), PARITY));
        for (const n of names) expectTensorsClose(r.gradWeights[weightName[n]!]!, t(c.gradParams[n]!), PARITY);
      }
    });
  }
});

describe(`parity with deel-torchlip ${V}: BatchLipNorm / BatchCentering sequences`, () => {
  for (const nc of fx.batchNorms) {
    const tag = `${nc.layer}(${JSON.stringify(nc.config)}) on [${nc.inputShape.join(', ')}]`;
    it(`${tag}: 3 training batches (output, ∂x, ∂β), inference, export to ScaleBiasLayer, a 2nd epoch, inference`, () => {
      const useBias = nc.config.bias ?? true;
      const layer =
        nc.layer === 'BatchCentering'
          ? new BatchCentering({ useBias })
          : new BatchLipNorm({ useBias, centering: nc.config.centering ?? true });
      layer.build(nc.inputShape);
      if (useBias) layer.setWeights([t(initialBias(nc)), ...layer.getWeights().slice(1)]);
      for (const s of nc.steps) {
        if (s.mode === 'train') {
          const r = forwardAndGrads(layer, [t(s.inputs![0]!)], t(s.dy!), { training: true });
          expectTensorsClose(r.output, t(s.output!), PARITY);
          expectTensorsClose(r.gradInputs[0]!, t(s.gradInputs![0]!), PARITY);
          if (useBias) expectTensorsClose(r.gradWeights['bias']!, t(s.gradParams!['bias']!), PARITY);
        } else if (s.mode === 'eval') {
          expectTensorsClose(layer.apply(t(s.inputs![0]!), { training: false }) as tf.Tensor, t(s.output!), PARITY);
        } else {
          const v = layer.vanillaExport();
          expect(v.scalar).toBeCloseTo(s.scalar!, 6);
          expectTensorsClose(v.getWeights()[0]!, t(s.bias!), PARITY);
          expect(layer.lipschitzBound()).toBeCloseTo(s.scalar!, 6);
        }
      }
    });
  }
});

/** The bias torchlip started from (the fixture's first training step records it). */
function initialBias(nc: NormCase): FixtureArray {
  const s = nc.steps.find((x) => x.mode === 'train') as Step & { params?: Record<string, FixtureArray> };
  return s.params!['bias']!;
}
