import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expectTensorsClose } from '@lipnet/test-utils';
import { reshapedKernelOrthogonalization } from '@lipnet/constraints';
import { SpectralDense, SpectralConv2D, FrobeniusDense } from '../src';
import { wrap, fitSteps } from './helpers';

/** x·RKO(W, u)·k + b computed from the layer's current raw weights, outside the layer. */
function reference(layer: SpectralDense, x: tf.Tensor): tf.Tensor {
  const [kernel, bias, u] = layer.getWeights();
  const { w } = reshapedKernelOrthogonalization(kernel!, u as tf.Tensor2D, { adjustmentCoef: layer.kCoefLip });
  return tf.add(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), bias!);
}

function countNormalize(layer: tfl.layers.Layer): { calls: number } {
  const c = { calls: 0 };
  const proto = Object.getPrototypeOf(layer) as { normalize: (...a: unknown[]) => unknown };
  const orig = proto.normalize;
  (layer as unknown as { normalize: (...a: unknown[]) => unknown }).normalize = function (
    this: unknown,
    ...a: unknown[]
  ) {
    c.calls++;
    return orig.apply(this, a);
  };
  return c;
}

describe('inference cache of the normalised kernel', () => {
  it('predict reuses W̄ while the raw weights are unchanged, and recomputes after setWeights', () => {
    const a = new SpectralDense({ units: 3 });
    const b = new SpectralDense({ units: 3 });
    const ma = wrap(a, [5]);
    wrap(b, [5]);
    const n = countNormalize(a);
    const x = tf.randomNormal([4, 5], 0, 1, 'float32', 1);
    const y1 = ma.predict(x) as tf.Tensor;
    ma.predict(x);
    ma.predict(x);
    expect(n.calls).toBe(1);
    expectTensorsClose(y1, reference(a, x), { atol: 1e-5 });
    a.setWeights(b.getWeights());
    const y2 = ma.predict(x) as tf.Tensor;
    expect(n.calls).toBe(2);
    expectTensorsClose(y2, b.apply(x) as tf.Tensor, { atol: 1e-6 });
    expectTensorsClose(y2, reference(a, x), { atol: 1e-5 });
    expect(tf.max(tf.abs(tf.sub(y1, y2))).dataSync()[0]).toBeGreaterThan(1e-2);
  });

  it('predict after fit uses the trained weights (never stale); training calls bypass the cache', async () => {
    const layer = new SpectralDense({ units: 4 });
    const model = wrap(layer, [6]);
    const x = tf.randomNormal([3, 6], 0, 1, 'float32', 2);
    const before = model.predict(x) as tf.Tensor;
    const n = countNormalize(layer);
    await fitSteps(model, [6], 5, 0.1);
    expect(n.calls).toBeGreaterThanOrEqual(5); // one per training step (never served from the cache)
    const after = model.predict(x) as tf.Tensor;
    expectTensorsClose(after, reference(layer, x), { atol: 1e-5 });
    expect(tf.max(tf.abs(tf.sub(before, after))).dataSync()[0]).toBeGreaterThan(1e-2);
  });

  it('a gradient taken without training: true still flows into the raw kernel (no cached constant)', () => {
    const layer = new FrobeniusDense({ units: 2, disjointNeurons: false });
    const model = wrap(layer, [3]);
    const x = tf.randomNormal([2, 3]);
    model.predict(x); // fills the cache
    const { grads } = tf.variableGrads(() => tf.sum(model.apply(x) as tf.Tensor) as tf.Scalar);
    const g = Object.values(grads)[0]!;
    expect(tf.max(tf.abs(g)).dataSync()[0]).toBeGreaterThan(1e-4);
  });

  it('condense gives the kernel a new dataId, so the next predict recomputes; condense is a fixed point', () => {
    const layer = new SpectralConv2D({ filters: 2, kernelSize: 3 });
    const model = wrap(layer, [5, 5, 1]);
    const x = tf.randomNormal([1, 5, 5, 1]);
    const n = countNormalize(layer);
    model.predict(x);
    layer.condense();
    const calls = n.calls;
    const y = model.predict(x) as tf.Tensor;
    expect(n.calls).toBe(calls + 1);
    // condense is a fixed point: the condensed raw kernel normalises to itself, outputs unchanged
    const [k] = layer.getWeights();
    const [w] = layer.effectiveWeights();
    expectTensorsClose(w!, k!, { atol: 2e-3 });
    expectTensorsClose(y, model.predict(x) as tf.Tensor, { atol: 1e-6 });
  });
});

describe('dense layers on rank-3 inputs', () => {
  it('apply W̄ to the last axis, as tfjs Dense', () => {
    const layer = new SpectralDense({ units: 3 });
    const model = wrap(layer, [2, 4]);
    const x = tf.randomNormal([5, 2, 4]);
    const y = model.predict(x) as tf.Tensor;
    expect(y.shape).toEqual([5, 2, 3]);
    const [w, b] = layer.effectiveWeights();
    expectTensorsClose(y, tf.add(tf.reshape(tf.matMul(tf.reshape(x, [10, 4]), w!), [5, 2, 3]), b!), { atol: 1e-6 });
  });
});
