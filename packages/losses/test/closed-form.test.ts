/**
 * Values derived by hand from the formulas (and the rational values deel-lip's own
 * test-suite hard-codes for its 8×3 and 8×1 batches, re-derived here in comments).
 */
import * as tf from '@tensorflow/tfjs-core';
import { expectTensorsClose } from '@lipnet/test-utils';
import * as L from '../src';
import { P8x3, Y8x3_CLASSES } from './helpers';

const oneHot = (classes: number[], c: number) => tf.cast(tf.oneHot(tf.tensor1d(classes, 'int32'), c), 'float32');
const TOL = { rtol: 1e-5, atol: 5e-6 };

describe('KR family: class means', () => {
  // Classes [0,0,1,1,1]; column 0: positives {3,1} mean 2, negatives {0,−1,1} mean 0 → 2;
  // column 1: positives {4,2,3} mean 3, negatives {0,2} mean 1 → 2. MulticlassKR = 2.
  const y = oneHot([0, 0, 1, 1, 1], 2);
  const p = tf.tensor2d([
    [3, 0],
    [1, 2],
    [0, 4],
    [-1, 2],
    [1, 3],
  ]);

  it('MulticlassKR is the mean over classes of E[f|pos] − E[f|neg]', () => {
    expectTensorsClose(L.MulticlassKR()(y, p), 2, TOL);
  });

  it('element-wise values: ℓ_i = mean_c n·ŷ_ic·(S/n_c − (1−S)/(n−n_c))', () => {
    // row 0: (5·3/2 − 5·0/2)/2 = 3.75; row 1: (5·1/2 − 5·2/2)/2 = −1.25; row 2: (−5·0/3 + 5·4/3)/2 = 10/3;
    // row 3: (5·1/3 + 5·2/3)/2 = 2.5; row 4: (−5·1/3 + 5·3/3)/2 = 5/3. Sum 10 = n · 2.
    const v = L.MulticlassKR({ reduction: 'none' })(y, p);
    expectTensorsClose(v, [3.75, -1.25, 10 / 3, 2.5, 5 / 3], TOL);
    expectTensorsClose(L.MulticlassKR({ reduction: 'sum' })(y, p), 10, TOL);
  });

  it('binary KR on a [n,1] batch equals mean(pos) − mean(neg), for {0,1} and {−1,1} labels', () => {
    // deel-lip test: y = [1,1,1,0,0,0], ŷ = [0.5,1.5,−0.5,−0.5,−1.5,0.5] → 0.5 − (−0.5) = 1
    const yp = tf.tensor2d([[1], [1], [1], [0], [0], [0]]);
    const ym = tf.tensor2d([[1], [1], [1], [-1], [-1], [-1]]);
    const pp = tf.tensor2d([[0.5], [1.5], [-0.5], [-0.5], [-1.5], [0.5]]);
    expectTensorsClose(L.KR()(yp, pp), 1, TOL);
    expectTensorsClose(L.KR()(ym, pp), 1, TOL);
    expectTensorsClose(L.KR()(tf.cast(yp, 'int32'), pp), 1, TOL);
    // HingeMargin(2): relu(1 − sŷ) = [0.5, 0, 1.5, 0.5, 0, 1.5] → 4/6
    expectTensorsClose(L.HingeMargin({ minMargin: 2 })(yp, pp), 4 / 6, TOL);
    expectTensorsClose(L.HingeMargin({ minMargin: 2 })(ym, pp), 4 / 6, TOL);
    // 1.2 deelLipVersion: full margin 1 → the same 4/6 with minMargin 1
    expectTensorsClose(L.HingeMargin({ minMargin: 1, deelLipVersion: '1.2' })(yp, pp), 4 / 6, TOL);
    // τ-BCE(2): mean_i softplus(−2·s_i·ŷ_i)/2 = 0.279185 (deel-lip test value)
    expectTensorsClose(L.TauBinaryCrossentropy({ tau: 2 })(ym, pp), 0.279185, { rtol: 2e-6, atol: 1e-6 });
  });
});

describe("deel-lip's 8×1 binary batch, reduction none", () => {
  const y = tf.tensor2d([1, 1, 1, 1, 0, 0, 0, 0], [8, 1]);
  const p = tf.tensor2d([0.5, 1.1, -0.1, 0.7, -1.3, -0.4, 0.2, -0.9], [8, 1]);
  it('KR: n·ŷ/4 for positives, −n·ŷ/4 for negatives (n = 8)', () => {
    expectTensorsClose(L.KR({ reduction: 'none' })(y, p), [1.0, 2.2, -0.2, 1.4, 2.6, 0.8, -0.4, 1.8], TOL);
  });
  it('HingeMargin(1.4): relu(0.7 − sŷ)', () => {
    expectTensorsClose(
      L.HingeMargin({ minMargin: 1.4, reduction: 'none' })(y, p),
      [0.2, 0, 0.8, 0, 0, 0.3, 0.9, 0],
      TOL,
    );
  });
  it('HKR(2.5, 2): −KR + 2.5·relu(1 − sŷ)', () => {
    expectTensorsClose(
      L.HKR({ alpha: 2.5, minMargin: 2, reduction: 'none' })(y, p),
      [0.25, -2.2, 2.95, -0.65, -2.6, 0.7, 3.4, -1.55],
      TOL,
    );
  });
  it('HKR with alpha = Infinity is the hinge alone', () => {
    expectTensorsClose(L.HKR({ alpha: Infinity, minMargin: 1.4 })(y, p), (0.2 + 0.8 + 0.3 + 0.9) / 8, TOL);
  });
});

describe("deel-lip's 8×3 multiclass batch, reduction none", () => {
  const y = oneHot(Y8x3_CLASSES, 3);
  const p = tf.tensor2d(P8x3);
  it('MulticlassKR = [326, 314, 120, 250, 496, −258, 396, 450] / 225', () => {
    expectTensorsClose(
      L.MulticlassKR({ reduction: 'none' })(y, p),
      [326, 314, 120, 250, 496, -258, 396, 450].map((v) => v / 225),
      TOL,
    );
  });
  it('MulticlassHinge(2): row 0 = (2·relu(1 − 1.5) + relu(1 + 0.2) + relu(1 − 0.5))/3 = 17/30', () => {
    expectTensorsClose(
      L.MulticlassHinge({ minMargin: 2, reduction: 'none' })(y, p),
      [17, 13, 34, 15, 12, 62, 17, 45].map((v) => v / 30),
      TOL,
    );
  });
  it('MultiMargin(0.7): row 2 = (relu(0.7 − 0.8 + 2) + relu(0.7 − 0.8 − 2))/3 = 19/30', () => {
    expectTensorsClose(
      L.MultiMargin({ minMargin: 0.7, reduction: 'none' })(y, p),
      [0, 0, 19, 0, 0, 35, 0, 0].map((v) => v / 30),
      TOL,
    );
  });
  it('MulticlassHKR(2.5, 1) = −KR + 2.5·Hinge(0.5) = [−779, −656, 1395, −625, −1609, 4557, −1284, 825] / 900', () => {
    expectTensorsClose(
      L.MulticlassHKR({ alpha: 2.5, minMargin: 1, reduction: 'none' })(y, p),
      [-779, -656, 1395, -625, -1609, 4557, -1284, 825].map((v) => v / 900),
      TOL,
    );
  });
  it('CategoricalHinge(1.1): relu(1.1 − (ŷ_true − max_other))', () => {
    // row 1: 1.1 − (1 − 0.3) = 0.4; row 2: 1.1 − (0.8 − 2) = 2.3; row 5: 1.1 − (−0.4 − 2.4) = 3.9
    expectTensorsClose(
      L.CategoricalHinge({ minMargin: 1.1, reduction: 'none' })(y, p),
      [0, 0.4, 2.3, 0.1, 0, 3.9, 0.4, 0],
      TOL,
    );
  });
  it('τ-CCE(2) and sparse τ-CCE(2): −log softmax(2ŷ)_true / 2', () => {
    const want = [0.044275, 0.115109, 1.243572, 0.084923, 0.010887, 2.8023, 0.114224, 0.076357];
    expectTensorsClose(L.TauCategoricalCrossentropy({ tau: 2, reduction: 'none' })(y, p), want, {
      rtol: 1e-5,
      atol: 1e-6,
    });
    const sparse = tf.tensor1d(Y8x3_CLASSES, 'int32');
    expectTensorsClose(L.TauSparseCategoricalCrossentropy({ tau: 2, reduction: 'none' })(sparse, p), want, {
      rtol: 1e-5,
      atol: 1e-6,
    });
    // row 0 by hand: z = [3, 0.4, −1]; log Σ e^z − 3 = log(1 + e^−2.6 + e^−4) → /2
    const row0 = Math.log(1 + Math.exp(-2.6) + Math.exp(-4)) / 2;
    expect(row0).toBeCloseTo(0.044275, 6);
  });
  it('{−1, 1} one-hot labels give the same values as {0, 1}', () => {
    const ypm = tf.sub(tf.mul(y, 2), 1);
    for (const f of [
      L.MulticlassKR(),
      L.MulticlassHinge(),
      L.MulticlassHKR(),
      L.MultiMargin(),
      L.CategoricalHinge({ minMargin: 1 }),
    ]) {
      expectTensorsClose(f(ypm, p), f(y, p), TOL);
    }
  });
});

describe("deel-lip's 6×3 batch, batch mean", () => {
  const y = oneHot([0, 0, 0, 1, 1, 2], 3);
  const p = tf.tensor2d([
    [2, 0.2, -0.5],
    [-1, -1.2, 0.3],
    [0.8, 2, 0],
    [0, 1, -0.5],
    [2.4, -0.4, -1.1],
    [-0.1, -1.7, 0.6],
  ]);
  it('MulticlassKR = 761/1800, the mean of the three class-mean differences', () => {
    // c0: positives {2, −1, 0.8} mean 0.6, negatives {0, 2.4, −0.1} mean 2.3/3;
    // c1: positives {1, −0.4} mean 0.3, negatives {0.2, −1.2, 2, −1.7} mean −0.7/4;
    // c2: positive {0.6}, negatives {−0.5, 0.3, 0, −0.5, −1.1} mean −1.8/5.
    const byHand = (0.6 - 2.3 / 3 + (0.3 - -0.7 / 4) + (0.6 - -1.8 / 5)) / 3;
    expect(byHand).toBeCloseTo(761 / 1800, 12);
    expectTensorsClose(L.MulticlassKR()(y, p), 761 / 1800, TOL);
  });
  it('MulticlassHKR(5, 2) = 1071/200', () => {
    expectTensorsClose(L.MulticlassHKR({ alpha: 5, minMargin: 2 })(y, p), 1071 / 200, TOL);
  });
});
