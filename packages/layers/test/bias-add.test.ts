import * as tf from '@tensorflow/tfjs-core';
import { expectNoLeakedTensors } from '@lipnet/test-utils';
import { addBias } from '../src/bias-add';

describe('addBias', () => {
  it.each([[[5, 3]], [[2, 4, 3, 6]]])('equals tf.add in value and in both gradients, shape %j', (shape) => {
    const x = tf.randomNormal(shape, 0, 1, 'float32', 1);
    const b = tf.randomNormal([shape[shape.length - 1]!], 0, 1, 'float32', 2);
    const dy = tf.randomNormal(shape, 0, 1, 'float32', 3);
    const loss = (f: (a: tf.Tensor, c: tf.Tensor) => tf.Tensor) => (a: tf.Tensor, c: tf.Tensor) =>
      tf.sum(tf.mul(f(a, c), dy)) as tf.Scalar;
    expect(Array.from(addBias(x, b).dataSync())).toEqual(Array.from(tf.add(x, b).dataSync()));
    const [gx, gb] = tf.grads(loss(addBias))([x, b]);
    const [wx, wb] = tf.grads(loss((a, c) => tf.add(a, c)))([x, b]);
    expect(Array.from(gx!.dataSync())).toEqual(Array.from(wx!.dataSync()));
    expect(Array.from(gb!.dataSync())).toEqual(Array.from(wb!.dataSync()));
    expect(gb!.shape).toEqual(b.shape);
  });

  it('leaks nothing under a gradient tape', async () => {
    const x = tf.ones([4, 3]);
    const b = tf.ones([3]);
    await expectNoLeakedTensors(() =>
      tf.dispose(tf.grads((a: tf.Tensor, c: tf.Tensor) => tf.sum(addBias(a, c)) as tf.Scalar)([x, b])),
    );
    tf.dispose([x, b]);
  });
});
