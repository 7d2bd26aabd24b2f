import * as tf from '@tensorflow/tfjs-core';
import * as L from '../src';
import { LipnetInputError, LipnetOptionError } from '@lipnet/core';

const y3 = tf.tensor2d([
  [1, 0, 0],
  [0, 1, 0],
]);
const p3 = tf.tensor2d([
  [0.1, 0.2, 0.3],
  [0.4, 0.5, 0.6],
]);

function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

describe('argument validation', () => {
  it('alpha < 0 names the loss, the argument and the value', () => {
    const e = thrown(() => L.MulticlassHKR({ alpha: -1 }));
    expect(e).toBeInstanceOf(LipnetOptionError);
    expect(e.name).toBe('LipnetOptionError');
    expect(e.message).toMatch(
      /^MulticlassHKR: expected `alpha` to be a number ≥ 0 \(Infinity allowed\), got -1\. Pass a non-negative/,
    );
    expect(() => L.HKR({ alpha: -0.5 })).toThrow(/^HKR: expected `alpha`.*got -0\.5\./);
    expect(() => L.HKR({ alpha: NaN })).toThrow(/^HKR: expected `alpha`.*got NaN\./);
    expect(() => L.HKR({} as L.HKRArgs)).toThrow(/^HKR: the option `alpha` is required\. Pass a number ≥ 0/);
    expect(() => L.MulticlassSoftHKR({ alpha: 0 })).toThrow(
      /^MulticlassSoftHKR: expected `alpha` to be a number > 0.*got 0\./,
    );
  });

  it('minMargin <= 0 (and NaN, Infinity) is rejected by every margin loss', () => {
    for (const [name, make] of [
      ['HingeMargin', (m: number) => L.HingeMargin({ minMargin: m })],
      ['HKR', (m: number) => L.HKR({ alpha: 1, minMargin: m })],
      ['MulticlassHinge', (m: number) => L.MulticlassHinge({ minMargin: m })],
      ['MulticlassHKR', (m: number) => L.MulticlassHKR({ minMargin: m })],
      ['MultiMargin', (m: number) => L.MultiMargin({ minMargin: m })],
      ['CategoricalHinge', (m: number) => L.CategoricalHinge({ minMargin: m })],
      ['MulticlassSoftHKR', (m: number) => L.MulticlassSoftHKR({ minMargin: m })],
    ] as const) {
      expect(() => make(0)).toThrow(
        new RegExp(`^${name}: expected \`minMargin\` to be a finite number > 0, got 0\\. Pass a positive margin`),
      );
      expect(() => make(-0.25)).toThrow(new RegExp(`^${name}: .*minMargin.*got -0\\.25\\.`));
      expect(() => make(NaN)).toThrow(new RegExp(`^${name}: .*minMargin.*got NaN\\.`));
      expect(() => make(Infinity)).toThrow(new RegExp(`^${name}: .*minMargin.*got Infinity\\.`));
    }
  });

  it('tau, reduction, deelLipVersion, validate, name, alphaMean', () => {
    expect(() => L.TauCategoricalCrossentropy({ tau: 0 })).toThrow(
      /^TauCategoricalCrossentropy: expected `tau` to be a finite number > 0.*got 0\./,
    );
    expect(() => L.TauBinaryCrossentropy({ tau: -2 })).toThrow(/^TauBinaryCrossentropy: .*`tau`.*got -2\./);
    expect(() => L.MulticlassKR({ reduction: 'avg' as L.Reduction })).toThrow(
      /^MulticlassKR: expected `reduction` to be one of 'mean', 'sum', 'none', got 'avg'\./,
    );
    expect(() => L.MulticlassHKR({ deelLipVersion: '1.3' as L.DeelLipVersion })).toThrow(
      /^MulticlassHKR: expected `deelLipVersion` to be one of '1\.5', '1\.2', got '1\.3'/,
    );
    expect(() => L.MulticlassHKR({ deelLipVersion: '1.2', reduction: 'none' })).toThrow(
      /^MulticlassHKR: expected `reduction` 'mean' with deelLipVersion '1\.2', got 'none'\. deel-lip 1\.2 losses are batch scalars/,
    );
    expect(() => L.KR({ validate: 'yes' as unknown as boolean })).toThrow(
      /^KR: expected `validate` to be a boolean, got 'yes'/,
    );
    expect(() => L.KR({ name: '' })).toThrow(/^KR: expected `name` to be a non-empty string/);
    expect(() => L.MulticlassSoftHKR({ alphaMean: 1.5 })).toThrow(
      /^MulticlassSoftHKR: expected `alphaMean` to be a number in \[0, 1\], got 1\.5\./,
    );
  });
});

describe('input validation', () => {
  it('label/prediction shape mismatch', () => {
    const e = thrown(() => L.MulticlassHKR()(tf.tensor2d([[1, 0]]), p3));
    expect(e).toBeInstanceOf(LipnetInputError);
    expect(e.name).toBe('LipnetInputError');
    expect(e.message).toMatch(
      /^MulticlassHKR: `yTrue` has shape \[1, 2\] but `yPred` has shape \[2, 3\]\. Pass labels with the same shape/,
    );
    expect(() => L.KR()(tf.tensor1d([1, 0]), tf.tensor1d([0.3, 0.1]))).toThrow(
      /^KR: expected `yPred` of rank 2 \(\[batch, outputs\]\), got shape \[2\]\. Reshape it/,
    );
    expect(() => L.MulticlassKR()(tf.tensor2d([[1], [1]]), tf.tensor2d([[1], [2]]))).toThrow(
      /^MulticlassKR: expected at least 2 classes/,
    );
    expect(() => L.TauSparseCategoricalCrossentropy({ tau: 1 })(tf.tensor1d([0, 1, 2], 'int32'), p3)).toThrow(
      /^TauSparseCategoricalCrossentropy: expected `yTrue` of shape \[2\] or \[2, 1\]/,
    );
  });

  it('non-one-hot labels where one-hot is required: the row, the count and the values', () => {
    expect(() =>
      L.MulticlassHKR()(
        tf.tensor2d([
          [1, 0, 0],
          [0, 1, 1],
        ]),
        p3,
      ),
    ).toThrow(
      /^MulticlassHKR: `yTrue` row 1 is not one-hot: it has 2 positive entries \(\[0,1,1\]\)\. Pass one-hot labels/,
    );
    expect(() =>
      L.MultiMargin()(
        tf.tensor2d([
          [0, 0, 0],
          [0, 1, 0],
        ]),
        p3,
      ),
    ).toThrow(/^MultiMargin: `yTrue` row 0 is not one-hot: it has 0 positive entries/);
    expect(() =>
      L.CategoricalHinge({ minMargin: 1 })(
        tf.tensor2d([
          [0.9, 0.05, 0.05],
          [0, 1, 0],
        ]),
        p3,
      ),
    ).toThrow(
      /^CategoricalHinge: `yTrue` has value 0\.9\d* at \[0, 0\]; expected one-hot labels with values in \{0, 1\} or \{−1, 1\}\. Label smoothing/,
    );
    // binary losses accept multilabel rows but not values outside {−1, 0, 1}
    expect(() => L.KR()(tf.tensor2d([[1], [2]]), tf.tensor2d([[0.1], [0.2]]))).toThrow(
      /^KR: `yTrue` has value 2 at \[1, 0\]; expected labels in \{0, 1\} or \{−1, 1\}/,
    );
    expect(() => L.TauSparseCategoricalCrossentropy({ tau: 1 })(tf.tensor1d([0, 3], 'int32'), p3)).toThrow(
      /^TauSparseCategoricalCrossentropy: `yTrue` has value 3 at \[1\]; expected integer class indices in \[0, 2\]/,
    );
    expect(() =>
      L.TauCategoricalCrossentropy({ tau: 1 })(
        tf.tensor2d([
          [-1, 1, 1],
          [0, 1, 0],
        ]),
        p3,
      ),
    ).toThrow(
      /^TauCategoricalCrossentropy: `yTrue` has value -1 at \[0, 0\]; expected finite non-negative class probabilities/,
    );
  });

  it('NaN and Infinity in predictions or labels', () => {
    expect(() =>
      L.MulticlassKR()(
        y3,
        tf.tensor2d([
          [0.1, NaN, 0.3],
          [0, 0, 0],
        ]),
      ),
    ).toThrow(/^MulticlassKR: `yPred` contains NaN at \[0, 1\]\. The model output is not finite/);
    expect(() => L.HKR({ alpha: 1 })(tf.tensor2d([[1], [0]]), tf.tensor2d([[0.1], [-Infinity]]))).toThrow(
      /^HKR: `yPred` contains -Infinity at \[1, 0\]/,
    );
    expect(() =>
      L.MulticlassHinge()(
        tf.tensor2d([
          [1, 0, NaN],
          [0, 1, 0],
        ]),
        p3,
      ),
    ).toThrow(/^MulticlassHinge: `yTrue` has value NaN at \[0, 2\]/);
  });

  it('validate: false skips the value checks (not the shape checks) and computes the formula as is', () => {
    const twoHot = tf.tensor2d([
      [1, 1, 0],
      [0, 1, 0],
    ]);
    const loose = L.MulticlassKR({ validate: false });
    expect(() => loose(twoHot, p3).dispose()).not.toThrow();
    expect(() => loose(tf.tensor2d([[1, 0]]), p3)).toThrow(/shape/);
    const nan = L.MulticlassKR({ validate: false })(
      y3,
      tf.tensor2d([
        [NaN, 0, 0],
        [0, 0, 0],
      ]),
    );
    expect(Number.isNaN(nan.dataSync()[0])).toBe(true);
  });

  it('int32 labels are accepted and give the float result', () => {
    const a = L.MulticlassHKR()(tf.cast(y3, 'int32'), p3).dataSync()[0];
    const b = L.MulticlassHKR()(y3, p3).dataSync()[0];
    expect(a).toBe(b);
  });
});
