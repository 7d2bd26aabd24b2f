import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expectNoLeakedTensors, expectTensorsClose, saveLoadRoundTrip } from '@lipnet/test-utils';
import { LPReLU, PReLUlip, lpRelu } from '../../src/activations';
import { PARITY, forwardAndGrads, loadFixture, t, type TorchlipCase } from '../parity/parity-helpers';
import { jacobianNorm, randn } from './probe';

const torchlip = loadFixture<{ meta: { deelTorchlip: string }; cases: TorchlipCase[] }>('torchlip-layers.json');
const cases = torchlip.cases.filter((c) => c.layer === 'LPReLU');

describe('LPReLU', () => {
  it(`matches deel-torchlip ${torchlip.meta.deelTorchlip} LPReLU: output and gradients w.r.t. x and the slopes (zero outside [−k, k])`, () => {
    expect(cases).toHaveLength(3);
    for (const c of cases) {
      const cfg = c.config as { numParameters: number; kCoefLip: number };
      const layer = lpRelu({ numParameters: cfg.numParameters, kCoefLip: cfg.kCoefLip });
      layer.build(c.inputs[0]!.shape);
      expectTensorsClose(layer.getWeights()[0]!, tf.fill([cfg.numParameters], 0.25)); // torch's init
      layer.setWeights([t(c.params['weight']!)]);
      const r = forwardAndGrads(layer, [t(c.inputs[0]!)], t(c.dy));
      expectTensorsClose(r.output, t(c.output), PARITY);
      expectTensorsClose(r.gradInputs[0]!, t(c.gradInputs[0]!), PARITY);
      expectTensorsClose(r.gradWeights['alpha']!, t(c.gradParams['weight']!), PARITY);
    }
  });

  it("is PReLUlip's math with torch's slope layout: same outputs for the same slopes", () => {
    const x = tf.tensor4d(randn(2 * 2 * 2 * 3, 4), [2, 2, 2, 3]);
    const lp = lpRelu({ numParameters: 3, kCoefLip: 0.5 });
    lp.build(x.shape);
    lp.setWeights([tf.tensor1d([0.3, -0.9, 0.6])]);
    const pl = new PReLUlip({ kCoefLip: 0.5 });
    pl.build(x.shape);
    pl.setWeights([tf.tile(tf.tensor3d([0.3, -0.9, 0.6], [1, 1, 3]), [2, 2, 1])]);
    expectTensorsClose(lp.apply(x) as tf.Tensor, pl.apply(x) as tf.Tensor);
    expect(lp).toBeInstanceOf(PReLUlip);
  });

  it('has Lipschitz constant max(1, max|clip(α)|): Jacobian SVD', () => {
    const layer = lpRelu({ numParameters: 4, kCoefLip: 2 });
    layer.build([null, 4]);
    layer.setWeights([tf.tensor1d([0.5, -3, 1.5, 0])]);
    const { norm } = jacobianNorm((x) => layer.apply(x) as tf.Tensor, tf.tensor2d([[-1, -1, -1, -1]]));
    expect(norm).toBeCloseTo(2, 5); // slope −3 clipped to −2
    expect(layer.lipschitzBound()).toBe(2);
  });

  it('round-trips through save/load; vanillaExport is a tfjs PReLU with shared axes and the clipped slopes', async () => {
    for (const n of [1, 3]) {
      const model = tfl.sequential({ layers: [lpRelu({ inputShape: [2, 2, 3], numParameters: n, kCoefLip: 0.5 })] });
      model.layers[0]!.setWeights([tf.tensor1d(n === 1 ? [-0.8] : [0.2, -0.7, 0.4])]);
      const x = tf.tensor4d(randn(24, 9), [2, 2, 2, 3]);
      const loaded = await saveLoadRoundTrip(model);
      expect(loaded.layers[0]).toBeInstanceOf(LPReLU);
      expect(loaded.layers[0]!.getConfig()).toMatchObject({ numParameters: n, init: 0.25, kCoefLip: 0.5 });
      expectTensorsClose(loaded.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor);
      const v = (model.layers[0] as LPReLU).vanillaExport();
      expect(v.getClassName()).toBe('PReLU');
      expectTensorsClose(v.apply(x) as tf.Tensor, model.predict(x) as tf.Tensor);
    }
  });

  it('refuses a numParameters that is neither 1 nor the channel count, and a non-finite init', () => {
    expect(() => lpRelu({ numParameters: 4 }).apply(tfl.input({ shape: [3] }))).toThrow(/numParameters: 3/);
    expect(() => lpRelu({ numParameters: 0 })).toThrow(/`numParameters`/);
    expect(() => lpRelu({ init: Infinity })).toThrow(/expected `init` to be a finite number, got Infinity/);
  });

  it('leaks no tensors', async () => {
    const layer = lpRelu();
    layer.build([null, 3]);
    const x = tf.tensor2d(randn(6, 2), [2, 3]);
    const dy = tf.onesLike(x);
    await expectNoLeakedTensors(() => {
      const r = forwardAndGrads(layer, [x], dy);
      tf.dispose([r.output, ...r.gradInputs, ...Object.values(r.gradWeights)]);
    });
  });
});
