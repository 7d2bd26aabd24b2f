import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  autodiffOperatorNorm,
  explicitOperatorNorm,
  expectNoLeakedTensors,
  expectTensorsClose,
  saveLoadRoundTrip,
} from '@lipnet/test-utils';
import { certifiedConvNorm, conv2dOperator } from '@lipnet/constraints';
import {
  ExactOperatorNormalizer,
  FrobeniusConv2D,
  SpectralConv2D,
  vanillaExport,
  type ConvNormalization,
  type ReparametrizedConv2D,
} from '../src';
import { fitSteps, wrap } from './helpers';

/** The linear part of a layer as it runs (inference): x ↦ f(x) − f(0), so the bias drops out. */
const linearPart = (layer: tfl.layers.Layer) => (x: tf.Tensor) =>
  tf.sub(layer.apply(x) as tf.Tensor, layer.apply(tf.zerosLike(x)) as tf.Tensor);

interface Case {
  name: string;
  make: (mode: ConvNormalization) => ReparametrizedConv2D;
  inputShape: [number, number, number];
}

// Small inputs: the explicit operator matrix (≤ 7·7·3 = 147 columns) and its float64 Jacobi SVD.
const small: Case[] = [
  {
    name: 'SpectralConv2D 3×3, 6×6×2 → 4',
    make: (m) => new SpectralConv2D({ filters: 4, kernelSize: 3, convNormalization: m }),
    inputShape: [6, 6, 2],
  },
  {
    name: 'SpectralConv2D 3×3, 5×7×1 → 12 (kh·kw·cin ≤ filters: RKO rows orthonormal)',
    make: (m) => new SpectralConv2D({ filters: 12, kernelSize: 3, convNormalization: m }),
    inputShape: [5, 7, 1],
  },
  {
    name: 'SpectralConv2D 3×3 strides 2, 7×7×3 → 5',
    make: (m) => new SpectralConv2D({ filters: 5, kernelSize: 3, strides: 2, convNormalization: m }),
    inputShape: [7, 7, 3],
  },
  {
    name: 'SpectralConv2D 5×3, 6×6×2 → 3',
    make: (m) => new SpectralConv2D({ filters: 3, kernelSize: [5, 3], convNormalization: m }),
    inputShape: [6, 6, 2],
  },
  {
    name: 'FrobeniusConv2D 3×3, 6×5×2 → 3',
    make: (m) => new FrobeniusConv2D({ filters: 3, kernelSize: 3, convNormalization: m }),
    inputShape: [6, 5, 2],
  },
];

const measured: Record<string, Record<string, number>> = {};
afterAll(() =>
  console.log(`operator norms after training (SVD / autodiff power iteration):\n${JSON.stringify(measured, null, 1)}`),
);

describe.each(['strict', 'exact'] as const)("convNormalization '%s': the convolution's true norm", (mode) => {
  it.each(small)('$name: explicit-matrix SVD ≤ 1 + 1e-4 after 12 Adam steps (exact: ≥ 0.99)', async (c) => {
    const layer = c.make(mode);
    const model = wrap(layer, c.inputShape);
    await fitSteps(model, c.inputShape, 12, 0.05, 4);
    const norm = explicitOperatorNorm(linearPart(layer), [1, ...c.inputShape]);
    expect(norm).toBeLessThanOrEqual(1 + 1e-4);
    if (mode === 'exact') expect(norm).toBeGreaterThanOrEqual(0.99);
    // the kernel of a training call (what the optimiser saw) is bounded too
    const trainingNorm = explicitOperatorNorm(
      (x) =>
        tf.sub(
          layer.apply(x, { training: true }) as tf.Tensor,
          layer.apply(tf.zerosLike(x), { training: true }) as tf.Tensor,
        ),
      [1, ...c.inputShape],
    );
    expect(trainingNorm).toBeLessThanOrEqual(1 + 1e-4);
    measured[`${mode} ${c.name}`] = { svd: norm, trainingCallSvd: trainingNorm };
    model.dispose();
  });
});

describe('the Demo 4 geometry (28×28×1 → 16, 14×14×16 → 32): power iteration through autodiff', () => {
  it.each([
    ['strict', [28, 28, 1], 16],
    ['exact', [28, 28, 1], 16],
    ['strict', [14, 14, 16], 32],
    ['exact', [14, 14, 16], 32],
  ] as const)("'%s' %j → %i: ≤ 1 + 1e-4 after 4 Adam steps (exact: ≥ 0.99)", async (mode, shape, filters) => {
    const layer = new SpectralConv2D({ filters, kernelSize: 3, convNormalization: mode });
    const model = wrap(layer, [...shape]);
    await fitSteps(model, [...shape], 4, 0.01, 2);
    // the layer's forward is conv2d(x, W̄, 'same') + b; W̄ read once (under a tape the layer recomputes it each call)
    const [w] = layer.effectiveWeights();
    const norm = autodiffOperatorNorm(
      (x) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same'),
      [1, ...shape],
      200,
    );
    w!.dispose();
    expect(norm).toBeLessThanOrEqual(1 + 1e-4);
    if (mode === 'exact') expect(norm).toBeGreaterThanOrEqual(0.99);
    measured[`${mode} SpectralConv2D ${shape.join('×')} → ${filters}`] = { autodiff: norm };
    model.dispose();
  });
});

describe("'exact': export, state and serialisation", () => {
  it('vanillaExport proves ‖conv‖₂ ≤ k (the running kernel already is: export = layer); the SVD agrees', () => {
    const layer = new SpectralConv2D({ filters: 4, kernelSize: 3, convNormalization: 'exact' });
    const model = wrap(layer, [6, 6, 2]);
    const plain = vanillaExport(model);
    const cert = layer.exportCertificate!;
    const conv = plain.layers.find((l) => l.getClassName() === 'Conv2D')!;
    const exported = explicitOperatorNorm(linearPart(conv), [1, 6, 6, 2]);
    expect(cert.rescale).toBe(1);
    expect(cert.bound).toBeLessThanOrEqual(1);
    expect(exported).toBeLessThanOrEqual(cert.bound * (1 + 1e-7));
    expect(exported).toBeGreaterThan(0.998);
    const x = tf.randomNormal([2, 6, 6, 2], 0, 1, 'float32', 3);
    expectTensorsClose(plain.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor, { atol: 1e-6 });
    measured['exact export'] = { upper: cert.upper, rescale: cert.rescale, exportedSvd: exported };
    model.dispose();
  });

  it.each([1, 0.5])(
    'certify rescales a kernel whose proven norm exceeds k = %s, to a proven and measured norm ≤ k (and within 1e-3 of it)',
    (k) => {
      const shape: [number, number, number, number] = [1, 6, 5, 2];
      const spec = {
        inputShape: shape,
        operator: conv2dOperator(shape, [1, 1], 'same'),
        certify: (kernel: Float32Array, estimate: number, target: number) =>
          certifiedConvNorm(
            kernel,
            { inH: 6, inW: 5, kh: 3, kw: 3, cin: 2, cout: 3, padding: 'same' },
            { estimate, target },
          ),
        frobeniusFactor: 3,
      };
      const normalizer = new ExactOperatorNormalizer(spec, { eps: 1e-6, maxIter: 100, margin: 0 });
      const vars: tfl.LayerVariable[] = [];
      normalizer.createWeights((name, s, init) => {
        const v = new tfl.LayerVariable(init.apply(s), 'float32', name, false);
        vars.push(v);
        return v;
      });
      const raw = tf.randomNormal([3, 3, 2, 3], 0, 1, 'float32', 21);
      const op = (x: tf.Tensor) => tf.conv2d(x as tf.Tensor4D, raw as tf.Tensor4D, 1, 'same');
      const before = explicitOperatorNorm(op, shape);
      expect(before).toBeGreaterThan(1.5 * k);
      const { w, certificate } = normalizer.certify(raw, k);
      expect(certificate.upper).toBeGreaterThanOrEqual(before * (1 - 1e-7));
      expect(certificate.rescale).toBeLessThan(1);
      expect(certificate.bound).toBe(k);
      const after = explicitOperatorNorm((x) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same'), shape);
      expect(after).toBeLessThanOrEqual(k);
      expect(after).toBeGreaterThan(k * (1 - 1e-3));
      tf.dispose([raw, w]);
      vars.forEach((v) => v.dispose());
    },
  );

  it('keeps conv_u [1, h, w, cin] and conv_sig as non-trainable weights; a training call moves them, inference does not', () => {
    const layer = new FrobeniusConv2D({ filters: 3, kernelSize: 3, convNormalization: 'exact' });
    const model = wrap(layer, [5, 5, 2]);
    expect(layer.nonTrainableWeights.map((w) => [w.originalName.split('/').pop(), w.shape])).toEqual([
      ['conv_u', [1, 5, 5, 2]],
      ['conv_sig', [1, 1]],
    ]);
    const x = tf.randomNormal([2, 5, 5, 2]);
    model.predict(x); // first use: the warm-up is stored
    const u0 = layer.nonTrainableWeights[0]!.read().clone();
    model.predict(x);
    expectTensorsClose(layer.nonTrainableWeights[0]!.read(), u0, { atol: 0 });
    // new kernel and a new random vector (a vector set from outside triggers the warm-up)
    layer.setWeights([
      tf.randomNormal([3, 3, 2, 3], 0, 1, 'float32', 9),
      tf.zeros([3]),
      tf.randomNormal([1, 5, 5, 2], 0, 1, 'float32', 10),
      tf.ones([1, 1]),
    ]);
    model.apply(x, { training: true });
    expect(tf.max(tf.abs(tf.sub(layer.nonTrainableWeights[0]!.read(), u0))).dataSync()[0]).toBeGreaterThan(1e-3);
    // σ̂ of the normalised kernel (×(1 + margin) gives the divisor) matches the SVD of the raw Frobenius-normalised conv
    const sigma = layer.nonTrainableWeights[1]!.read().dataSync()[0]!;
    const k = layer.getWeights()[0]!;
    const v = tf.div(k, tf.norm(k));
    const exact = explicitOperatorNorm((t) => tf.conv2d(t as tf.Tensor4D, v as tf.Tensor4D, 1, 'same'), [1, 5, 5, 2]);
    expect(Math.abs(sigma - exact) / exact).toBeLessThan(1e-4);
    model.dispose();
  });

  it('config round trip: same mode and options, same predictions (conv_u is saved), former convLipCoef still loads', async () => {
    const layer = new SpectralConv2D({
      filters: 4,
      kernelSize: 3,
      strides: 2,
      convNormalization: 'exact',
      maxIterConvNorm: 50,
      epsConvNorm: 1e-6,
      convNormMargin: 2e-3,
    });
    const model = wrap(layer, [7, 7, 2]);
    await fitSteps(model, [7, 7, 2], 3, 0.05, 2);
    const cfg = layer.getConfig();
    expect(cfg).toMatchObject({
      convNormalization: 'exact',
      maxIterConvNorm: 50,
      epsConvNorm: 1e-6,
      convNormMargin: 2e-3,
    });
    expect(new SpectralConv2D({ filters: 2, kernelSize: 3 }).getConfig()).toMatchObject({
      convNormalization: 'strict',
    });
    expect(new SpectralConv2D({ filters: 2, kernelSize: 3 }).getConfig()).not.toHaveProperty('maxIterConvNorm');
    const back = await saveLoadRoundTrip(model);
    const x = tf.randomNormal([3, 7, 7, 2], 0, 1, 'float32', 5);
    expectTensorsClose(back.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor, { atol: 1e-6 });
    expectTensorsClose(back.getWeights()[3]!, layer.getWeights()[3]!, { atol: 0 }); // conv_u
    const legacy = SpectralConv2D.fromConfig(SpectralConv2D, {
      ...new SpectralConv2D({ filters: 2, kernelSize: 3, convNormalization: 'deel-lip' }).getConfig(),
      convNormalization: undefined,
      convLipCoef: 'deel-lip',
    } as unknown as tf.serialization.ConfigDict) as SpectralConv2D;
    expect(legacy.convNormalization).toBe('deel-lip');
    model.dispose();
    back.dispose();
  });

  it('leaks no tensor (training call, inference, export)', async () => {
    const layer = new SpectralConv2D({ filters: 3, kernelSize: 3, convNormalization: 'exact' });
    const model = wrap(layer, [5, 5, 2]);
    const x = tf.randomNormal([2, 5, 5, 2]);
    await expectNoLeakedTensors(() => {
      const { value, grads } = tf.variableGrads(
        () => tf.sum(model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
        model.trainableWeights.map((w) => w.read() as tf.Variable),
      );
      tf.dispose([value, ...Object.values(grads)]);
      tf.dispose(model.predict(x) as tf.Tensor);
      // (the layers, not vanillaExport(model).dispose(): a plain model built by vanillaExport keeps its
      // layers' weights after dispose(), as on main — each was applied twice, so its refcount stays > 0)
      layer.vanillaExportLayers().forEach((l) => l.dispose());
    });
    model.dispose();
    x.dispose();
  });
});
