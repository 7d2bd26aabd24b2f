/**
 * Parity with deel-lip itself: every number below was produced by deel-lip 1.5.0
 * (and 1.2.0 for `legacy`) running in TensorFlow 2.15, by tools/reference/fixtures_losses.py.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as fs from 'fs';
import * as path from 'path';
import { expectTensorsClose } from '@lipnet/test-utils';
import { MulticlassHKR } from '../src';
import { build } from './helpers';

interface Case {
  loss: string;
  args: Record<string, unknown>;
  batch: string;
  labels: string;
  yTrue: number[] | number[][];
  yPred: number[][];
  none: number[];
  mean: number;
  sum: number;
}
interface LegacyCase {
  loss: string;
  args: Record<string, number>;
  batch: string;
  yTrue: number[][];
  yPred: number[][];
  value: number;
}
const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'deel-lip-losses.json'), 'utf8')) as {
  deelLip: string;
  cases: Case[];
  legacy: { deelLip: string; cases: LegacyCase[] };
};

// 1e-5 relative; the absolute floor covers element-wise values that cancel to ~0
// (float32 sums of terms of size ~1 carry ~1e-7 absolute error).
const TOL = { rtol: 1e-5, atol: 1e-6 };

const labelTensor = (c: { yTrue: number[] | number[][]; loss: string }) =>
  c.loss === 'TauSparseCategoricalCrossentropy' ? tf.tensor1d(c.yTrue as number[], 'int32') : tf.tensor2d(c.yTrue);

describe(`parity with deel-lip ${fixture.deelLip}`, () => {
  it('has several batches for every loss', () => {
    const byLoss = new Map<string, Set<string>>();
    for (const c of fixture.cases) byLoss.set(c.loss, (byLoss.get(c.loss) ?? new Set()).add(c.batch));
    expect([...byLoss.keys()].sort()).toEqual(
      [
        'CategoricalHinge',
        'HKR',
        'HingeMargin',
        'KR',
        'MultiMargin',
        'MulticlassHKR',
        'MulticlassHinge',
        'MulticlassKR',
        'TauBinaryCrossentropy',
        'TauCategoricalCrossentropy',
        'TauSparseCategoricalCrossentropy',
      ].sort(),
    );
    for (const [, batches] of byLoss) expect(batches.size).toBeGreaterThanOrEqual(2);
  });

  for (const c of fixture.cases) {
    it(`${c.loss}(${JSON.stringify(c.args)}) on ${c.batch}, labels ${c.labels}: none / mean / sum`, () => {
      const yTrue = labelTensor(c);
      const yPred = tf.tensor2d(c.yPred);
      for (const [reduction, expected] of [
        ['none', c.none],
        ['mean', c.mean],
        ['sum', c.sum],
      ] as const) {
        const out = build(c.loss, c.args, { reduction })(yTrue, yPred);
        expectTensorsClose(out, expected, TOL);
        expect(out.shape).toEqual(reduction === 'none' ? [c.yPred.length] : []);
        out.dispose();
      }
      tf.dispose([yTrue, yPred]);
    });
  }
});

describe(`legacy deelLipVersion: deel-lip ${fixture.legacy.deelLip} batch scalars`, () => {
  for (const c of fixture.legacy.cases) {
    it(`${c.loss}(${JSON.stringify(c.args)}) on ${c.batch}`, () => {
      const yTrue = tf.tensor2d(c.yTrue);
      const yPred = tf.tensor2d(c.yPred);
      const legacy = build(c.loss, c.args, { deelLipVersion: '1.2' })(yTrue, yPred);
      expect(legacy.shape).toEqual([]);
      expectTensorsClose(legacy, c.value, TOL);
      // The equivalence: 1.2 with margin m equals the 1.5 batch mean with margin 2m (not for
      // multilabel KR/HKR: 1.2 pooled all entries, 1.5 averages per-column KR terms).
      const pooledKR = c.batch.includes('multilabel') && c.loss === 'HKR';
      if ('minMargin' in c.args && c.loss !== 'MultiMargin' && !pooledKR) {
        const modern = build(c.loss, { ...c.args, minMargin: 2 * c.args.minMargin })(yTrue, yPred);
        expectTensorsClose(modern, c.value, TOL);
        modern.dispose();
      }
      tf.dispose([legacy, yTrue, yPred]);
    });
  }

  it("reproduces the notes' y3 example: 1.2 (100, 0.25) = 44.045 = 1.5 (100, 0.5), and 1.5 (100, 0.25) = 38.315834", () => {
    const c = fixture.legacy.cases.find((k) => k.batch === 'deel_lip_test_8x3')!;
    expect(c.value).toBeCloseTo(44.045, 4); // deel-lip 1.2.0's own output
    const y = tf.tensor2d(c.yTrue);
    const p = tf.tensor2d(c.yPred);
    const v12 = MulticlassHKR({ alpha: 100, minMargin: 0.25, deelLipVersion: '1.2' })(y, p);
    const v15 = MulticlassHKR({ alpha: 100, minMargin: 0.5 })(y, p);
    const v15q = MulticlassHKR({ alpha: 100, minMargin: 0.25 })(y, p);
    expectTensorsClose(v12, 44.045, TOL);
    expectTensorsClose(v15, 44.045, TOL);
    expectTensorsClose(v15q, 38.315834, TOL);
    tf.dispose([y, p, v12, v15, v15q]);
  });
});
