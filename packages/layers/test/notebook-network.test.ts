import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expectTensorsClose } from '@lipnet/test-utils';
import {
  SpectralConv2D,
  SpectralDense,
  FrobeniusDense,
  ScaledL2NormPooling2D,
  GroupSort,
  sequential,
  vanillaExport,
  type ConvNormalization,
} from '../src';
import { empiricalLipschitz } from './helpers';

/** The Demo 4 network (deel-lip 1.2.0 notebook), with the conv coefficient mode chosen. */
function demo4(convNormalization: ConvNormalization = 'deel-lip'): tfl.Sequential {
  return sequential({
    layers: [
      new SpectralConv2D({
        filters: 16,
        kernelSize: 3,
        activation: new GroupSort({ n: 2 }),
        kernelInitializer: 'orthogonal',
        convNormalization,
        inputShape: [28, 28, 1],
      }),
      new ScaledL2NormPooling2D({ poolSize: 2 }),
      new SpectralConv2D({
        filters: 32,
        kernelSize: 3,
        activation: new GroupSort({ n: 2 }),
        kernelInitializer: 'orthogonal',
        convNormalization,
      }),
      new ScaledL2NormPooling2D({ poolSize: 2 }),
      tfl.layers.flatten(),
      new SpectralDense({ units: 64, activation: new GroupSort({ n: 2 }), kernelInitializer: 'orthogonal' }),
      new FrobeniusDense({ units: 10, useBias: false, kernelInitializer: 'orthogonal' }),
    ],
    kCoefLip: 1,
    name: 'hkr_model',
  });
}

const count = (ws: tfl.LayerVariable[]) =>
  ws.reduce((s, w) => s + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);

describe('the Demo 4 network', () => {
  it("has the notebook's 105,856 trainable parameters (plus 115 non-trainable u/σ instead of deel-lip's 105,859 with wbar)", () => {
    const m = demo4();
    expect(count(m.trainableWeights)).toBe(105856);
    expect(count(m.nonTrainableWeights)).toBe(16 + 32 + 64 + 3);
    expect(m.countParams()).toBe(105856 + 115);
  });

  it("each output is 1-Lipschitz (measured) with the strict conv coefficient; ≤ 1.0756 with deel-lip's", () => {
    const report: Record<string, unknown> = {};
    for (const [mode, bound] of [
      ['strict', 1],
      ['deel-lip', 3 * (28 / 82) * 3 * 0.35],
    ] as const) {
      const m = demo4(mode);
      for (const j of mode === 'strict' ? [0] : [7]) {
        const f = (x: tf.Tensor) => tf.slice(m.apply(x) as tf.Tensor, [0, j], [-1, 1]);
        const lip = empiricalLipschitz(f, [28, 28, 1], { samples: 2, steps: 3, scale: 1, lr: 0.5 });
        expect(lip.max).toBeLessThanOrEqual(bound * (1 + 1e-3));
        expect(lip.max).toBeGreaterThan(0.05); // not ~0 (an untrained network is far from tight: see the report)
        report[`${mode} output ${j}`] = lip;
      }
    }
    console.log(JSON.stringify(report));
  });

  it('vanillaExport predicts the same to 1e-5 (GroupSort and ScaledL2NormPooling2D stay @lipnet layers)', () => {
    const m = demo4();
    const plain = vanillaExport(m);
    expect(plain.layers.map((l) => l.getClassName())).toEqual([
      'InputLayer',
      'Conv2D',
      'GroupSort',
      'ScaledL2NormPooling2D',
      'Conv2D',
      'GroupSort',
      'ScaledL2NormPooling2D',
      'Flatten',
      'Dense',
      'GroupSort',
      'Dense',
    ]);
    const x = tf.randomUniform([3, 28, 28, 1], 0, 1, 'float32', 4);
    expectTensorsClose(plain.predict(x) as tf.Tensor, m.predict(x) as tf.Tensor, { atol: 1e-5, rtol: 1e-5 });
  });
});
