import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expectNoLeakedTensors } from '@lipnet/test-utils';
import { LipnetError, LipnetUnsupportedError } from '@lipnet/core';
import { certificatesFromBound, empiricalLipschitz, lipschitzUpperBound, registerLipschitzBoundHandler } from '../src';
import { explicitOperator, linearMinimalDistance, sigmaMax } from './helpers';

function linearConvNet(): tfl.Sequential {
  // all layers linear: the exact Lipschitz constant is σ_max of the whole map
  const m = tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        inputShape: [8, 8, 2],
        filters: 3,
        kernelSize: 3,
        padding: 'same',
        kernelInitializer: tfl.initializers.glorotNormal({ seed: 1 }),
        biasInitializer: 'ones',
      }),
      tfl.layers.averagePooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({
        filters: 4,
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        kernelInitializer: tfl.initializers.glorotNormal({ seed: 2 }),
      }),
      tfl.layers.flatten(),
      tfl.layers.dense({
        units: 5,
        kernelInitializer: tfl.initializers.glorotNormal({ seed: 3 }),
        biasInitializer: tfl.initializers.randomNormal({ seed: 4 }),
      }),
    ],
  });
  return m;
}

describe('lipschitzUpperBound on plain tfjs models', () => {
  it('linear conv net: every layer bound ≥ its exact operator norm, the product ≥ the exact network constant ≥ empirical lower bounds', () => {
    const model = linearConvNet();
    const b = lipschitzUpperBound(model);
    expect(b.layers.map((l) => l.className)).toEqual(['Conv2D', 'AveragePooling2D', 'Conv2D', 'Flatten', 'Dense']);
    // per layer: exact operator norm from the explicit matrix (bias removed: f(x) − f(0))
    b.layers.forEach((row, i) => {
      const layer = model.layers[i]!;
      const op = (x: tf.Tensor) => tf.sub(layer.apply(x) as tf.Tensor, layer.apply(tf.zerosLike(x)) as tf.Tensor);
      const exact = sigmaMax(explicitOperator(op, row.inputShape));
      expect(row.bound).toBeGreaterThanOrEqual(exact * (1 - 1e-6));
      expect(Math.abs(row.estimate - exact) / exact).toBeLessThan(1e-3);
    });
    // non-overlapping average pooling is exact: 1/√(2·2)
    expect(b.layers[1]!.bound).toBeCloseTo(0.5, 5);
    const whole = sigmaMax(
      explicitOperator(
        (x) => tf.sub(model.apply(x) as tf.Tensor, model.apply(tf.zerosLike(x)) as tf.Tensor),
        [1, 8, 8, 2],
      ),
    );
    expect(b.upperBound).toBeGreaterThanOrEqual(whole);
    const x = tf.randomNormal([4, 8, 8, 2], 0, 1, 'float32', 5);
    const e = empiricalLipschitz(model, x, { method: 'both', attackSteps: 30 });
    // a linear model has the same Jacobian everywhere: its norm is the exact constant
    expect(Math.abs(e.jacobian! - whole) / whole).toBeLessThan(1e-4);
    expect(e.attack!).toBeLessThanOrEqual(whole * (1 + 1e-4));
    expect(e.attack!).toBeGreaterThan(0.9 * whole);
    expect(e.lowerBound).toBeLessThanOrEqual(b.upperBound);

    console.log(
      `linear conv net: exact ${whole.toFixed(5)}, certified bound ${b.upperBound.toFixed(5)} (×${(b.upperBound / whole).toFixed(3)}), jacobian ${e.jacobian!.toFixed(5)}, attack ${e.attack!.toFixed(5)}\n${b.toString()}`,
    );
    x.dispose();
    model.dispose();
  });

  it('single Dense layer: certificates from its pairwise bounds equal the exact minimal adversarial distance', () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.dense({
          inputShape: [6],
          units: 4,
          kernelInitializer: tfl.initializers.glorotNormal({ seed: 9 }),
          biasInitializer: tfl.initializers.randomNormal({ seed: 10 }),
        }),
      ],
    });
    const b = lipschitzUpperBound(model);
    expect(b.heads).toBeDefined();
    const [k, bias] = model.getWeights().map((w) => w.arraySync()) as [number[][], number[]];
    const W = k[0]!.map((_, j) => k.map((row) => row[j]!)); // rows w_c
    const x = tf.randomNormal([30, 6], 0, 2, 'float32', 11);
    const cert = certificatesFromBound(model.predict(x) as tf.Tensor, b);
    const c = cert.dataSync();
    (x.arraySync() as number[][]).forEach((xi, i) =>
      expect(c[i]).toBeCloseTo(linearMinimalDistance(W, bias, xi).distance, 4),
    );
    // per-head bounds are the row norms
    W.forEach((w, i) => expect(b.heads!.perHead[i]).toBeCloseTo(Math.hypot(...w), 6));
    tf.dispose([x, cert]);
    model.dispose();
  });

  it('nonlinear net (relu, max pooling, tanh): empirical lower bounds ≤ certified bound', () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.conv2d({
          inputShape: [8, 8, 1],
          filters: 4,
          kernelSize: 3,
          padding: 'same',
          activation: 'relu',
          kernelInitializer: tfl.initializers.glorotNormal({ seed: 1 }),
        }),
        tfl.layers.maxPooling2d({ poolSize: 2 }),
        tfl.layers.flatten(),
        tfl.layers.dense({
          units: 8,
          activation: 'tanh',
          kernelInitializer: tfl.initializers.glorotNormal({ seed: 2 }),
        }),
        tfl.layers.dense({ units: 3, kernelInitializer: tfl.initializers.glorotNormal({ seed: 3 }) }),
      ],
    });
    const b = lipschitzUpperBound(model);
    const x = tf.randomNormal([8, 8, 8, 1], 0, 1, 'float32', 2);
    const e = empiricalLipschitz(model, x, { attackSteps: 20 });
    expect(e.jacobian!).toBeGreaterThan(0);
    expect(e.lowerBound).toBeLessThanOrEqual(b.upperBound);
    e.perHead!.forEach((g, i) => expect(g).toBeLessThanOrEqual(b.heads!.perHead[i]!));
    x.dispose();
    model.dispose();
  });

  it('an unknown layer throws LipnetUnsupportedError naming the layer, its className and the supported ones', () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.dense({ inputShape: [8], units: 8 }),
        tfl.layers.reshape({ targetShape: [2, 2, 2, 1] }),
        tfl.layers.conv3d({ filters: 1, kernelSize: 1, name: 'c3' }),
      ],
    });
    expect(() => lipschitzUpperBound(model)).toThrow(LipnetUnsupportedError);
    expect(() => lipschitzUpperBound(model)).toThrow(
      /layer 'c3' \(Conv3D\) has no known Lipschitz bound\. Supported classNames: .*Conv2D.*registerLipschitzBoundHandler\('Conv3D'/,
    );
    model.dispose();
  });

  it('LayerNormalization is refused with the reason and the 1-Lipschitz alternative', () => {
    const model = tfl.sequential({
      layers: [tfl.layers.dense({ inputShape: [4], units: 4 }), tfl.layers.layerNormalization({ name: 'ln' })],
    });
    expect(() => lipschitzUpperBound(model)).toThrow(
      /layer 'ln' \(LayerNormalization\) is not Lipschitz: .*Use LayerCentering/,
    );
    model.dispose();
  });

  it('an activation with no known constant inside Dense throws, naming the activation', () => {
    const model = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [4], units: 4, name: 'd' })] });
    const layer = model.layers[0]!;
    const cfg = layer.getConfig.bind(layer);
    layer.getConfig = () => ({ ...cfg(), activation: 'exotic' });
    expect(() => lipschitzUpperBound(model)).toThrow(/layer 'd' \(Dense\) uses activation 'exotic'/);
    model.dispose();
  });

  it('a handler that under-states a layer is caught by the spot check on the running layer', () => {
    class Doubler extends tfl.layers.Layer {
      static className = 'CertTestDoubler';
      override call(x: tf.Tensor | tf.Tensor[]): tf.Tensor {
        return tf.mul(Array.isArray(x) ? x[0]! : x, 2);
      }
    }
    tf.serialization.registerClass(Doubler);
    registerLipschitzBoundHandler('CertTestDoubler', () => ({ bound: 1, method: 'wrong on purpose' }));
    const model = tfl.sequential({
      layers: [tfl.layers.dense({ inputShape: [4], units: 4 }), new Doubler({ name: 'twice' })],
    });
    expect(() => lipschitzUpperBound(model)).toThrow(LipnetError);
    expect(() => lipschitzUpperBound(model)).toThrow(
      /layer 'twice' \(CertTestDoubler\) moved a random pair apart by a factor 2\.0.*above its computed bound 1\.0/,
    );
    registerLipschitzBoundHandler('CertTestDoubler', () => ({ bound: 2, method: 'x ↦ 2x' }));
    expect(lipschitzUpperBound(model).layers[1]!.bound).toBe(2);
    model.dispose();
  });

  it('free input sizes need inputShape', () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.conv2d({
          inputShape: [null, null, 1],
          filters: 2,
          kernelSize: 3,
          padding: 'same',
        }),
      ],
    });
    expect(() => lipschitzUpperBound(model)).toThrow(/has free dimensions\. Pass `inputShape`/);
    expect(lipschitzUpperBound(model, { inputShape: [6, 6, 1] }).layers[0]!.inputShape).toEqual([1, 6, 6, 1]);
    model.dispose();
  });

  it('leaks no tensor', async () => {
    const model = linearConvNet();
    await expectNoLeakedTensors(() => {
      lipschitzUpperBound(model);
    }, 1);
    const x = tf.randomNormal([2, 8, 8, 2]);
    await expectNoLeakedTensors(() => {
      empiricalLipschitz(model, x, { attackSteps: 3 });
    }, 1);
    x.dispose();
    model.dispose();
  });
});
