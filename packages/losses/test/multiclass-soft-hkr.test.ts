/**
 * MulticlassSoftHKR is stateful; its fixture replays a sequence of batches through one
 * deel-lip (master, VERSION 1.5.1) loss object and records every value and the running
 * mean after each call. The same sequence must give the same values and state here.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as fs from 'fs';
import * as path from 'path';
import { expectTensorsClose } from '@lipnet/test-utils';
import { MulticlassSoftHKR, type MulticlassSoftHKRArgs } from '../src';

interface Step {
  batch: string;
  labels: string;
  yTrue: number[][];
  yPred: number[][];
  value: number | number[] | number[][];
  currentMean: number;
}
const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'deel-lip-losses.json'), 'utf8')) as {
  softHKR: {
    source: string;
    sequences: { args: Record<string, number | string>; reduction: 'none' | 'mean'; steps: Step[] }[];
  };
};
const TOL = { rtol: 1e-5, atol: 1e-6 };

describe(`MulticlassSoftHKR parity with ${fixture.softHKR.source}`, () => {
  for (const seq of fixture.softHKR.sequences) {
    it(`${JSON.stringify(seq.args)}, reduction ${seq.reduction}: ${seq.steps.length} stateful calls`, () => {
      const args = Object.fromEntries(
        Object.entries(seq.args).map(([k, v]) => [k, v === 'inf' ? Infinity : v]),
      ) as MulticlassSoftHKRArgs;
      const loss = MulticlassSoftHKR({ ...args, reduction: seq.reduction });
      expect(loss.currentMean()).toBeCloseTo(args.minMargin!, 7);
      for (const step of seq.steps) {
        const y = tf.tensor2d(step.yTrue);
        const p = tf.tensor2d(step.yPred);
        const out = loss(y, p);
        let expected = step.value;
        // alpha = inf, 'none': deel-lip returns [n, C]; ours is its mean over classes.
        if (Array.isArray(expected) && Array.isArray(expected[0])) {
          expected = (expected as number[][]).map((r) => r.reduce((a, b) => a + b, 0) / r.length);
        }
        expectTensorsClose(out, expected, TOL);
        expect(loss.currentMean()).toBeCloseTo(step.currentMean, 5);
        tf.dispose([y, p, out]);
      }
      loss.resetState();
      expect(loss.currentMean()).toBeCloseTo(args.minMargin!, 7);
      loss.dispose();
    });
  }

  it('with two classes the wrong-class softmax weight is 1, which gives a closed form', () => {
    // With one wrong class (C = 2), F_wrong = softmax over a single entry = 1 whatever T is,
    // so the loss is (1/α)(−s·ŷ summed) + hinge summed: a closed form.
    const loss = MulticlassSoftHKR({ alpha: 4, minMargin: 1 });
    const y = tf.tensor2d([
      [1, 0],
      [0, 1],
    ]);
    const p = tf.tensor2d([
      [0.2, 0.9],
      [-0.3, 0.1],
    ]);
    // row 0: s = [1, −1], sŷ = [0.2, −0.9]: KR = −0.2 + 0.9 = 0.7; hinge relu(0.5 − 0.2) + relu(0.5 + 0.9) = 1.7
    // row 1: sŷ = [0.3, 0.1]: KR = −0.4; hinge 0.2 + 0.4 = 0.6. Mean: ((0.7/4 + 1.7) + (−0.4/4 + 0.6))/2
    expectTensorsClose(loss(y, p), (0.7 / 4 + 1.7 + (-0.4 / 4 + 0.6)) / 2, TOL);
    loss.dispose();
  });
});
