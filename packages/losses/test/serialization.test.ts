import * as tf from '@tensorflow/tfjs-core';
import { expectNoLeakedTensors, expectTensorsClose } from '@lipnet/test-utils';
import * as L from '../src';
import { P8x3, Y8x3_CLASSES } from './helpers';

const y = tf.cast(tf.oneHot(tf.tensor1d(Y8x3_CLASSES, 'int32'), 3), 'float32');
const p = tf.tensor2d(P8x3);
const yb = tf.tensor2d([[1], [0], [1], [0], [1], [1], [0], [0]]);
const pb = tf.slice(p, [0, 0], [8, 1]);

const all: Array<[L.LipschitzLoss, tf.Tensor]> = [
  [L.KR(), yb],
  [L.HingeMargin({ minMargin: 0.7 }), yb],
  [L.HKR({ alpha: Infinity, minMargin: 2, deelLipVersion: '1.2' }), yb],
  [L.TauBinaryCrossentropy({ tau: 3 }), yb],
  [L.MulticlassKR({ reduction: 'sum' }), y],
  [L.MulticlassHinge({ minMargin: 0.3, reduction: 'none' }), y],
  [L.MulticlassHKR({ alpha: 100, minMargin: 0.25, deelLipVersion: '1.2' }), y],
  [L.MultiMargin({ minMargin: 0.7, validate: false }), y],
  [L.CategoricalHinge({ minMargin: 1.1, name: 'catHinge' }), y],
  [L.TauCategoricalCrossentropy({ tau: 10 }), y],
  [L.TauSparseCategoricalCrossentropy({ tau: 10 }), tf.tensor1d(Y8x3_CLASSES, 'int32')],
];

describe('names and configs', () => {
  it('fn.name is the deel-lip class name unless `name` is given; className stays', () => {
    expect(L.MulticlassKR().name).toBe('MulticlassKR');
    expect(L.MulticlassHKR().name).toBe('MulticlassHKR');
    expect(L.MulticlassKR({ name: 'kr' }).name).toBe('kr');
    expect(L.MulticlassKR({ name: 'kr' }).className).toBe('MulticlassKR');
    // non-enumerable: tfjs' training-config serialiser walks Object.keys(loss)
    expect(Object.keys(L.MulticlassHKR())).toEqual([]);
  });

  it('getConfig mirrors the arguments with defaults resolved', () => {
    expect(L.MulticlassHKR().getConfig()).toEqual({
      alpha: 10,
      minMargin: 1,
      deelLipVersion: '1.5',
      reduction: 'mean',
      validate: true,
      name: 'MulticlassHKR',
    });
    expect(L.HKR({ alpha: Infinity }).getConfig().alpha).toBe('inf');
    expect(L.MulticlassSoftHKR({ temperature: 10, minMargin: 0.2, alpha: 50 }).getConfig()).toMatchObject({
      alpha: 50,
      minMargin: 0.2,
      alphaMean: 0.99,
      temperature: 10,
    });
  });

  it('lossFromConfig(JSON round trip) rebuilds a loss with the same values', () => {
    for (const [loss, labels] of all) {
      const spec = JSON.parse(JSON.stringify({ className: loss.className, config: loss.getConfig() })) as {
        className: string;
        config: Record<string, unknown>;
      };
      const again = L.lossFromConfig(spec);
      expect(again.name).toBe(loss.name);
      expect(again.getConfig()).toEqual(loss.getConfig());
      const pred = labels === yb ? pb : p;
      expectTensorsClose(again(labels, pred), loss(labels, pred), { rtol: 0, atol: 0 });
    }
    expect(() => L.lossFromConfig({ className: 'Nope' })).toThrow(
      /^lossFromConfig: unknown loss `className` 'Nope'\. Known: .*MulticlassHKR/,
    );
  });
});

describe('memory', () => {
  it('no tensor leaks over 100 evaluations of each loss, nor over 100 gradients', async () => {
    for (const [loss, labels] of all) {
      const pred = labels === yb ? pb : p;
      await expectNoLeakedTensors(() => loss(labels, pred), 100);
      await expectNoLeakedTensors(() => tf.grad((q: tf.Tensor) => tf.mean(loss(labels, q)))(pred), 100);
    }
  });

  it('MulticlassSoftHKR keeps exactly one state tensor, across 100 calls, and frees it on dispose', async () => {
    const before = tf.memory().numTensors;
    const soft = L.MulticlassSoftHKR({ alpha: 50, minMargin: 0.2, temperature: 10 });
    expect(tf.memory().numTensors).toBe(before + 1);
    await expectNoLeakedTensors(() => soft(y, p), 100);
    await expectNoLeakedTensors(() => tf.grad((q: tf.Tensor) => soft(y, q))(p), 100);
    soft.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a failing validation leaks nothing', () => {
    const before = tf.memory().numTensors;
    const bad = tf.tensor2d([
      [1, 1, 0],
      [0, 1, 0],
      [0, 0, 1],
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
      [1, 0, 0],
      [0, 1, 0],
    ]);
    for (let i = 0; i < 10; i++) expect(() => L.MulticlassHKR()(bad, p)).toThrow(/not one-hot/);
    bad.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
