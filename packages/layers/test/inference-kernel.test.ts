import * as tf from '@tensorflow/tfjs-core';
import { expectNoLeakedTensors, expectTensorsClose } from '@lipnet/test-utils';
import { FrobeniusDense, SpectralConv2D, SpectralDense } from '../src';
import { fitSteps, wrap } from './helpers';

// setInferenceKernel: deel-lip's `wbar` restored from a file is what inference uses until the weights change.
describe('setInferenceKernel (a restored deel-lip wbar)', () => {
  it('predict uses the given W̄ exactly, then the recomputed one after a training step', async () => {
    const layer = new SpectralDense({ units: 3 });
    const model = wrap(layer, [4]);
    const x = tf.randomNormal([5, 4], 0, 1, 'float32', 3);
    const wbar = tf.randomNormal([4, 3], 0, 1, 'float32', 4);
    layer.setInferenceKernel(wbar);
    const bias = layer.getWeights()[1]!;
    expectTensorsClose(model.predict(x) as tf.Tensor, tf.add(tf.matMul(x, wbar), bias), { atol: 1e-6 });
    expectTensorsClose(layer.effectiveWeights()[0]!, wbar, { atol: 0 });
    await fitSteps(model, [4], 1, 0.01);
    const [w] = layer.effectiveWeights();
    // After one step W̄ is recomputed from the raw kernel: orthonormal (all singular values 1), unlike wbar.
    const gram = tf.matMul(w!, w!, true, false);
    expectTensorsClose(gram, tf.eye(3), { atol: 2e-3 });
  });

  it('setWeights, a gradient tape and kCoefLip changes all bypass it', () => {
    const layer = new FrobeniusDense({ units: 2 });
    const model = wrap(layer, [3]);
    const x = tf.randomNormal([2, 3], 0, 1, 'float32', 5);
    const fresh = model.predict(x) as tf.Tensor;
    layer.setInferenceKernel(tf.zeros([3, 2]));
    expectTensorsClose(model.predict(x) as tf.Tensor, tf.zeros([2, 2]), { atol: 0 });
    // Under a tape the kernel is recomputed so that gradients reach it.
    const { value } = tf.variableGrads(() => tf.sum(model.apply(x) as tf.Tensor) as tf.Scalar);
    expectTensorsClose(value, tf.sum(fresh), { atol: 1e-5 });
    layer.setKCoefLip(1.5);
    expectTensorsClose(model.predict(x) as tf.Tensor, tf.mul(fresh, 1.5), { atol: 1e-5 });
    layer.setKCoefLip(1);
    layer.setInferenceKernel(tf.zeros([3, 2]));
    layer.setWeights(layer.getWeights().map((w) => tf.add(w, 0))); // same values, new tensors
    expectTensorsClose(model.predict(x) as tf.Tensor, fresh, { atol: 1e-6 });
  });

  it('refuses a wrong shape or an unbuilt layer, naming both', () => {
    const conv = new SpectralConv2D({ filters: 2, kernelSize: 3 });
    expect(() => conv.setInferenceKernel(tf.zeros([3, 3, 1, 2]))).toThrow(/needs a built layer/);
    wrap(conv, [5, 5, 1]);
    expect(() => conv.setInferenceKernel(tf.zeros([3, 3, 2, 1]))).toThrow(
      /expected `w` to have shape \[3, 3, 1, 2\] \(the kernel's shape of .*got a float32 tensor of shape \[3, 3, 2, 1\]/,
    );
  });

  it('leaks nothing when called repeatedly (the previous W̄ is freed)', async () => {
    const layer = new SpectralDense({ units: 2 });
    const model = wrap(layer, [2]);
    const x = tf.ones([1, 2]);
    await expectNoLeakedTensors(() => {
      tf.tidy(() => layer.setInferenceKernel(tf.eye(2)));
      tf.dispose(model.predict(x) as tf.Tensor);
    });
  });
});
