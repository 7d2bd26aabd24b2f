import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { FrobeniusConv2D, ReparametrizedLayer, SpectralConv2D } from '@lipnet/layers';
import { MulticlassHKR } from '@lipnet/losses';
import { expectTensorsClose } from '@lipnet/test-utils';
import { loadDeelLipModel } from '../src';
import { fixtureBytes, importFixture, relativeError, tensorOf, type ImportFixture } from './helpers';

// Models trained and saved by deel-lip 1.5.0 (tools/reference/fixtures_interop_deel_lip.py), loaded from both
// file formats: logits to 1e-5, then one more training step compared with deel-lip's own next step.
const MODELS = ['dense', 'cnn', 'zoo', 'functional', 'vanilla', 'regularized'];
const FORMATS = ['h5', 'keras'] as const;
const OPTIONS = { invertibleChannelOrder: 'spacetodepth' as const }; // the fixtures come from deel-lip 1.5.0
const errors: string[] = [];

/** deel-lip's name of a lipnet weight: `conv1/kernel` → `conv1/kernel:0`, `u` → `sn`, `sig` → `sigma`. */
function deelLipName(w: tfl.LayerVariable): string {
  const [layer, short] = [w.originalName.split('/')[0], w.originalName.split('/').pop()];
  return `${layer}/${({ u: 'sn', sig: 'sigma' } as Record<string, string>)[short!] ?? short}:0`;
}

/** Each lipnet weight next to deel-lip's (names without a layer prefix in vanilla exports). */
function pairs(model: tfl.LayersModel, saved: ImportFixture['weights']): [string, tf.Tensor, tf.Tensor][] {
  return model.weights.map((w) => {
    const name = deelLipName(w);
    const ref = saved[name] ?? saved[name.split('/').pop()!];
    if (!ref) throw new Error(`no deel-lip weight ${name} in the fixture`);
    return [name, w.read(), tensorOf(ref)];
  });
}

describe.each(MODELS)('loadDeelLipModel: %s', (name) => {
  const fx = importFixture(name);

  it.each(FORMATS)('.%s: same weights and logits as deel-lip (1e-5)', async (format) => {
    const model = await loadDeelLipModel(fixtureBytes(`deel-lip/${name}.${format}`), OPTIONS);
    for (const [, ours, theirs] of pairs(model, fx.weights)) expectTensorsClose(ours, theirs, { atol: 0, rtol: 0 });
    const logits = model.predict(tensorOf(fx.probe)) as tf.Tensor;
    const err = relativeError(logits, tensorOf(fx.logits));
    errors.push(`${name}.${format} logits: ${err.toExponential(2)}`);
    expect(err).toBeLessThan(1e-5);
    expectTensorsClose(logits, tensorOf(fx.logits), { rtol: 1e-5, atol: 1e-6 });
    model.dispose();
  });

  it.each(FORMATS)(
    ".%s: one more SGD step equals deel-lip's next step (loss and every weight, 1e-5)",
    async (format) => {
      const model = await loadDeelLipModel(fixtureBytes(`deel-lip/${name}.${format}`), OPTIONS);
      const { nextStep: s } = fx;
      model.compile({ optimizer: tf.train.sgd(s.optimizer.learningRate), loss: MulticlassHKR(s.loss.config) });
      const loss = (await model.trainOnBatch(tensorOf(s.x), tensorOf(s.y))) as number;
      errors.push(
        `${name}.${format} next-step loss: ${(Math.abs(loss - s.lossValue) / Math.abs(s.lossValue)).toExponential(2)}`,
      );
      expect(Math.abs(loss - s.lossValue)).toBeLessThan(1e-5 * Math.abs(s.lossValue));
      let worst = 0;
      for (const [w, ours, theirs] of pairs(model, s.weights)) {
        const err = relativeError(ours, theirs);
        worst = Math.max(worst, err);
        if (!(err < 1e-5)) throw new Error(`${w}: relative error ${err} after the step`);
      }
      errors.push(`${name}.${format} next-step weights: ${worst.toExponential(2)}`);
      model.dispose();
    },
  );
});

describe('the loaded model', () => {
  it("is made of @lipnet layers (u, σ, W̄ restored) and serves deel-lip's wbar until it trains", async () => {
    const fx = importFixture('cnn');
    const model = await loadDeelLipModel(fixtureBytes('deel-lip/cnn.keras'));
    const conv = model.getLayer('conv1') as ReparametrizedLayer;
    expect(conv).toBeInstanceOf(ReparametrizedLayer);
    expect(conv.getClassName()).toBe('SpectralConv2D');
    const [wbar] = conv.effectiveWeights();
    expectTensorsClose(wbar!, tensorOf(fx.weights['conv1/Variable:0']!), { atol: 0, rtol: 0 });
    model.dispose();
  });
});

afterAll(() => console.log(`max relative errors vs deel-lip 1.5.0:\n  ${errors.join('\n  ')}`));

describe('what deel-lip itself gets wrong on reload, the loaded model gets right', () => {
  it.each(['cnn', 'zoo', 'functional'])(
    "%s: each conv coefficient is the trained one, from the layer's own input size (deel-lip's reload uses the model's)",
    async (name) => {
      const fx = importFixture(name);
      const model = await loadDeelLipModel(fixtureBytes(`deel-lip/${name}.h5`), OPTIONS);
      const convs = model.layers.filter(
        (l) => l instanceof SpectralConv2D || l instanceof FrobeniusConv2D,
      ) as SpectralConv2D[];
      expect(convs.length).toBeGreaterThan(0);
      for (const c of convs) {
        const { trained, reloadedByDeelLip } = fx.lipCoefficients[c.name]!;
        expect(c.convCoefficient).toBeCloseTo(trained, 12);
        if (Math.abs(trained - reloadedByDeelLip) > 1e-6)
          expect(Math.abs(c.convCoefficient! - reloadedByDeelLip)).toBeGreaterThan(1e-3);
      }
      model.dispose();
    },
  );
});

describe('loading', () => {
  it('takes a Uint8Array, an ArrayBuffer or a Node Buffer, and a model disposes all it loaded', async () => {
    const bytes = fixtureBytes('deel-lip/dense.keras');
    const before = tf.memory().numTensors;
    const a = await loadDeelLipModel(bytes);
    const b = await loadDeelLipModel(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
    );
    const c = await loadDeelLipModel(Buffer.from(bytes));
    const x = tensorOf(importFixture('dense').probe);
    const ys = [a, b, c].map((m) => m.predict(x) as tf.Tensor);
    expectTensorsClose(ys[1]!, ys[0]!, { atol: 0, rtol: 0 });
    expectTensorsClose(ys[2]!, ys[0]!, { atol: 0, rtol: 0 });
    tf.dispose([x, ...ys]);
    for (const m of [a, b, c]) m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
