import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  expectNoLeakedTensors,
  expectTensorsClose,
  finiteDifferenceGradient,
  saveLoadRoundTrip,
} from '@lipnet/test-utils';
import { ScaledGlobalL2NormPooling2D, scaledGlobalL2NormPooling2D } from '../../src/pooling';
import { isLipschitzLayer } from '../../src/lipschitz-layer';
import { attackPairRatio, fixtureCases, jacobianNorm, maxPairRatio, randn, toTensor } from '../activations/probe';

describe('ScaledGlobalL2NormPooling2D', () => {
  it('is k·‖x_{:,:,c}‖₂ per channel (closed form)', () => {
    expectTensorsClose(scaledGlobalL2NormPooling2D().apply(tf.tensor4d([3, 4, 0, 0], [1, 2, 2, 1])) as tf.Tensor, [
      [5],
    ]);
    const x = tf.tensor4d([1, 2, 2, 4, 2, 4], [1, 1, 3, 2]); // channel 0: 1,2,2 → 3; channel 1: 2,4,4 → 6
    expectTensorsClose(scaledGlobalL2NormPooling2D({ kCoefLip: 0.5 }).apply(x) as tf.Tensor, [[1.5, 3]]);
  });

  it('matches deel-lip 1.5.0 outputs and custom-gradient input gradients (incl. an all-zero channel)', () => {
    const cases = fixtureCases('ScaledGlobalL2NormPooling2D');
    expect(cases.length).toBe(2);
    for (const c of cases) {
      const layer = new ScaledGlobalL2NormPooling2D({ kCoefLip: c.config['kCoefLip'] as number });
      const x = toTensor(c.input);
      expectTensorsClose(layer.apply(x) as tf.Tensor, toTensor(c.output), { atol: 1e-5, rtol: 1e-5 });
      const dy = toTensor(c.dy!);
      const g = tf.grad((z: tf.Tensor) => tf.sum(tf.mul(layer.apply(z) as tf.Tensor, dy)))(x);
      expectTensorsClose(g, toTensor(c.grad!), { atol: 1e-5, rtol: 1e-4 });
      // x[1, :, :, 2] = 0 in the fixture: finite, zero gradient there.
      const gv = g.arraySync() as number[][][][];
      expect(gv[1]!.flat().map((px) => Math.abs(px[2]!))).toEqual(new Array(12).fill(0));
    }
  });

  it('input gradients equal central finite differences', () => {
    const vals = randn(1 * 3 * 3 * 2, 500);
    const w = randn(2, 501);
    const layer = scaledGlobalL2NormPooling2D({ kCoefLip: 1.2 });
    const loss = (x: tf.Tensor) => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, tf.tensor2d(w, [1, 2])));
    const g = tf.grad(loss)(tf.tensor4d(vals, [1, 3, 3, 2]));
    const fd = finiteDifferenceGradient(
      (v) => tf.tidy(() => loss(tf.tensor4d(Array.from(v), [1, 3, 3, 2])).dataSync()[0]!),
      vals,
      1e-3,
    );
    expectTensorsClose(g, Array.from(fd), { atol: 1e-3, rtol: 1e-3 });
  });

  it('is kCoefLip-Lipschitz (‖J‖ = k at generic points, pairs ≤ k, equality along rays)', () => {
    for (const k of [1, 2]) {
      const layer = scaledGlobalL2NormPooling2D({ kCoefLip: k });
      const f = (x: tf.Tensor) => layer.apply(x) as tf.Tensor;
      const { norm } = jacobianNorm(f, tf.tensor4d(randn(3 * 4 * 2, 510), [1, 3, 4, 2]));
      expect(norm).toBeLessThanOrEqual(k * (1 + 1e-5));
      expect(norm).toBeGreaterThan(k * (1 - 1e-4));
      expect(maxPairRatio(f, [3, 4, 2], 100, 511)).toBeLessThanOrEqual(k * (1 + 1e-5));
      expect(attackPairRatio(f, [3, 4, 2], 4, 20, 512)).toBeLessThanOrEqual(k * (1 + 1e-5));
      const x = tf.tensor4d(randn(24, 513), [1, 3, 4, 2]);
      expect(tf.norm(tf.sub(f(tf.mul(x, 3)), f(x))).dataSync()[0]! / (2 * tf.norm(x).dataSync()[0]!)).toBeCloseTo(k, 5);
      expect(layer.lipschitzBound()).toBe(k);
    }
    expect(isLipschitzLayer(scaledGlobalL2NormPooling2D())).toBe(true);
  });

  it('saves and reloads inside a model, and does not leak', async () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ filters: 3, kernelSize: 1, inputShape: [3, 5, 1] }),
        scaledGlobalL2NormPooling2D({ kCoefLip: 0.5, epsGradSqrt: 1e-5 }),
      ],
    });
    const x = tf.tensor4d(randn(2 * 15, 520), [2, 3, 5, 1]);
    const loaded = await saveLoadRoundTrip(model);
    expect(loaded.layers[1]!.getClassName()).toBe('ScaledGlobalL2NormPooling2D');
    expect(loaded.layers[1]!.getConfig()).toMatchObject({ kCoefLip: 0.5, epsGradSqrt: 1e-5 });
    expectTensorsClose(loaded.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor, { atol: 0, rtol: 0 });
    await expectNoLeakedTensors(() => tf.grad((z: tf.Tensor) => tf.sum(model.predict(z) as tf.Tensor))(x));
  });

  it('rejects bad configurations', () => {
    expect(() => scaledGlobalL2NormPooling2D({ epsGradSqrt: -1 })).toThrow(
      /ScaledGlobalL2NormPooling2D: expected `epsGradSqrt` to be a finite number ≥ 0, got -1/,
    );
    expect(() => scaledGlobalL2NormPooling2D({ dataFormat: 'channelsFirst' as 'channelsLast' })).toThrow(
      /got 'channelsFirst'/,
    );
    expect(() => scaledGlobalL2NormPooling2D().apply(tf.zeros([2, 3]))).toThrow(/expected a 4-D input/);
  });
});
