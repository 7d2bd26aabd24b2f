import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { explicitOperatorNorm } from '@lipnet/test-utils';
import { empiricalLipschitz, lipschitzUpperBound } from '../src';

const dense = (units: number) =>
  tfl.layers.dense({ units, kernelInitializer: tfl.initializers.glorotNormal({ seed: 11 }) });

/** Linear (affine) tfjs layers: the bound equals the exact norm of x ↦ f(x) − f(0) (explicit matrix, Jacobi SVD). */
describe('plain tfjs linear layers: bound = exact operator norm', () => {
  it.each([
    ['Flatten', () => tfl.layers.flatten(), [3, 2, 2], 1],
    ['Reshape', () => tfl.layers.reshape({ targetShape: [6, 2] }), [3, 4], 1],
    ['Permute', () => tfl.layers.permute({ dims: [2, 1] }), [3, 4], 1],
    ['Dropout (inference)', () => tfl.layers.dropout({ rate: 0.5 }), [5], 1],
    ['ZeroPadding2D', () => tfl.layers.zeroPadding2d({ padding: 1 }), [3, 3, 1], 1],
    ['Cropping2D', () => tfl.layers.cropping2D({ cropping: 1 }), [4, 4, 1], 1],
    ['UpSampling2D 2×3', () => tfl.layers.upSampling2d({ size: [2, 3] }), [2, 2, 1], Math.sqrt(6)],
    ['RepeatVector 4', () => tfl.layers.repeatVector({ n: 4 }), [3], 2],
    ['AveragePooling2D 2', () => tfl.layers.averagePooling2d({ poolSize: 2 }), [4, 4, 2], 0.5],
    ['GlobalAveragePooling2D', () => tfl.layers.globalAveragePooling2d({}), [3, 3, 2], 1 / 3],
    ['AveragePooling1D 3', () => tfl.layers.averagePooling1d({ poolSize: 3 }), [6, 2], 1 / Math.sqrt(3)],
  ] as const)('%s', (_name, make, shape, expected) => {
    const model = tfl.sequential({ layers: [tfl.layers.inputLayer({ inputShape: [...shape] }), make()] });
    const b = lipschitzUpperBound(model);
    const exact = explicitOperatorNorm(
      (x) => tf.sub(model.apply(x) as tf.Tensor, model.apply(tf.zerosLike(x)) as tf.Tensor),
      [1, ...shape],
    );
    expect(exact).toBeCloseTo(expected, 5);
    expect(b.upperBound).toBeGreaterThanOrEqual(exact * (1 - 1e-6));
    expect(b.upperBound).toBeLessThan(exact * (1 + 1e-5));
    model.dispose();
  });

  it('BatchNormalization (inference) is bounded from its statistics: max |γ/√(var + ε)|', () => {
    const bn = tfl.layers.batchNormalization({ epsilon: 1e-3 });
    const model = tfl.sequential({ layers: [tfl.layers.inputLayer({ inputShape: [2, 3] }), bn] });
    const gamma = [0.5, -2, 1];
    const variance = [0.25, 4, 0.01];
    bn.setWeights([tf.tensor1d(gamma), tf.tensor1d([1, 2, 3]), tf.tensor1d([0.1, -1, 2]), tf.tensor1d(variance)]);
    const expected = Math.max(...gamma.map((g, i) => Math.abs(g) / Math.sqrt(variance[i]! + 1e-3)));
    const b = lipschitzUpperBound(model);
    const exact = explicitOperatorNorm(
      (x) => tf.sub(model.apply(x) as tf.Tensor, model.apply(tf.zerosLike(x)) as tf.Tensor),
      [1, 2, 3],
    );
    expect(exact).toBeCloseTo(expected, 4);
    expect(b.upperBound).toBeGreaterThanOrEqual(exact * (1 - 1e-6));
    expect(b.upperBound).toBeLessThan(expected * (1 + 1e-5));
    expect(b.layers[0]!.method).toMatch(/inference mode only/);
    model.dispose();
  });
});

/** Nonlinear tfjs layers: measured lower bounds (Jacobian and attack) never exceed the bound. */
describe('plain tfjs nonlinear layers: empirical lower bounds ≤ bound', () => {
  it.each([
    ['Activation elu', () => tfl.layers.activation({ activation: 'elu' }), 1],
    ['Activation sigmoid', () => tfl.layers.activation({ activation: 'sigmoid' }), 0.25],
    ['Activation swish', () => tfl.layers.activation({ activation: 'swish' }), 1.1],
    ['Activation gelu', () => tfl.layers.activation({ activation: 'gelu' }), 1.13],
    ['Activation mish', () => tfl.layers.activation({ activation: 'mish' }), 1.09],
    ['Activation selu', () => tfl.layers.activation({ activation: 'selu' }), 1.0507009873554805 * 1.6732632423543772],
    ['LeakyReLU 0.3', () => tfl.layers.leakyReLU({ alpha: 0.3 }), 1],
    ['ELU', () => tfl.layers.elu(), 1],
    ['PReLU α = −1.5', () => tfl.layers.prelu({ alphaInitializer: tfl.initializers.constant({ value: -1.5 }) }), 1.5],
    ['ReLU', () => tfl.layers.reLU(), 1],
    ['Softmax', () => tfl.layers.softmax(), 1],
    ['GlobalMaxPooling1D', () => tfl.layers.globalMaxPooling1d({}), 1],
  ] as const)('%s', (name, make, expected) => {
    const layer = make();
    const shape = name === 'GlobalMaxPooling1D' ? [4, 3] : [6];
    const x = tfl.input({ shape });
    const model = tfl.model({ inputs: x, outputs: layer.apply(dense(3).apply(x)) as tfl.SymbolicTensor });
    const b = lipschitzUpperBound(model);
    const row = b.layers[b.layers.length - 1]!;
    expect(row.bound).toBeCloseTo(expected, 10);
    const xs = tf.randomNormal([4, ...shape], 0, 2, 'float32', 5);
    const e = empiricalLipschitz(model, xs, { attackSteps: 20 });
    expect(e.lowerBound).toBeLessThanOrEqual(b.upperBound * (1 + 1e-5));
    xs.dispose();
    model.dispose();
  });

  it("the activations' constants are the maxima of |f′| (checked on a fine grid, with the slope as a lower bound)", () => {
    const grid = tf.linspace(-8, 8, 160001);
    const bounds: Record<string, number> = { swish: 1.1, gelu: 1.13, mish: 1.09, elu: 1, softplus: 1, softsign: 1 };
    for (const [act, bound] of Object.entries(bounds)) {
      const layer = tfl.layers.activation({ activation: act as 'swish' });
      const slope = tf.tidy(() => {
        const g = tf.grad((t: tf.Tensor) => tf.sum(layer.apply(t) as tf.Tensor))(grid);
        return tf.max(tf.abs(g)).dataSync()[0]!;
      });
      expect(slope).toBeLessThanOrEqual(bound);
      expect(slope).toBeGreaterThan(bound - 0.01); // the constant is not a loose round-up
    }
    grid.dispose();
  });
});
