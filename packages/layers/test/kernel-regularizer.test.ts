import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { LorthRegularizer, OrthDenseRegularizer } from '@lipnet/constraints';
import { expectNoLeakedTensors, saveLoadRoundTrip } from '@lipnet/test-utils';
import { FrobeniusDense, SpectralConv2D, SpectralDense } from '../src';
import { wrap } from './helpers';

// kernelRegularizer / biasRegularizer on the reparametrised layers, as deel-lip's kernel_regularizer: a penalty
// on the raw kernel W (Keras applies it to self.kernel, not to W̄), added to the training loss.
describe('kernelRegularizer and biasRegularizer', () => {
  it("adds λ·Σ W² (raw kernel) and the bias penalty to trainOnBatch's loss", async () => {
    const layer = new SpectralDense({
      units: 3,
      kernelRegularizer: tfl.regularizers.l2({ l2: 0.1 }),
      biasRegularizer: 'l1',
    });
    const model = wrap(layer, [4]);
    layer.setWeights([layer.getWeights()[0]!, tf.tensor1d([0.5, -1, 2]), ...layer.getWeights().slice(2)]);
    const x = tf.randomNormal([6, 4], 0, 1, 'float32', 3);
    const y = tf.randomNormal([6, 3], 0, 1, 'float32', 4);
    const [kernel, bias] = layer.getWeights();
    const mse = tf.mean(tf.square(tf.sub(model.predict(x) as tf.Tensor, y))).dataSync()[0]!;
    const penalty = 0.1 * tf.sum(tf.square(kernel!)).dataSync()[0]! + 0.01 * tf.sum(tf.abs(bias!)).dataSync()[0]!;
    model.compile({ optimizer: tf.train.sgd(0), loss: 'meanSquaredError' });
    const loss = (await model.trainOnBatch(x, y)) as number;
    expect(Math.abs(loss - (mse + penalty))).toBeLessThan(1e-5 * (mse + penalty));
    expect(penalty).toBeGreaterThan(0.05);
  });

  it("deel-lip's orthogonality regularizers plug in, and the option survives a save and reload", async () => {
    const orth = new OrthDenseRegularizer({ lambdaOrth: 0.5 });
    const dense = new FrobeniusDense({ units: 2, kernelRegularizer: orth });
    const lorth = new LorthRegularizer({ kernelShape: [3, 3, 2, 4], lambdaLorth: 0.1 });
    const conv = new SpectralConv2D({ filters: 4, kernelSize: 3, kernelRegularizer: lorth });
    const model = tfl.sequential({
      layers: [tfl.layers.inputLayer({ inputShape: [5, 5, 2] }), conv, tfl.layers.flatten(), dense],
    });
    const again = await saveLoadRoundTrip(model);
    expect(again.layers[1]!.getConfig()['kernelRegularizer']).toEqual({
      className: 'LorthRegularizer',
      config: conv.getConfig()['kernelRegularizer']!['config' as never],
    });
    expect(again.layers[3]!.getConfig()['kernelRegularizer']).toEqual({
      className: 'OrthDenseRegularizer',
      config: { lambdaOrth: 0.5 },
    });
    // The training loss is the data loss plus both penalties on the raw kernels.
    const x = tf.randomNormal([2, 5, 5, 2], 0, 1, 'float32', 5);
    const y = tf.zeros([2, 2]);
    const mse = tf.mean(tf.square(model.predict(x) as tf.Tensor)).dataSync()[0]!;
    const penalty = tf.tidy(
      () => tf.add(lorth.apply(conv.getWeights()[0]!), orth.apply(dense.getWeights()[0]!)).dataSync()[0]!,
    );
    model.compile({ optimizer: tf.train.sgd(0), loss: 'meanSquaredError' });
    const loss = (await model.trainOnBatch(x, y)) as number;
    expect(Math.abs(loss - (mse + penalty))).toBeLessThan(1e-5 * (mse + penalty));
    await expectNoLeakedTensors(async () => {
      await model.trainOnBatch(x, y);
    });
  });

  it('refuses an unknown regularizer, naming the option', () => {
    expect(() => new SpectralDense({ units: 2, kernelRegularizer: 'l3' as 'l2' })).toThrow(
      /SpectralDense: unknown `kernelRegularizer` 'l3'\. Pass 'l1', 'l2', 'l1l2'/,
    );
    expect(() => new SpectralDense({ units: 2, biasRegularizer: { className: 'Nope', config: {} } })).toThrow(
      /unknown `biasRegularizer` 'Nope'/,
    );
  });
});
