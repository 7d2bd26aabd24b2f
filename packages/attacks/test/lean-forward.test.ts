/**
 * The attacks' forward of a Sequential model (Conv2D / Dense as plain ops) is the same function of
 * the input as `model.apply`, with the same input gradient, and its backward pass computes no
 * weight gradient.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expectNoLeakedTensors } from '@lipnet/test-utils';
import { leanSequentialForward } from '../src/lean-forward';

function convNet(): tfl.Sequential {
  const init = (seed: number) => tfl.initializers.randomNormal({ stddev: 0.4, seed });
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        inputShape: [9, 8, 2],
        filters: 4,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: init(1),
        biasInitializer: init(2),
      }),
      tfl.layers.conv2d({
        filters: 6,
        kernelSize: [3, 2],
        strides: 2,
        padding: 'valid',
        kernelInitializer: init(3),
        biasInitializer: init(4),
      }),
      tfl.layers.conv2d({
        filters: 4,
        kernelSize: 2,
        padding: 'same',
        useBias: false,
        kernelInitializer: init(5),
      }),
      tfl.layers.averagePooling2d({ poolSize: 2 }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 7, activation: 'tanh', kernelInitializer: init(6) }), // tanh: the layer's own call
      tfl.layers.dense({ units: 5, kernelInitializer: init(7), biasInitializer: init(8) }),
    ],
  });
}

/** Logits and the input gradient of ⟨logits, r⟩ through `f`, with the kernels the backward pass ran. */
async function logitsAndGradient(f: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor, r: tf.Tensor) {
  let out: { z: number[]; g: number[] } | undefined;
  const info = await tf.profile(() => {
    const z = f(x);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(f(v), r)))(x);
    out = { z: Array.from(z.dataSync()), g: Array.from(g.dataSync()) };
    tf.dispose([z, g]);
  });
  return { ...out!, kernels: info.kernels.map((k) => k.name) };
}

const maxRel = (a: number[], b: number[]) =>
  Math.max(...a.map((v, i) => Math.abs(v - b[i]!))) / Math.max(...b.map(Math.abs));

describe('leanSequentialForward', () => {
  it('gives model.apply’s logits and input gradient, without the kernels’ gradients', async () => {
    const model = convNet();
    const lean = leanSequentialForward(model)!;
    const x = tf.randomUniform([3, 9, 8, 2], 0, 1, 'float32', 9);
    const r = tf.randomNormal([3, 5], 0, 1, 'float32', 10);
    const viaApply = await logitsAndGradient((v) => model.apply(v, { training: false }) as tf.Tensor, x, r);
    const viaLean = await logitsAndGradient(lean, x, r);
    expect(maxRel(viaLean.z, viaApply.z)).toBeLessThan(1e-6);
    expect(maxRel(viaLean.g, viaApply.g)).toBeLessThan(1e-5);
    expect(viaApply.kernels).toContain('Conv2DBackpropFilter');
    expect(viaLean.kernels).not.toContain('Conv2DBackpropFilter');
    await expectNoLeakedTensors(() => tf.grad((v: tf.Tensor) => tf.sum(tf.mul(lean(v), r)))(x));
    tf.dispose([x, r]);
  });

  it('reads the weights at each call, and declines a functional model', () => {
    const model = convNet();
    const lean = leanSequentialForward(model)!;
    const x = tf.randomUniform([2, 9, 8, 2], 0, 1, 'float32', 11);
    const before = lean(x);
    const last = model.layers[model.layers.length - 1]!;
    last.setWeights(last.getWeights().map((w) => tf.mul(w, 2)));
    const after = lean(x);
    const expected = model.apply(x, { training: false }) as tf.Tensor;
    expect(maxRel(Array.from(after.dataSync()), Array.from(expected.dataSync()))).toBeLessThan(1e-6);
    expect(maxRel(Array.from(after.dataSync()), Array.from(before.dataSync()))).toBeGreaterThan(0.1);
    const input = tfl.input({ shape: [4] });
    const functional = tfl.model({
      inputs: input,
      outputs: tfl.layers.dense({ units: 2 }).apply(input) as tfl.SymbolicTensor,
    });
    expect(leanSequentialForward(functional)).toBeNull();
    tf.dispose([x, before, after, expected]);
  });
});
