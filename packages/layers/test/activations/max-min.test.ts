import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  expectNoLeakedTensors,
  expectTensorsClose,
  finiteDifferenceGradient,
  saveLoadRoundTrip,
} from '@lipnet/test-utils';
import { MaxMin, maxMin } from '../../src/activations';
import { isLipschitzLayer } from '../../src/lipschitz-layer';
import { attackPairRatio, fixtureCases, jacobianNorm, maxPairRatio, randn, toTensor } from './probe';

describe('MaxMin', () => {
  it('computes k·[relu(x), relu(−x)] and doubles the channels (closed forms)', () => {
    expectTensorsClose(maxMin().apply(tf.tensor2d([[2, -3, 0]])) as tf.Tensor, [[2, 0, 0, 0, 3, 0]]);
    expectTensorsClose(maxMin({ kCoefLip: 0.5 }).apply(tf.tensor2d([[2, -3]])) as tf.Tensor, [[1, 0, 0, 1.5]]);
    // channelsFirst: concatenation on axis 1.
    const x = tf.tensor4d([1, -2, 3, -4], [1, 1, 2, 2]);
    const y = maxMin({ dataFormat: 'channelsFirst' }).apply(x) as tf.Tensor;
    expect(y.shape).toEqual([1, 2, 2, 2]);
    expectTensorsClose(y, [1, 0, 3, 0, 0, 2, 0, 4]);
    const model = tfl.sequential({ layers: [maxMin({ inputShape: [3, 3, 4] })] });
    expect(model.outputs[0]!.shape).toEqual([null, 3, 3, 8]);
  });

  it('matches deel-lip 1.5.0 MaxMin on the fixture', () => {
    const cases = fixtureCases('MaxMin');
    expect(cases.length).toBe(4);
    for (const c of cases) {
      const layer = new MaxMin({ kCoefLip: c.config['kCoefLip'] as number });
      expectTensorsClose(layer.apply(toTensor(c.input)) as tf.Tensor, toTensor(c.output), { atol: 1e-6, rtol: 0 });
    }
  });

  it('input gradients equal central finite differences', () => {
    const vals = randn(2 * 5, 40).map((v) => (Math.abs(v) < 0.05 ? 0.3 : v)); // away from the kink at 0
    const w = randn(2 * 10, 41);
    const layer = maxMin({ kCoefLip: 1.7 });
    const loss = (x: tf.Tensor) => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, tf.tensor2d(w, [2, 10])));
    const g = tf.grad(loss)(tf.tensor2d(vals, [2, 5]));
    const fd = finiteDifferenceGradient(
      (v) => tf.tidy(() => loss(tf.tensor2d(Array.from(v), [2, 5])).dataSync()[0]!),
      vals,
      1e-3,
    );
    expectTensorsClose(g, Array.from(fd), { atol: 1e-3, rtol: 1e-3 });
  });

  it('is norm preserving and exactly kCoefLip-Lipschitz (Jacobian SVD, random and attacked pairs)', () => {
    for (const k of [1, 0.6]) {
      const layer = maxMin({ kCoefLip: k });
      const f = (x: tf.Tensor) => layer.apply(x) as tf.Tensor;
      const x = tf.tensor2d(randn(6 * 8, 50), [6, 8]);
      const a = tf.norm(x, 'euclidean', 1).dataSync();
      const b = tf.norm(f(x), 'euclidean', 1).dataSync();
      a.forEach((v, i) => expect(b[i]).toBeCloseTo(k * v, 5));
      for (let p = 0; p < 4; p++) {
        const { norm, rows, cols } = jacobianNorm(f, tf.tensor2d(randn(8, 60 + p), [1, 8]));
        expect([rows, cols]).toEqual([16, 8]);
        expect(Math.abs(norm - k)).toBeLessThan(1e-5 * k);
      }
      expect(maxPairRatio(f, [8], 200, 51)).toBeLessThanOrEqual(k * (1 + 1e-5));
      const attacked = attackPairRatio(f, [8], 8, 30, 52);
      expect(attacked).toBeLessThanOrEqual(k * (1 + 1e-5));
      expect(attacked).toBeGreaterThan(0.99 * k);
      expect(layer.lipschitzBound()).toBe(k);
    }
    expect(isLipschitzLayer(maxMin())).toBe(true);
  });

  it('saves and reloads inside a model', async () => {
    const model = tfl.sequential({
      layers: [tfl.layers.conv2d({ filters: 2, kernelSize: 1, inputShape: [3, 3, 1] }), maxMin({ kCoefLip: 0.5 })],
    });
    const x = tf.tensor4d(randn(2 * 9, 70), [2, 3, 3, 1]);
    const loaded = await saveLoadRoundTrip(model);
    expect(loaded.layers[1]!.getClassName()).toBe('MaxMin');
    expect(loaded.layers[1]!.getConfig()).toMatchObject({ kCoefLip: 0.5, dataFormat: 'channelsLast' });
    expectTensorsClose(loaded.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor, { atol: 0, rtol: 0 });
  });

  it('does not leak tensors', async () => {
    const layer = maxMin({ kCoefLip: 2 });
    const x = tf.tensor2d(randn(8, 71), [2, 4]);
    await expectNoLeakedTensors(() => tf.grad((z: tf.Tensor) => tf.sum(tf.square(layer.apply(z) as tf.Tensor)))(x));
  });

  it('rejects bad configurations', () => {
    expect(() => maxMin({ dataFormat: 'nhwc' as 'channelsLast' })).toThrow(
      /MaxMin: expected `dataFormat` 'channelsLast' or 'channelsFirst', got 'nhwc'\./,
    );
    expect(() => maxMin({ kCoefLip: Number.NaN })).toThrow(
      /MaxMin: expected `kCoefLip` to be a finite number > 0, got NaN/,
    );
    expect(() => maxMin().apply(tf.tensor1d([1, 2]))).toThrow(/MaxMin: expected an input of rank ≥ 2.*got shape \[2\]/);
  });
});
