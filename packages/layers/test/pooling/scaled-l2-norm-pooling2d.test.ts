import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  expectNoLeakedTensors,
  expectTensorsClose,
  finiteDifferenceGradient,
  saveLoadRoundTrip,
} from '@lipnet/test-utils';
import { ScaledL2NormPooling2D, scaledL2NormPooling2D } from '../../src/pooling';
import { isLipschitzLayer } from '../../src/lipschitz-layer';
import { attackPairRatio, fixtureCases, jacobianNorm, maxPairRatio, randn, toTensor } from '../activations/probe';

/** Plain-JS reference: k · ‖x_window‖₂ per channel, valid padding, NHWC. */
function jsL2Pool(x: number[], [b, h, w, c]: number[], [ph, pw]: number[], k: number): number[] {
  const out: number[] = [];
  for (let n = 0; n < b!; n++)
    for (let i = 0; i < Math.floor(h! / ph!); i++)
      for (let j = 0; j < Math.floor(w! / pw!); j++)
        for (let ch = 0; ch < c!; ch++) {
          let s = 0;
          for (let di = 0; di < ph!; di++)
            for (let dj = 0; dj < pw!; dj++) s += x[((n * h! + i * ph! + di) * w! + j * pw! + dj) * c! + ch]! ** 2;
          out.push(k * Math.sqrt(s));
        }
  return out;
}

describe('ScaledL2NormPooling2D', () => {
  it('is k·‖window‖₂ (closed form and a JS reference)', () => {
    expectTensorsClose(scaledL2NormPooling2D().apply(tf.tensor4d([3, 4, 0, 0], [1, 2, 2, 1])) as tf.Tensor, [[[[5]]]]);
    const cases: Array<[[number, number, number, number], [number, number], number]> = [
      [[2, 4, 6, 3], [2, 2], 1],
      [[1, 5, 7, 2], [2, 3], 0.5],
    ];
    for (const [shape, pool, k] of cases) {
      const vals = randn(
        shape.reduce((a, b) => a * b, 1),
        300,
      );
      const y = scaledL2NormPooling2D({ poolSize: pool, kCoefLip: k }).apply(tf.tensor4d(vals, shape)) as tf.Tensor;
      expectTensorsClose(y, jsL2Pool(vals, shape, pool, k), { atol: 1e-6, rtol: 1e-5 });
    }
  });

  it('matches deel-lip 1.5.0 outputs and its custom-gradient input gradients (incl. an all-zero window)', () => {
    const cases = fixtureCases('ScaledL2NormPooling2D');
    expect(cases.length).toBe(8);
    let zeroWindowGradChecked = false;
    for (const c of cases) {
      const layer = new ScaledL2NormPooling2D({
        poolSize: c.config['poolSize'] as [number, number],
        kCoefLip: c.config['kCoefLip'] as number,
      });
      const x = toTensor(c.input);
      expectTensorsClose(layer.apply(x) as tf.Tensor, toTensor(c.output), { atol: 1e-5, rtol: 1e-5 });
      const dy = toTensor(c.dy!);
      const g = tf.grad((z: tf.Tensor) => tf.sum(tf.mul(layer.apply(z) as tf.Tensor, dy)))(x);
      expectTensorsClose(g, toTensor(c.grad!), { atol: 1e-5, rtol: 1e-4 });
      expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
      if (c.input.shape[1] === 4) {
        // x[0, 0:2, 0:2, 1] = 0 in the fixture: that window's gradient is 0, not NaN.
        const gv = g.arraySync() as number[][][][];
        expect(
          [gv[0]![0]![0]![1], gv[0]![0]![1]![1], gv[0]![1]![0]![1], gv[0]![1]![1]![1]].map((v) => Math.abs(v!)),
        ).toEqual([0, 0, 0, 0]);
        zeroWindowGradChecked = true;
      }
    }
    expect(zeroWindowGradChecked).toBe(true);
  });

  it("uses deel-lip's square-root gradient dy/(2(√s + ε)): ∂y/∂x = k·x / (‖x_w‖ + √(ph·pw)·ε)", () => {
    const eps = 0.1; // exaggerated so that the difference from the true gradient is visible
    const layer = scaledL2NormPooling2D({ poolSize: [1, 2], kCoefLip: 2, epsGradSqrt: eps });
    const x = tf.tensor4d([3, 4], [1, 1, 2, 1]);
    const g = tf.grad((z: tf.Tensor) => tf.sum(layer.apply(z) as tf.Tensor))(x);
    const denom = 5 + Math.sqrt(2) * eps;
    expectTensorsClose(g, [(2 * 3) / denom, (2 * 4) / denom], { atol: 1e-6, rtol: 1e-6 });
    // True gradient would be k·x/‖x‖ = [1.2, 1.6]: the custom one is smaller.
    expect(g.dataSync()[0]).toBeLessThan(1.2);
    // Without ε the gradient at an all-zero window is 0·∞ = NaN, which ε prevents.
    const g0 = tf.grad((z: tf.Tensor) => tf.sum(scaledL2NormPooling2D({ epsGradSqrt: 0 }).apply(z) as tf.Tensor))(
      tf.zeros([1, 2, 2, 1]),
    );
    expect(Number.isNaN(g0.dataSync()[0])).toBe(true);
    const ge = tf.grad((z: tf.Tensor) => tf.sum(scaledL2NormPooling2D().apply(z) as tf.Tensor))(tf.zeros([1, 2, 2, 1]));
    expectTensorsClose(ge, [0, 0, 0, 0], { atol: 0, rtol: 0 });
  });

  it('input gradients equal central finite differences, also at a zero window', () => {
    const vals = randn(1 * 4 * 4 * 2, 310);
    for (const flat of [0, 1, 4, 5]) vals[flat * 2] = 0; // window (0,0) = pixels (0,0),(0,1),(1,0),(1,1), channel 0
    const w = randn(1 * 2 * 2 * 2, 311);
    const layer = scaledL2NormPooling2D({ kCoefLip: 1.3 });
    const loss = (x: tf.Tensor) => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, tf.tensor4d(w, [1, 2, 2, 2])));
    const g = tf.grad(loss)(tf.tensor4d(vals, [1, 4, 4, 2]));
    const fd = finiteDifferenceGradient(
      (v) => tf.tidy(() => loss(tf.tensor4d(Array.from(v), [1, 4, 4, 2])).dataSync()[0]!),
      vals,
      1e-3,
    );
    expectTensorsClose(g, Array.from(fd), { atol: 2e-3, rtol: 2e-3 });
    expect(fd[0]).toBeCloseTo(0, 6); // the norm is even in each coordinate: central differences vanish at 0
  });

  it('is kCoefLip-Lipschitz: ‖J‖ = k at generic points, random and attacked pairs ≤ k', () => {
    for (const k of [1, 0.7]) {
      const layer = scaledL2NormPooling2D({ poolSize: [2, 3], kCoefLip: k });
      const f = (x: tf.Tensor) => layer.apply(x) as tf.Tensor;
      for (let p = 0; p < 3; p++) {
        const { norm } = jacobianNorm(f, tf.tensor4d(randn(4 * 6 * 2, 320 + p), [1, 4, 6, 2]));
        expect(norm).toBeLessThanOrEqual(k * (1 + 1e-5));
        expect(norm).toBeGreaterThan(k * (1 - 1e-4));
      }
      expect(maxPairRatio(f, [4, 6, 2], 100, 330)).toBeLessThanOrEqual(k * (1 + 1e-5));
      const attacked = attackPairRatio(f, [4, 6, 2], 4, 30, 331);
      expect(attacked).toBeLessThanOrEqual(k * (1 + 1e-5));
      // The bound is attained along rays: ‖f(2x) − f(x)‖ = k‖x‖.
      const x = tf.tensor4d(randn(48, 332), [1, 4, 6, 2]);
      const ray = tf.norm(tf.sub(f(tf.mul(x, 2)), f(x))).dataSync()[0]! / tf.norm(x).dataSync()[0]!;
      expect(ray).toBeCloseTo(k, 5);
      expect(layer.lipschitzBound()).toBe(k);
    }
    expect(isLipschitzLayer(scaledL2NormPooling2D())).toBe(true);
  });

  it('saves and reloads inside a model, and does not leak', async () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ filters: 2, kernelSize: 1, inputShape: [4, 4, 1] }),
        scaledL2NormPooling2D({ poolSize: 2, kCoefLip: 0.5, epsGradSqrt: 1e-4 }),
      ],
    });
    const x = tf.tensor4d(randn(2 * 16, 340), [2, 4, 4, 1]);
    const loaded = await saveLoadRoundTrip(model);
    expect(loaded.layers[1]!.getClassName()).toBe('ScaledL2NormPooling2D');
    expect(loaded.layers[1]!.getConfig()).toMatchObject({ poolSize: [2, 2], kCoefLip: 0.5, epsGradSqrt: 1e-4 });
    expectTensorsClose(loaded.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor, { atol: 0, rtol: 0 });
    await expectNoLeakedTensors(() => tf.grad((z: tf.Tensor) => tf.sum(model.predict(z) as tf.Tensor))(x));
  });

  it('rejects bad configurations', () => {
    expect(() => scaledL2NormPooling2D({ strides: 1 })).toThrow(
      /ScaledL2NormPooling2D: expected `strides` to equal `poolSize` \[2, 2\], got \[1, 1\]/,
    );
    expect(() => scaledL2NormPooling2D({ padding: 'same' as 'valid' })).toThrow(
      /ScaledL2NormPooling2D: expected `padding` 'valid', got 'same'/,
    );
    expect(() => scaledL2NormPooling2D({ epsGradSqrt: -1e-6 })).toThrow(
      /ScaledL2NormPooling2D: expected `epsGradSqrt` to be a finite number ≥ 0, got -0\.000001\. Pass e\.g\. epsGradSqrt: 1e-6/,
    );
    expect(() => scaledL2NormPooling2D({ dataFormat: 'channels_first' as 'channelsLast' })).toThrow(
      /got 'channels_first'/,
    );
  });
});
