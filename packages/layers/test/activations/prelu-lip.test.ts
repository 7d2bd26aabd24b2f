import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  expectNoLeakedTensors,
  expectTensorsClose,
  finiteDifferenceGradient,
  saveLoadRoundTrip,
} from '@lipnet/test-utils';
import { PReLUlip, preluLip } from '../../src/activations';
import { isCondensable, isLipschitzLayer } from '../../src/lipschitz-layer';
import { fixtureCases, jacobianNorm, maxPairRatio, randn, toTensor } from './probe';

function built(k: number, alpha: number[]): PReLUlip {
  const layer = preluLip({ kCoefLip: k });
  layer.build([null, alpha.length]);
  layer.setWeights([tf.tensor1d(alpha)]);
  return layer;
}

describe('PReLUlip', () => {
  it('is x for x > 0 and clip(α, −k, k)·x otherwise (closed form)', () => {
    const layer = built(0.5, [0.2, -0.3, 2, -7]);
    const y = layer.apply(
      tf.tensor2d([
        [-1, -1, -1, -1],
        [2, 2, 2, 2],
      ]),
    ) as tf.Tensor;
    expectTensorsClose(y, [
      [-0.2, 0.3, -0.5, 0.5],
      [2, 2, 2, 2],
    ]);
    expectTensorsClose(layer.clippedAlpha(), [0.2, -0.3, 0.5, -0.5]);
    // α starts at 0 (Keras PReLU default): relu.
    expectTensorsClose(preluLip().apply(tf.tensor2d([[-3, 4]])) as tf.Tensor, [[0, 4]]);
  });

  it('matches deel-lip 1.5.0 PReLUlip when α is inside its constraint set', () => {
    const [c] = fixtureCases('PReLUlip');
    const layer = built(0.5, c!.alpha!.values);
    expectTensorsClose(layer.apply(toTensor(c!.input)) as tf.Tensor, toTensor(c!.output), { atol: 1e-6, rtol: 0 });
    // deel-lip's MinMaxNorm rescales ‖α‖ (axis 0) to ≤ k: it implies our element-wise bound.
    const [proj] = fixtureCases('PReLUlipConstraint');
    expect(Math.max(...proj!.output.values.map(Math.abs))).toBeLessThanOrEqual(0.5);
  });

  it('gradients w.r.t. x and α equal finite differences, and vanish for clipped α', () => {
    const layer = built(0.5, [0.2, -0.3, 2]);
    const xv = [-1.2, -0.4, -2.0, 0.7, -0.9, 1.1];
    const w = randn(6, 80);
    const loss = (x: tf.Tensor) => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, tf.tensor2d(w, [2, 3])));
    const g = tf.grad(loss)(tf.tensor2d(xv, [2, 3]));
    const fd = finiteDifferenceGradient(
      (v) => tf.tidy(() => loss(tf.tensor2d(Array.from(v), [2, 3])).dataSync()[0]!),
      xv,
      1e-3,
    );
    expectTensorsClose(g, Array.from(fd), { atol: 1e-3, rtol: 1e-3 });
    const x = tf.tensor2d(xv, [2, 3]);
    const { grads } = tf.variableGrads(() => loss(x) as tf.Scalar, [layer.trainableWeights[0]!.read() as tf.Variable]);
    const ga = Object.values(grads)[0]!.dataSync();
    // d/dα_j Σ w·y = Σ_rows w·x over negative x, zero where α is clipped (α₂ = 2 > k).
    expect(ga[0]).toBeCloseTo(w[0]! * -1.2, 5);
    expect(ga[1]).toBeCloseTo(w[1]! * -0.4 + w[4]! * -0.9, 5);
    expect(ga[2]).toBe(0);
  });

  it('keeps |α| ≤ k during fit at a large learning rate, so the Lipschitz bound max(1, k) holds', async () => {
    const k = 0.3;
    const model = tfl.sequential({ layers: [preluLip({ kCoefLip: k, inputShape: [4] })] });
    model.compile({ optimizer: tf.train.adam(1), loss: 'meanSquaredError' });
    const x = tf.tensor2d(
      randn(32 * 4, 90).map((v) => -Math.abs(v)),
      [32, 4],
    );
    const target = tf.mul(x, 5); // pushes α towards 5
    await model.fit(x, target, { epochs: 20, batchSize: 32, verbose: 0 });
    const layer = model.layers[0] as PReLUlip;
    const raw = layer.getWeights()[0]!.dataSync();
    expect(Math.max(...Array.from(raw))).toBeGreaterThan(k); // the raw α left the box…
    const used = layer.clippedAlpha().dataSync();
    expect(Math.max(...Array.from(used).map(Math.abs))).toBeLessThanOrEqual(Math.fround(k)); // …the used one did not
    const f = (z: tf.Tensor) => layer.apply(z) as tf.Tensor;
    expect(maxPairRatio(f, [4], 200, 91)).toBeLessThanOrEqual(Math.max(1, k) * (1 + 1e-5));
    expect(jacobianNorm(f, tf.tensor2d([[-1, -2, -3, -4]])).norm).toBeCloseTo(k, 5); // all on the α branch
    expect(layer.lipschitzBound()).toBe(1);
    expect(preluLip({ kCoefLip: 2 }).lipschitzBound()).toBe(2);
  });

  it('is Condensable (vanilla PReLU with the clipped α) and not a LipschitzLayer', () => {
    const layer = built(0.5, [0.2, -0.3, 2, -7]);
    expect(isLipschitzLayer(layer)).toBe(false);
    expect(isCondensable(layer)).toBe(true);
    const x = tf.tensor2d(randn(3 * 4, 95), [3, 4]);
    const vanilla = layer.vanillaExport();
    expect(vanilla.getClassName()).toBe('PReLU');
    expectTensorsClose(vanilla.apply(x) as tf.Tensor, layer.apply(x) as tf.Tensor, { atol: 0, rtol: 0 });
    layer.condense();
    expectTensorsClose(layer.getWeights()[0]!, [0.2, -0.3, 0.5, -0.5]);
  });

  it('saves and reloads inside a model, and does not leak', async () => {
    const model = tfl.sequential({
      layers: [tfl.layers.dense({ units: 4, inputShape: [3] }), preluLip({ kCoefLip: 0.25 })],
    });
    model.layers[1]!.setWeights([tf.tensor1d([0.1, -0.9, 0.2, 3])]);
    const x = tf.tensor2d(randn(5 * 3, 96), [5, 3]);
    const loaded = await saveLoadRoundTrip(model);
    expect(loaded.layers[1]!.getClassName()).toBe('PReLUlip');
    expect(loaded.layers[1]!.getConfig()['kCoefLip']).toBe(0.25);
    expectTensorsClose(loaded.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor, { atol: 0, rtol: 0 });
    await expectNoLeakedTensors(() => tf.grad((z: tf.Tensor) => tf.sum(model.predict(z) as tf.Tensor))(x));
  });

  it('rejects bad configurations', () => {
    expect(() => preluLip({ kCoefLip: 0 })).toThrow(
      /PReLUlip: expected `kCoefLip` to be a finite number > 0, got 0\. Pass the Lipschitz constant/,
    );
    expect(() => preluLip().vanillaExport()).toThrow(/PReLUlip: the layer is not built yet/);
    expect(() =>
      tfl.sequential({ layers: [tfl.layers.inputLayer({ batchInputShape: [null, null, 3] }), preluLip()] }),
    ).toThrow(/PReLUlip: expected a fully known input shape/);
  });
});
