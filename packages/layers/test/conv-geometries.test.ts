import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { explicitOperatorNorm, expectNoLeakedTensors, expectTensorsClose, saveLoadRoundTrip } from '@lipnet/test-utils';
import { LipnetInputError, LipnetOptionError } from '@lipnet/core';
import {
  FrobeniusConv2D,
  PadConv1D,
  PadConv2D,
  SpectralConv1D,
  SpectralConv2D,
  SpectralConv2DTranspose,
  SpectralInitializer,
  vanillaExport,
  type ConvNormalization,
  type ReparametrizedConv2D,
} from '../src';
import { fitSteps, wrap } from './helpers';

/** The linear part of a layer as it runs: x ↦ f(x) − f(0) (the bias drops out). */
const linearPart =
  (layer: tfl.layers.Layer, training = false) =>
  (x: tf.Tensor) =>
    tf.sub(layer.apply(x, { training }) as tf.Tensor, layer.apply(tf.zerosLike(x), { training }) as tf.Tensor);

interface Case {
  name: string;
  make: (mode: ConvNormalization) => ReparametrizedConv2D;
  inputShape: number[];
}

// Small inputs: explicit operator matrices of ≤ 150 columns and their float64 Jacobi SVD.
const CASES: Case[] = [
  ...(['valid', 'constant', 'reflect', 'symmetric', 'replicate', 'circular'] as const).map((padding) => ({
    name: `SpectralConv2D 3×3 '${padding}', 6×6×2 → 4`,
    make: (m: ConvNormalization) => new SpectralConv2D({ filters: 4, kernelSize: 3, padding, convNormalization: m }),
    inputShape: [6, 6, 2],
  })),
  {
    name: "SpectralConv2D 3×3 'reflect', 6×6×1 → 9 (the reflect worst case: rows of the reshape orthonormal)",
    make: (m) => new SpectralConv2D({ filters: 9, kernelSize: 3, padding: 'reflect', convNormalization: m }),
    inputShape: [6, 6, 1],
  },
  {
    name: "SpectralConv2D 3×3 'circular' strides 2, 6×6×2 → 3",
    make: (m) =>
      new SpectralConv2D({ filters: 3, kernelSize: 3, strides: 2, padding: 'circular', convNormalization: m }),
    inputShape: [6, 6, 2],
  },
  {
    name: "SpectralConv2D 3×3 dilation 2 'same', 7×7×2 → 3",
    make: (m) => new SpectralConv2D({ filters: 3, kernelSize: 3, dilationRate: 2, convNormalization: m }),
    inputShape: [7, 7, 2],
  },
  {
    name: "FrobeniusConv2D 3×3 'symmetric', 5×6×2 → 3",
    make: (m) => new FrobeniusConv2D({ filters: 3, kernelSize: 3, padding: 'symmetric', convNormalization: m }),
    inputShape: [5, 6, 2],
  },
  {
    name: 'SpectralConv2DTranspose 3×3 strides 2, 3×3×2 → 4',
    make: (m) => new SpectralConv2DTranspose({ filters: 4, kernelSize: 3, strides: 2, convNormalization: m }),
    inputShape: [3, 3, 2],
  },
  {
    name: 'SpectralConv2DTranspose 3×3 strides 2, 3×3×1 → 9 (deel-lip factor 1/2 would reach 1.5)',
    make: (m) => new SpectralConv2DTranspose({ filters: 9, kernelSize: 3, strides: 2, convNormalization: m }),
    inputShape: [3, 3, 1],
  },
  {
    name: "SpectralConv2DTranspose 4×4 strides 2 'valid', 3×2×2 → 3",
    make: (m) =>
      new SpectralConv2DTranspose({ filters: 3, kernelSize: 4, strides: 2, padding: 'valid', convNormalization: m }),
    inputShape: [3, 2, 2],
  },
  {
    name: 'SpectralConv2DTranspose 3×3 stride 1, 5×5×3 → 2',
    make: (m) => new SpectralConv2DTranspose({ filters: 2, kernelSize: 3, convNormalization: m }),
    inputShape: [5, 5, 3],
  },
  ...(['same', 'valid', 'reflect', 'circular'] as const).map((padding) => ({
    name: `SpectralConv1D k=5 '${padding}', 12×3 → 4`,
    make: (m: ConvNormalization) => new SpectralConv1D({ filters: 4, kernelSize: 5, padding, convNormalization: m }),
    inputShape: [12, 3],
  })),
  {
    name: 'SpectralConv1D k=3 strides 2 symmetric, 11×2 → 6',
    make: (m) =>
      new SpectralConv1D({ filters: 6, kernelSize: 3, strides: 2, padding: 'symmetric', convNormalization: m }),
    inputShape: [11, 2],
  },
  {
    name: 'SpectralConv1D k=3 dilation 3, 14×2 → 3',
    make: (m) => new SpectralConv1D({ filters: 3, kernelSize: 3, dilationRate: 3, convNormalization: m }),
    inputShape: [14, 2],
  },
];

const measured: Record<string, Record<string, number>> = {};
afterAll(() => console.log(`explicit-matrix SVD after training:\n${JSON.stringify(measured, null, 1)}`));

describe.each(['strict', 'exact'] as const)("convNormalization '%s': the layer's true operator norm", (mode) => {
  it.each(CASES)('$name: SVD ≤ 1 + 1e-4 after 8 Adam steps (training calls too; exact ≥ 0.99)', async (c) => {
    const layer = c.make(mode);
    const model = wrap(layer, c.inputShape);
    await fitSteps(model, c.inputShape, 8, 0.05, 4);
    const norm = explicitOperatorNorm(linearPart(layer), [1, ...c.inputShape]);
    const trainingNorm = explicitOperatorNorm(linearPart(layer, true), [1, ...c.inputShape]);
    expect(norm).toBeLessThanOrEqual(1 + 1e-4);
    expect(trainingNorm).toBeLessThanOrEqual(1 + 1e-4);
    if (mode === 'exact') expect(norm).toBeGreaterThanOrEqual(0.99);
    measured[`${mode} ${c.name}`] = { svd: norm, trainingCallSvd: trainingNorm };
    model.dispose();
  });
});

describe('exports and serialisation', () => {
  it.each(CASES)('$name: vanillaExport predicts as the layer (strict and exact), save/load round trip', async (c) => {
    for (const mode of ['strict', 'exact'] as const) {
      const model = wrap(c.make(mode), c.inputShape);
      await fitSteps(model, c.inputShape, 2, 0.05, 2);
      const x = tf.randomNormal([3, ...c.inputShape], 0, 1, 'float32', 5);
      const y = model.predict(x) as tf.Tensor;
      const plain = vanillaExport(model);
      expectTensorsClose(plain.predict(x) as tf.Tensor, y, { atol: 2e-5 });
      const loaded = await saveLoadRoundTrip(model);
      const last = (m: tfl.LayersModel) => m.layers[m.layers.length - 1]!;
      expect(last(loaded).getClassName()).toBe(last(model).getClassName());
      expect(last(loaded).getConfig()).toEqual(last(model).getConfig());
      expectTensorsClose(loaded.predict(x) as tf.Tensor, y, { atol: 1e-6 });
      const reloadedPlain = await saveLoadRoundTrip(plain);
      expectTensorsClose(reloadedPlain.predict(x) as tf.Tensor, y, { atol: 2e-5 });
      tf.dispose([x, y]);
      [model, plain, loaded, reloadedPlain].forEach((m) => m.dispose());
    }
  });

  it("exports go to tfjs' own layers where tfjs has them, to PadConv2D/PadConv1D otherwise", () => {
    const classes = (layer: tfl.layers.Layer, shape: number[]) =>
      vanillaExport(wrap(layer, shape))
        .layers.map((l) => l.getClassName())
        .filter((c) => c !== 'InputLayer');
    expect(classes(new SpectralConv2DTranspose({ filters: 2, kernelSize: 3 }), [4, 4, 1])).toEqual(['Conv2DTranspose']);
    expect(classes(new SpectralConv1D({ filters: 2, kernelSize: 3, padding: 'valid' }), [6, 1])).toEqual(['Conv1D']);
    expect(classes(new SpectralConv1D({ filters: 2, kernelSize: 3, padding: 'reflect' }), [6, 1])).toEqual([
      'PadConv1D',
    ]);
    expect(classes(new SpectralConv2D({ filters: 2, kernelSize: 3, padding: 'circular' }), [5, 5, 1])).toEqual([
      'PadConv2D',
    ]);
  });

  it('leaks no tensors in training and inference calls', async () => {
    // every fourth geometry, and the circular ones ('exact' normalises those on their DFT blocks)
    for (const c of CASES.filter((k, i) => i % 4 === 0 || k.name.includes("'circular'"))) {
      for (const mode of ['strict', 'exact'] as const) {
        const layer = c.make(mode);
        const model = wrap(layer, c.inputShape);
        const x = tf.randomNormal([2, ...c.inputShape]);
        await expectNoLeakedTensors(() => {
          tf.dispose([layer.apply(x, { training: true }) as tf.Tensor, model.predict(x) as tf.Tensor]);
          return tf.grad((v) => tf.sum(layer.apply(v, { training: true }) as tf.Tensor))(x);
        });
        x.dispose();
        model.dispose();
      }
    }
  });
});

describe("'deel-lip' on a transposed convolution: deel-lip's factor, which is not a bound", () => {
  it('a 3×3 stride-2 transposed convolution from 1 channel to 9 reaches 1.5 with the factor 1/2', () => {
    // A seeded kernel: the power iteration's estimate (hence how close to 1.5) depends on the draw.
    const layer = new SpectralConv2DTranspose({
      filters: 9,
      kernelSize: 3,
      strides: 2,
      convNormalization: 'deel-lip',
      kernelInitializer: new SpectralInitializer({ seed: 3 }),
    });
    const model = wrap(layer, [3, 3, 1]);
    expect(layer.convCoefficient).toBeCloseTo(0.5, 12);
    const norm = explicitOperatorNorm(linearPart(layer), [1, 3, 3, 1]);
    expect(norm).toBeGreaterThan(1.49);
    expect(norm).toBeLessThan(1.51);
    model.dispose();
  });

  it("is refused where deel-lip has no factor (1-D, padding other than 'same', dilation), naming the fix", () => {
    expect(() => new SpectralConv1D({ filters: 2, kernelSize: 3, convNormalization: 'deel-lip' })).toThrow(
      /SpectralConv1D: convNormalization 'deel-lip' is not available here: deel-lip has no 1-D convolution\. Pass 'strict'/,
    );
    expect(
      () => new SpectralConv2D({ filters: 2, kernelSize: 3, padding: 'reflect', convNormalization: 'deel-lip' }),
    ).toThrow(/derived for zero 'same' padding, not 'reflect'/);
    expect(() => new FrobeniusConv2D({ filters: 2, kernelSize: 3, dilationRate: 2, convLipCoef: 'deel-lip' })).toThrow(
      /deel-lip refuses dilated convolutions/,
    );
  });
});

describe('PadConv2D / PadConv1D (unconstrained, deel-lip PadConv2D / torchlip PadConv1d)', () => {
  it('round-trips its config and weights, and equals tf.conv2d for same/valid', async () => {
    for (const padding of ['same', 'valid', 'reflect'] as const) {
      const layer = new PadConv2D({ filters: 3, kernelSize: 3, padding, activation: 'relu' });
      const model = wrap(layer, [5, 5, 2]);
      const x = tf.randomNormal([2, 5, 5, 2], 0, 1, 'float32', 1);
      const loaded = await saveLoadRoundTrip(model);
      expectTensorsClose(loaded.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor, { atol: 1e-6 });
      if (padding !== 'reflect') {
        const [k, b] = layer.getWeights();
        const ref = tf.relu(tf.add(tf.conv2d(x as tf.Tensor4D, k as tf.Tensor4D, 1, padding), b!));
        expectTensorsClose(model.predict(x) as tf.Tensor, ref, { atol: 1e-5 });
      }
      model.dispose();
      loaded.dispose();
    }
    const pad1 = new PadConv1D({ filters: 2, kernelSize: 4, padding: 'valid', strides: 2 });
    const one = wrap(pad1, [9, 3]);
    expect(one.outputs[0]!.shape).toEqual([null, 3, 2]);
    expect(pad1.getConfig()).toMatchObject({ kernelSize: 4, strides: 2, padding: 'valid' });
    one.dispose();
  });

  it('refuses bad options, naming them and the fix', () => {
    expect(() => new PadConv2D({ filters: 2, kernelSize: 3, padding: 'zeros' as 'same' })).toThrow(
      /PadConv2D: expected `padding` to be one of 'same', 'valid', 'constant', 'reflect', 'symmetric', 'replicate', 'circular', got 'zeros'/,
    );
    expect(() => new SpectralConv2DTranspose({ filters: 2, kernelSize: 3, padding: 'reflect' as 'same' })).toThrow(
      /SpectralConv2DTranspose: expected `padding` to be one of 'same', 'valid', got 'reflect'\. deel-lip and deel-torchlip/,
    );
    expect(
      () => new SpectralConv2DTranspose({ filters: 2, kernelSize: 3, outputPadding: 1 as unknown as null }),
    ).toThrow(/`outputPadding` 1 is not supported/);
    expect(() => new SpectralConv1D({ filters: 2, kernelSize: [3, 3] as unknown as number })).toThrow(
      /SpectralConv1D: expected `kernelSize` to be a positive integer, got \[3, 3\]/,
    );
    expect(() => new SpectralConv2D({ filters: 2, kernelSize: 3, strides: 2, dilationRate: 2 })).toThrow(
      /refuse a dilation and a stride both > 1/,
    );
    expect(() => wrap(new SpectralConv2D({ filters: 2, kernelSize: 5, padding: 'reflect' }), [2, 8, 1])).toThrow(
      /'reflect' padding of 2 pixels needs an input of at least 3 pixels/,
    );
  });

  it('declare their options through @lipnet/core: unknown keys (with the closest name) and bad values', () => {
    const refusals: [() => unknown, RegExp][] = [
      [() => new PadConv2D({ filters: 2, kernelSize: 3, paddng: 'reflect' } as never), /Did you mean `padding`\?/],
      [() => new PadConv1D({ filters: 2, kernelSize: 3, dilation: 2 } as never), /Did you mean `dilationRate`\?/],
      [
        () => new SpectralConv1D({ filters: 2, kernelSize: 3, convNormalisation: 'exact' } as never),
        /Did you mean `convNormalization`\?/,
      ],
      [
        () => new SpectralConv2DTranspose({ filters: 2, kernelSize: 3, output_padding: null } as never),
        /Did you mean `outputPadding`\?/,
      ],
      [() => new FrobeniusConv2D({ filters: 2, kernelSize: 3, dilationRates: 2 } as never), /`dilationRate`/],
      [() => new PadConv2D({ filters: 0, kernelSize: 3 }), /PadConv2D: expected `filters` to be an integer ≥ 1, got 0/],
      [() => new PadConv1D({ filters: 2, kernelSize: 3, useBias: 'no' } as never), /`useBias` to be a boolean/],
      [
        () => new PadConv2D({ filters: 2, kernelSize: 3, activation: 7 } as never),
        /`activation` to be a tfjs activation name/,
      ],
      [() => new SpectralConv2DTranspose({ filters: 1.5, kernelSize: 3 }), /`filters` to be an integer ≥ 1, got 1\.5/],
      [
        () => new SpectralConv1D({ filters: 2, kernelSize: 3, dilationRate: 0 }),
        /`dilationRate` to be a positive integer/,
      ],
      [() => new SpectralConv2D({ filters: 2, kernelSize: 3, dilationRate: [2, -1] }), /`dilationRate`/],
      [
        () => new SpectralConv1D({ filters: 2, kernelSize: 3, convNormalization: 'loose' as 'exact' }),
        /expected `convNormalization` to be one of/,
      ],
    ];
    for (const [make, re] of refusals) {
      expect(make).toThrow(re);
      expect(make).toThrow(LipnetOptionError);
    }
    expect(() => wrap(new SpectralConv1D({ filters: 2, kernelSize: 3 }), [4, 4, 1])).toThrow(LipnetInputError);
  });
});
