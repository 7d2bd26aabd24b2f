/**
 * Inputs that used to run and return something wrong (issue 14), each now refused with a
 * LipnetError naming the option or argument, or (int32 logits) computed exactly.
 */
import * as tf from '@tensorflow/tfjs-core';
import { LipnetInputError, LipnetOptionError } from '@lipnet/core';
import { CategoricalProvableRobustAccuracy, certificates, checkCertificates } from '../src';

const logits = [
  [3, 1, 0],
  [0, 2, 1],
];

describe('certificates: nothing runs silently wrong', () => {
  it('a mistyped option key is refused (was: joint heads used silently)', () => {
    expect(() => certificates(logits, { disjointHead: true } as never)).toThrow(LipnetOptionError);
    expect(() => certificates(logits, { disjointHead: true } as never)).toThrow(
      /^certificates: unknown option `disjointHead`\. Did you mean `disjointHeads`\?/,
    );
  });

  it("disjointHeads: 'yes' is refused (was: taken as true)", () => {
    expect(() => certificates(logits, { disjointHeads: 'yes' } as never)).toThrow(
      "certificates: expected `disjointHeads` to be a boolean, got 'yes'. Pass true or false.",
    );
    expect(() => CategoricalProvableRobustAccuracy({ disjointNeurons: 'yes' } as never)).toThrow(LipnetOptionError);
  });

  it.each([NaN, Infinity, -Infinity])('logits with %p are refused (was: NaN certificates)', (bad) => {
    const t = tf.tensor2d([
      [3, 1, 0],
      [0, bad, 1],
    ]);
    expect(() => certificates(t)).toThrow(LipnetInputError);
    expect(() => certificates(t)).toThrow(/^certificates: `logits` contains -?(NaN|Infinity) at \[1, 1\]/);
    t.dispose();
  });

  it('checkCertificates refuses a NaN distance (was: counted as respected)', () => {
    expect(() => checkCertificates([0.5, 0.2], [NaN, 1])).toThrow(LipnetInputError);
    expect(() => checkCertificates([0.5, 0.2], [NaN, 1])).toThrow(
      /^checkCertificates: `adversarialDistances` contains NaN at \[0\].*Infinity where the attack found nothing/,
    );
    // Infinity still means "no adversarial found": respected trivially.
    expect(checkCertificates([0.5, 0.2], [Infinity, 1]).unattacked).toBe(1);
  });

  it('int32 logits are cast to float32: the same radii as the float logits', () => {
    const f = tf.tensor2d(logits);
    const i = tf.tensor2d(logits, undefined, 'int32');
    const a = certificates(f);
    const b = certificates(i);
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    expect(Array.from(a.dataSync())).toEqual([2 / Math.SQRT2, 1 / Math.SQRT2].map(Math.fround));
    tf.dispose([f, i, a, b]);
  });
});
