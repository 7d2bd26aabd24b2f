import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expectNoLeakedTensors, expectTensorsClose, saveLoadRoundTrip } from '@lipnet/test-utils';
import { Householder, householder } from '../../src/activations';
import { sequential } from '../../src/sequential';
import {
  PARITY,
  forwardAndGrads,
  loadFixture,
  t,
  type FixtureArray,
  type TorchlipCase,
} from '../parity/parity-helpers';
import { attackPairRatio, jacobianNorm, randn } from './probe';

interface DeelLipCase {
  tag: string;
  input: FixtureArray;
  theta: FixtureArray;
  thetaDefault: boolean;
  output: FixtureArray;
  dy: FixtureArray;
  gradInput: FixtureArray;
  gradTheta: FixtureArray;
}
const deelLip = loadFixture<{ meta: { deelLip: string }; cases: DeelLipCase[] }>('householder-deel-lip.json');
const torchlip = loadFixture<{ meta: { deelTorchlip: string }; cases: TorchlipCase[] }>('torchlip-layers.json');

function builtWith(theta: tf.Tensor, inputShape: number[]): Householder {
  const layer = householder();
  layer.build(inputShape);
  layer.setWeights([theta]);
  return layer;
}

describe('Householder', () => {
  it(`matches deel-lip ${deelLip.meta.deelLip} Householder: output and gradients w.r.t. x and θ`, () => {
    expect(deelLip.cases).toHaveLength(4);
    for (const c of deelLip.cases) {
      const layer = builtWith(t(c.theta), c.input.shape);
      if (c.thetaDefault) expectTensorsClose(layer.getWeights()[0]!, t(c.theta)); // π/2 by default
      const r = forwardAndGrads(layer, [t(c.input)], t(c.dy));
      expectTensorsClose(r.output, t(c.output), PARITY);
      expectTensorsClose(r.gradInputs[0]!, t(c.gradInput), PARITY);
      expectTensorsClose(r.gradWeights['theta']!, t(c.gradTheta), PARITY);
    }
  });

  it(`matches deel-torchlip ${torchlip.meta.deelTorchlip} HouseHolder (NCHW fixtures transposed to NHWC): both libraries agree`, () => {
    const cases = torchlip.cases.filter((c) => c.layer === 'HouseHolder');
    expect(cases).toHaveLength(4);
    for (const c of cases) {
      const layer = builtWith(t(c.params['theta']!), c.inputs[0]!.shape);
      const r = forwardAndGrads(layer, [t(c.inputs[0]!)], t(c.dy));
      expectTensorsClose(r.output, t(c.output), PARITY);
      expectTensorsClose(r.gradInputs[0]!, t(c.gradInputs[0]!), PARITY);
      expectTensorsClose(r.gradWeights['theta']!, t(c.gradParams['theta']!), PARITY);
    }
  });

  it('with θ = π/2 sorts each pair (x_i, x_{i+C/2}) across the halves (closed form)', () => {
    const y = householder().apply(tf.tensor2d([[3, -1, 1, 2]])) as tf.Tensor;
    expectTensorsClose(y, [[1, -1, 3, 2]]);
  });

  it('is kCoefLip-Lipschitz: Jacobian spectral norm (SVD) equals k, and an attack stays below k', () => {
    for (const k of [1, 0.5]) {
      const layer = householder({ kCoefLip: k });
      layer.build([null, 6]);
      layer.setWeights([tf.tensor1d([0.3, 2.1, -1.2])]);
      const f = (x: tf.Tensor) => layer.apply(x) as tf.Tensor;
      for (let s = 0; s < 4; s++) {
        const { norm } = jacobianNorm(f, tf.tensor2d(randn(6, 11 + s), [1, 6]));
        expect(Math.abs(norm - k)).toBeLessThan(1e-5); // orthogonal Jacobian, times k
      }
      expect(attackPairRatio(f, [6], 8, 30, 5)).toBeLessThanOrEqual(k * (1 + 1e-5));
      expect(layer.lipschitzBound()).toBe(k);
    }
  });

  it('serialises (getConfig, registerClass) and round-trips through save/load with its θ', async () => {
    const model = sequential({
      layers: [householder({ inputShape: [3, 3, 4], thetaInitializer: 'randomNormal' })],
      kCoefLip: 0.7,
    });
    const x = tf.tensor4d(randn(2 * 36, 3), [2, 3, 3, 4]);
    const loaded = await saveLoadRoundTrip(model);
    const l = loaded.layers[0] as Householder;
    expect(l).toBeInstanceOf(Householder);
    expect(l.getConfig()).toMatchObject({ kCoefLip: 0.7, dataFormat: 'channelsLast' });
    expectTensorsClose(loaded.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor);
    const cfg = householder({ thetaInitializer: 0.25 }).getConfig();
    expect(cfg['thetaInitializer']).toBe(0.25);
    expect(cfg['kCoefLip']).toBe(1);
  });

  it('refuses odd channel counts, channelsFirst and non-finite angles, naming the fix', () => {
    expect(() => householder().apply(tfl.input({ shape: [5] }))).toThrow(/even, known channel count/);
    expect(() => householder({ dataFormat: 'channels_first' as 'channelsLast' })).toThrow(/'channelsLast'/);
    expect(() => householder({ thetaInitializer: NaN })).toThrow(
      /expected `thetaInitializer` to be a finite angle or an initializer .*, got NaN/,
    );
    expect(() => householder({ kCoefLip: 0 })).toThrow(/kCoefLip/);
  });

  it('leaks no tensors in forward and backward passes', async () => {
    const layer = householder();
    layer.build([null, 4]);
    const x = tf.tensor2d(randn(8, 1), [2, 4]);
    const dy = tf.onesLike(x);
    await expectNoLeakedTensors(() => {
      const r = forwardAndGrads(layer, [x], dy);
      tf.dispose([r.output, ...r.gradInputs, ...Object.values(r.gradWeights)]);
    });
  });
});
