import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  expectNoLeakedTensors,
  expectTensorsClose,
  finiteDifferenceGradient,
  saveLoadRoundTrip,
} from '@lipnet/test-utils';
import { LipnetOptionError } from '@lipnet/core';
import { ScaledAveragePooling2D, scaledAveragePooling2D } from '../../src/pooling';
import { isLipschitzLayer } from '../../src/lipschitz-layer';
import { attackPairRatio, fixtureCases, jacobianNorm, maxPairRatio, randn, toTensor } from '../activations/probe';

/** Plain-JS reference: k · Σ_window x / √(ph·pw), valid padding, NHWC. */
function jsScaledAvgPool(x: number[], [b, h, w, c]: number[], [ph, pw]: number[], k: number): number[] {
  const ho = Math.floor(h! / ph!);
  const wo = Math.floor(w! / pw!);
  const out: number[] = [];
  for (let n = 0; n < b!; n++)
    for (let i = 0; i < ho; i++)
      for (let j = 0; j < wo; j++)
        for (let ch = 0; ch < c!; ch++) {
          let s = 0;
          for (let di = 0; di < ph!; di++)
            for (let dj = 0; dj < pw!; dj++) s += x[((n * h! + i * ph! + di) * w! + j * pw! + dj) * c! + ch]!;
          out.push((k * s) / Math.sqrt(ph! * pw!));
        }
  return out;
}

describe('ScaledAveragePooling2D', () => {
  it('is k·Σ_window/√(ph·pw) (closed form and a JS reference, odd sizes dropped as valid padding)', () => {
    expectTensorsClose(scaledAveragePooling2D().apply(tf.ones([1, 2, 2, 1])) as tf.Tensor, [[[[2]]]]);
    const cases: Array<[[number, number, number, number], [number, number], number]> = [
      [[2, 4, 6, 3], [2, 2], 1],
      [[1, 5, 7, 2], [2, 3], 0.5],
      [[1, 3, 3, 1], [3, 3], 2],
    ];
    for (const [shape, pool, k] of cases) {
      const vals = randn(
        shape.reduce((a, b) => a * b, 1),
        200,
      );
      const y = scaledAveragePooling2D({ poolSize: pool, kCoefLip: k }).apply(tf.tensor4d(vals, shape)) as tf.Tensor;
      expect(y.shape).toEqual([shape[0], Math.floor(shape[1] / pool[0]), Math.floor(shape[2] / pool[1]), shape[3]]);
      expectTensorsClose(y, jsScaledAvgPool(vals, shape, pool, k), { atol: 1e-6, rtol: 1e-5 });
    }
  });

  it('matches deel-lip 1.5.0 ScaledAveragePooling2D on the fixture', () => {
    const cases = fixtureCases('ScaledAveragePooling2D');
    expect(cases.length).toBe(8);
    for (const c of cases) {
      const layer = new ScaledAveragePooling2D({
        poolSize: c.config['poolSize'] as [number, number],
        kCoefLip: c.config['kCoefLip'] as number,
      });
      expectTensorsClose(layer.apply(toTensor(c.input)) as tf.Tensor, toTensor(c.output), { atol: 1e-5, rtol: 1e-5 });
    }
  });

  it('input gradients equal central finite differences', () => {
    const vals = randn(1 * 4 * 4 * 2, 210);
    const w = randn(1 * 2 * 2 * 2, 211);
    const layer = scaledAveragePooling2D({ kCoefLip: 1.3 });
    const loss = (x: tf.Tensor) => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, tf.tensor4d(w, [1, 2, 2, 2])));
    const g = tf.grad(loss)(tf.tensor4d(vals, [1, 4, 4, 2]));
    const fd = finiteDifferenceGradient(
      (v) => tf.tidy(() => loss(tf.tensor4d(Array.from(v), [1, 4, 4, 2])).dataSync()[0]!),
      vals,
      1e-2,
    );
    expectTensorsClose(g, Array.from(fd), { atol: 1e-3, rtol: 1e-3 });
  });

  it('is exactly kCoefLip-Lipschitz (Jacobian SVD = k, random and attacked pairs ≤ k)', () => {
    const cases: Array<[[number, number], number]> = [
      [[2, 2], 1],
      [[2, 3], 0.8],
    ];
    for (const [pool, k] of cases) {
      const layer = scaledAveragePooling2D({ poolSize: pool, kCoefLip: k });
      const f = (x: tf.Tensor) => layer.apply(x) as tf.Tensor;
      const { norm } = jacobianNorm(f, tf.tensor4d(randn(4 * 6 * 2, 220), [1, 4, 6, 2]));
      expect(Math.abs(norm - k)).toBeLessThan(1e-5 * k);
      expect(maxPairRatio(f, [4, 6, 2], 100, 221)).toBeLessThanOrEqual(k * (1 + 1e-5));
      expect(attackPairRatio(f, [4, 6, 2], 4, 20, 222)).toBeLessThanOrEqual(k * (1 + 1e-5));
      expect(layer.lipschitzBound()).toBe(k);
    }
    const layer = scaledAveragePooling2D();
    expect(isLipschitzLayer(layer)).toBe(true);
    layer.setKCoefLip(0.25);
    expectTensorsClose(layer.apply(tf.ones([1, 2, 2, 1])) as tf.Tensor, [[[[0.5]]]]);
  });

  it('saves and reloads inside a model, and does not leak', async () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ filters: 2, kernelSize: 1, inputShape: [4, 6, 1] }),
        scaledAveragePooling2D({ poolSize: [2, 3], kCoefLip: 0.5 }),
      ],
    });
    const x = tf.tensor4d(randn(2 * 24, 230), [2, 4, 6, 1]);
    const loaded = await saveLoadRoundTrip(model);
    expect(loaded.layers[1]!.getClassName()).toBe('ScaledAveragePooling2D');
    expect(loaded.layers[1]!.getConfig()).toMatchObject({
      poolSize: [2, 3],
      strides: [2, 3],
      padding: 'valid',
      dataFormat: 'channelsLast',
      kCoefLip: 0.5,
    });
    expectTensorsClose(loaded.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor, { atol: 0, rtol: 0 });
    expect(model.outputs[0]!.shape).toEqual([null, 2, 2, 2]);
    await expectNoLeakedTensors(() => tf.grad((z: tf.Tensor) => tf.sum(model.predict(z) as tf.Tensor))(x));
  });

  it('rejects bad configurations', () => {
    expect(() => scaledAveragePooling2D({ strides: [1, 1] })).toThrow(
      /ScaledAveragePooling2D: expected `strides` to equal `poolSize` \[2, 2\], got \[1, 1\]\. Omit strides or pass strides: poolSize/,
    );
    expect(() => scaledAveragePooling2D({ poolSize: 3, strides: 3 })).not.toThrow();
    expect(() => scaledAveragePooling2D({ padding: 'same' as 'valid' })).toThrow(
      /ScaledAveragePooling2D: expected `padding` 'valid', got 'same'\. Only padding: 'valid' is supported/,
    );
    expect(() => scaledAveragePooling2D({ dataFormat: 'channelsFirst' as 'channelsLast' })).toThrow(
      /ScaledAveragePooling2D: expected `dataFormat` 'channelsLast', got 'channelsFirst'\..*transpose/,
    );
    expect(() => scaledAveragePooling2D({ poolSize: 0 })).toThrow(
      /`poolSize` to be a positive integer or a pair of positive integers, got 0/,
    );
    expect(() => scaledAveragePooling2D({ poolSize: [2, 2.5] })).toThrow(/got \[2,2\.5\]/);
    expect(() => scaledAveragePooling2D({ kCoefLip: 0 })).toThrow(/`kCoefLip`.*got 0/);
    expect(() => scaledAveragePooling2D({ poolSize: 3 }).apply(tf.zeros([1, 2, 4, 1]))).toThrow(
      /ScaledAveragePooling2D: expected the input height 2 to be at least the pool size 3/,
    );
    expect(() => scaledAveragePooling2D().apply(tf.zeros([2, 4, 1]))).toThrow(
      /expected a 4-D input.*got shape \[2, 4, 1\]/,
    );
    expect(() => scaledAveragePooling2D({ strides: [3, 3] })).toThrow(LipnetOptionError);
  });
});
