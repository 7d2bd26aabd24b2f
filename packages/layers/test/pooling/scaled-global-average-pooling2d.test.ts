import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  expectNoLeakedTensors,
  expectTensorsClose,
  finiteDifferenceGradient,
  saveLoadRoundTrip,
} from '@lipnet/test-utils';
import { ScaledGlobalAveragePooling2D, scaledGlobalAveragePooling2D } from '../../src/pooling';
import { isLipschitzLayer } from '../../src/lipschitz-layer';
import { attackPairRatio, fixtureCases, jacobianNorm, maxPairRatio, randn, toTensor } from '../activations/probe';

describe('ScaledGlobalAveragePooling2D', () => {
  it('is k·Σ_{h,w} x / √(H·W) per channel (closed form)', () => {
    expectTensorsClose(scaledGlobalAveragePooling2D().apply(tf.ones([1, 2, 2, 3])) as tf.Tensor, [[2, 2, 2]]);
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6], [1, 1, 3, 2]); // channel 0: 1,3,5; channel 1: 2,4,6
    expectTensorsClose(scaledGlobalAveragePooling2D({ kCoefLip: 2 }).apply(x) as tf.Tensor, [
      [(2 * 9) / Math.sqrt(3), (2 * 12) / Math.sqrt(3)],
    ]);
  });

  it('matches deel-lip 1.5.0 on the fixture', () => {
    const cases = fixtureCases('ScaledGlobalAveragePooling2D');
    expect(cases.length).toBe(2);
    for (const c of cases) {
      const layer = new ScaledGlobalAveragePooling2D({ kCoefLip: c.config['kCoefLip'] as number });
      expectTensorsClose(layer.apply(toTensor(c.input)) as tf.Tensor, toTensor(c.output), { atol: 1e-5, rtol: 1e-5 });
    }
  });

  it('input gradients equal central finite differences (each is k·w_c/√(H·W))', () => {
    const vals = randn(2 * 3 * 4 * 2, 400);
    const w = randn(2 * 2, 401);
    const layer = scaledGlobalAveragePooling2D({ kCoefLip: 1.5 });
    const loss = (x: tf.Tensor) => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, tf.tensor2d(w, [2, 2])));
    const g = tf.grad(loss)(tf.tensor4d(vals, [2, 3, 4, 2]));
    const fd = finiteDifferenceGradient(
      (v) => tf.tidy(() => loss(tf.tensor4d(Array.from(v), [2, 3, 4, 2])).dataSync()[0]!),
      vals,
      1e-2,
    );
    expectTensorsClose(g, Array.from(fd), { atol: 1e-3, rtol: 1e-3 });
    expect(g.dataSync()[0]).toBeCloseTo((1.5 * w[0]!) / Math.sqrt(12), 6);
  });

  it('is exactly kCoefLip-Lipschitz (‖J‖ = k, pairs ≤ k)', () => {
    for (const k of [1, 0.5]) {
      const layer = scaledGlobalAveragePooling2D({ kCoefLip: k });
      const f = (x: tf.Tensor) => layer.apply(x) as tf.Tensor;
      const { norm } = jacobianNorm(f, tf.tensor4d(randn(3 * 4 * 2, 410), [1, 3, 4, 2]));
      expect(Math.abs(norm - k)).toBeLessThan(1e-5 * k);
      expect(maxPairRatio(f, [3, 4, 2], 100, 411)).toBeLessThanOrEqual(k * (1 + 1e-5));
      expect(attackPairRatio(f, [3, 4, 2], 4, 20, 412)).toBeLessThanOrEqual(k * (1 + 1e-5));
      expect(layer.lipschitzBound()).toBe(k);
    }
    expect(isLipschitzLayer(scaledGlobalAveragePooling2D())).toBe(true);
  });

  it('saves and reloads inside a model, and does not leak', async () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ filters: 3, kernelSize: 1, inputShape: [3, 5, 1] }),
        scaledGlobalAveragePooling2D({ kCoefLip: 0.5 }),
      ],
    });
    expect(model.outputs[0]!.shape).toEqual([null, 3]);
    const x = tf.tensor4d(randn(2 * 15, 420), [2, 3, 5, 1]);
    const loaded = await saveLoadRoundTrip(model);
    expect(loaded.layers[1]!.getClassName()).toBe('ScaledGlobalAveragePooling2D');
    expect(loaded.layers[1]!.getConfig()).toMatchObject({ kCoefLip: 0.5, dataFormat: 'channelsLast' });
    expectTensorsClose(loaded.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor, { atol: 0, rtol: 0 });
    await expectNoLeakedTensors(() => tf.grad((z: tf.Tensor) => tf.sum(model.predict(z) as tf.Tensor))(x));
  });

  it('rejects bad configurations and unknown spatial sizes', () => {
    expect(() => scaledGlobalAveragePooling2D({ dataFormat: 'channelsFirst' as 'channelsLast' })).toThrow(
      /ScaledGlobalAveragePooling2D: expected `dataFormat` 'channelsLast', got 'channelsFirst'/,
    );
    expect(() => scaledGlobalAveragePooling2D({ kCoefLip: Infinity })).toThrow(/`kCoefLip`.*got Infinity/);
    expect(() =>
      tfl.sequential({
        layers: [tfl.layers.inputLayer({ batchInputShape: [null, null, 4, 2] }), scaledGlobalAveragePooling2D()],
      }),
    ).toThrow(
      /ScaledGlobalAveragePooling2D: expected an input with a known height and width, got \[null, null, 4, 2\]\. The √\(H·W\) coefficient needs them/,
    );
  });
});
