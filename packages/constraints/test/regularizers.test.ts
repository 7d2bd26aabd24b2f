import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expectNoLeakedTensors, expectTensorsClose, saveLoadRoundTrip } from '@lipnet/test-utils';
import { Lorth2D, LorthRegularizer, OrthDenseRegularizer } from '../src';

interface Arr {
  shape: number[];
  values: number[];
}
interface Case {
  regularizer: 'LorthRegularizer' | 'OrthDenseRegularizer';
  config: Record<string, unknown>;
  kernel: Arr;
  value: number;
  grad: Arr;
  deelLipConfig: Record<string, unknown>;
}
const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'regularizers-deel-lip.json'), 'utf8')) as {
  meta: { deelLip: string };
  cases: Case[];
  refusals: { kernelShape: number[]; stride: number; error: string | null }[];
  warnings: string[];
};
const PARITY = { rtol: 1e-5, atol: 1e-6 };
const quiet = { warn: () => {} };

function make(c: Case) {
  return c.regularizer === 'LorthRegularizer'
    ? new LorthRegularizer({ ...(c.config as object), ...quiet })
    : new OrthDenseRegularizer(c.config);
}

function roundTrip<T extends tf.serialization.Serializable>(obj: T): T {
  const cls = obj.constructor as tf.serialization.SerializableConstructor<T>;
  const json = JSON.parse(JSON.stringify({ className: cls.className, config: obj.getConfig() })) as {
    className: string;
    config: tf.serialization.ConfigDict;
  };
  const [ctor, fromConfig] = tf.serialization.SerializationMap.getMap().classNameMap[json.className]!;
  return fromConfig(ctor, json.config) as T;
}

describe(`regularizers: parity with deel-lip ${fixture.meta.deelLip}`, () => {
  it('covers CO, RO, strided, square, transposed and 1×1 Lorth cases and three Dense shapes', () => {
    expect(fixture.cases.filter((c) => c.regularizer === 'LorthRegularizer')).toHaveLength(6);
    expect(fixture.cases.filter((c) => c.regularizer === 'OrthDenseRegularizer')).toHaveLength(3);
  });

  for (const c of fixture.cases) {
    it(`${c.regularizer}(${JSON.stringify(c.config)}): value and gradient w.r.t. the kernel`, () => {
      const reg = make(c);
      const w = tf.tensor(c.kernel.values, c.kernel.shape);
      const value = reg.apply(w);
      expectTensorsClose(value, c.value, PARITY);
      const g = tf.grad((k: tf.Tensor) => reg.apply(k))(w);
      expectTensorsClose(g, tf.tensor(c.grad.values, c.grad.shape), PARITY);
      // the config is deel-lip's, camelCased; and it survives a JSON round trip
      const snake = (k: string) => k.replace(/[A-Z]/g, (ch) => '_' + ch.toLowerCase());
      const cfg = reg.getConfig();
      for (const [k, v] of Object.entries(cfg)) expect(c.deelLipConfig[snake(k)]).toEqual(v);
      expectTensorsClose(roundTrip(reg).apply(w), value);
    });
  }

  it("refuses deel-lip's refused configurations and warns for C·s² = M", () => {
    for (const r of fixture.refusals) {
      const build = () => new LorthRegularizer({ kernelShape: r.kernelShape, stride: r.stride, ...quiet });
      if (r.error === null) expect(build).not.toThrow();
      else if (r.error.includes('odd')) expect(build).toThrow(/odd square kernels/);
      else expect(build).toThrow(r.error.includes('RO') ? /impossible RO/ : /impossible CO/);
    }
    const warned: string[] = [];
    new LorthRegularizer({ kernelShape: [5, 5, 3, 3], warn: (m) => warned.push(m) });
    expect(warned).toEqual(fixture.warnings);
  });
});

describe('regularizers: closed forms and use in a model', () => {
  it('Lorth of a 1×1 kernel with orthonormal rows is 0 (an orthogonal conv); OrthDense of an orthogonal matrix is 0', () => {
    // rows of a 5×5 rotation: W (3×5) with W·Wᵀ = I₃; the 1×1 conv x ↦ Wᵀx then has δ = M − C = 2.
    const q = tf.tidy(() => tf.linalg.qr(tf.randomNormal([5, 5], 0, 1, 'float32', 3))[0]);
    const w = tf.tidy(() => tf.reshape(tf.slice(q, [0, 0], [3, 5]), [1, 1, 3, 5]));
    expect(new LorthRegularizer(quiet).apply(w).dataSync()[0]).toBeCloseTo(0, 5);
    expect(new OrthDenseRegularizer().apply(q).dataSync()[0]).toBeCloseTo(0, 5);
    expect(new OrthDenseRegularizer({ lambdaOrth: 2 }).apply(tf.mul(q, 2)).dataSync()[0]).toBeCloseTo(2 * 5 * 9, 3); // ‖4I − I‖²
  });

  it('infers the kernel shape when omitted and refuses a kernel of another shape', () => {
    const reg = new LorthRegularizer(quiet);
    reg.apply(tf.zeros([3, 3, 2, 4]));
    expect(reg.getConfig()['kernelShape']).toEqual([3, 3, 2, 4]);
    expect(() => reg.apply(tf.zeros([3, 3, 2, 5]))).toThrow(/one regularizer per kernel/);
    expect(() => new LorthRegularizer({ dim: 1 })).toThrow(/only 2-D/);
    expect(() => new OrthDenseRegularizer({ lambdaOrth: -1 })).toThrow(/lambdaOrth/);
    expect(() => new Lorth2D({ stride: 0 })).toThrow(/stride/);
    expect(() => new OrthDenseRegularizer().apply(tf.zeros([1, 1, 2, 2]))).toThrow(/LorthRegularizer/);
  });

  it('works as kernelRegularizer of tfjs layers: the penalty joins the loss, and the model round-trips', async () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.conv2d({
          inputShape: [4, 4, 2],
          filters: 4,
          kernelSize: 3,
          padding: 'same',
          kernelRegularizer: new LorthRegularizer({ lambdaLorth: 0.5, ...quiet }),
        }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 3, kernelRegularizer: new OrthDenseRegularizer({ lambdaOrth: 0.1 }) }),
      ],
    });
    const [conv, , dense] = model.layers as [tfl.layers.Layer, tfl.layers.Layer, tfl.layers.Layer];
    const expected =
      0.5 * new LorthRegularizer(quiet).apply(conv.getWeights()[0]!).dataSync()[0]! +
      0.1 * new OrthDenseRegularizer().apply(dense.getWeights()[0]!).dataSync()[0]!;
    model.compile({ optimizer: tf.train.sgd(0), loss: 'meanSquaredError' });
    // outputs are 0 (zero input, zero bias), so the training loss is the penalties alone
    const loss = (await model.trainOnBatch(tf.zeros([2, 4, 4, 2]), tf.zeros([2, 3]))) as number;
    expect(loss).toBeCloseTo(expected, 4);
    const loaded = await saveLoadRoundTrip(model);
    const cfg = (loaded.layers[0]!.getConfig() as { kernelRegularizer: { className: string; config: object } })
      .kernelRegularizer;
    expect(cfg).toEqual({
      className: 'LorthRegularizer',
      config: { kernelShape: [3, 3, 2, 4], stride: 1, lambdaLorth: 0.5, dim: 2, convTranspose: false },
    });
  });

  it('leaks no tensors', async () => {
    const lorth = new LorthRegularizer(quiet);
    const dense = new OrthDenseRegularizer();
    const k = tf.randomNormal([3, 3, 2, 4]);
    const d = tf.randomNormal([4, 6]);
    await expectNoLeakedTensors(() => [lorth.apply(k), dense.apply(d), tf.grad((w: tf.Tensor) => lorth.apply(w))(k)]);
  });
});
