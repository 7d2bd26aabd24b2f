/**
 * Inputs that used to run and return something wrong (issue 14): an empty batch gave 0,
 * mistyped option keys were ignored. Each is now refused with a LipnetError naming it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { LipnetInputError, LipnetOptionError } from '@lipnet/core';
import * as L from '../src';

const factories: [string, () => L.LipschitzLoss, number][] = [
  ['KR', () => L.KR(), 1],
  ['HingeMargin', () => L.HingeMargin(), 1],
  ['HKR', () => L.HKR({ alpha: 10 }), 1],
  ['MulticlassKR', () => L.MulticlassKR(), 3],
  ['MulticlassHinge', () => L.MulticlassHinge(), 3],
  ['MulticlassHKR', () => L.MulticlassHKR(), 3],
  ['MultiMargin', () => L.MultiMargin(), 3],
  ['CategoricalHinge', () => L.CategoricalHinge({ minMargin: 1 }), 3],
  ['TauCategoricalCrossentropy', () => L.TauCategoricalCrossentropy({ tau: 1 }), 3],
  ['TauBinaryCrossentropy', () => L.TauBinaryCrossentropy({ tau: 1 }), 1],
  ['MulticlassSoftHKR', () => L.MulticlassSoftHKR(), 3],
];

describe('losses: an empty batch is refused (was: 0)', () => {
  it.each(factories)('%s', (name, make, c) => {
    const loss = make();
    const y = tf.zeros([0, c]);
    const p = tf.zeros([0, c]);
    expect(() => loss(y, p)).toThrow(LipnetInputError);
    expect(() => loss(y, p)).toThrow(new RegExp(`^${name}: \`yPred\` is empty \\(shape \\[0, ${c}\\]\\)`));
    tf.dispose([y, p]);
  });
});

describe('losses: options are checked', () => {
  it('a mistyped key is refused with the closest valid one; snake_case finds camelCase', () => {
    expect(() => L.MulticlassHKR({ min_margin: 1 } as never)).toThrow(LipnetOptionError);
    expect(() => L.MulticlassHKR({ min_margin: 1 } as never)).toThrow(
      /^MulticlassHKR: unknown option `min_margin`\. Did you mean `minMargin`\?/,
    );
    expect(() => L.KR({ semantics: '1.2' } as never)).toThrow(
      'KR: the option `semantics` was renamed `deelLipVersion`. Pass `deelLipVersion` instead.',
    );
    expect(() => L.MulticlassHKR({ validate: 'yes' } as never)).toThrow(/expected `validate` to be a boolean/);
  });
});
