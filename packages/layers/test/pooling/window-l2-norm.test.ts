import * as tf from '@tensorflow/tfjs-core';
import { expectNoLeakedTensors } from '@lipnet/test-utils';
import { sqrtEpsGrad } from '../../src/pooling';
import { windowL2Norm } from '../../src/pooling/window-l2-norm';

/** The plain composition whose autodiff windowL2Norm writes out: c · sqrtEps(avgpool(x²)). */
function composed(x: tf.Tensor4D, pool: [number, number], c: number, eps: number): tf.Tensor {
  return tf.mul(sqrtEpsGrad(tf.avgPool(tf.square(x), pool, pool, 'valid'), eps), tf.scalar(c));
}

function sample(shape: [number, number, number, number], seed: number): tf.Tensor4D {
  return tf.tidy(() => {
    const x = tf.randomNormal(shape, 0, 1, 'float32', seed) as tf.Tensor4D;
    // an all-zero window (gradient 0 through the ε rule) and an exact tie of magnitudes
    const mask = tf.buffer(shape, 'float32');
    mask.values.fill(1);
    for (const [i, j] of [
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ])
      mask.set(0, 0, i!, j!, 0);
    return tf.mul(x, mask.toTensor()) as tf.Tensor4D;
  });
}

describe('windowL2Norm', () => {
  it.each([
    [[2, 2] as [number, number], [3, 8, 6, 4] as [number, number, number, number], 2, 1e-6],
    [[2, 3] as [number, number], [2, 6, 9, 3] as [number, number, number, number], 1.7, 0.01],
  ])(
    'pool %j on %j: value and gradient equal the autodiff of c·sqrtEps(avgpool(x²)) bit for bit',
    (pool, shape, c, eps) => {
      const x = sample(shape, 7);
      const dy = tf.randomNormal([shape[0], shape[1] / pool[0], shape[2] / pool[1], shape[3]], 0, 1, 'float32', 3);
      const f = (g: (v: tf.Tensor4D) => tf.Tensor) => (v: tf.Tensor) =>
        tf.sum(tf.mul(g(v as tf.Tensor4D), dy)) as tf.Scalar;
      const got = windowL2Norm(x, pool, c, eps);
      const want = composed(x, pool, c, eps);
      expect(Array.from(got.dataSync())).toEqual(Array.from(want.dataSync()));
      const gGot = tf.grad(f((v) => windowL2Norm(v, pool, c, eps)))(x);
      const gWant = tf.grad(f((v) => composed(v, pool, c, eps)))(x);
      expect(Array.from(gGot.dataSync())).toEqual(Array.from(gWant.dataSync()));
      // the zero window's gradient is 0, not NaN
      expect(Array.from(tf.slice(gGot, [0, 0, 0, 0], [1, 2, 2, 1]).dataSync()).every((v) => v === 0)).toBe(true);
      tf.dispose([x, dy, got, want, gGot, gWant]);
    },
  );

  it('leaks nothing under a gradient tape', async () => {
    const x = sample([2, 4, 4, 3], 1);
    await expectNoLeakedTensors(() => {
      tf.dispose(tf.grad((v: tf.Tensor) => tf.sum(windowL2Norm(v as tf.Tensor4D, [2, 2], 2, 1e-6)) as tf.Scalar)(x));
    });
    x.dispose();
  });
});
