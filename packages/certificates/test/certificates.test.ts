import * as tf from '@tensorflow/tfjs-core';
import { expectNoLeakedTensors } from '@lipnet/test-utils';
import { LipnetOptionError } from '@lipnet/core';
import { certificates, certificatesFromBound } from '../src';
import { linearMinimalDistance, orthonormalRows, randomMatrix } from './helpers';

function linearLogits(W: number[][], b: number[], X: number[][]): number[][] {
  return X.map((x) => W.map((w, i) => w.reduce((s, v, k) => s + v * x[k]!, b[i]!)));
}
const arr = (t: tf.Tensor) => {
  const a = Array.from(t.dataSync());
  t.dispose();
  return a;
};

describe('certificates: closed forms on hand values', () => {
  it('divides the top-2 margin by √2·L (whole network) or 2L (disjoint heads)', () => {
    const y = [
      [3, 1, 0],
      [0.5, 2.5, 2.0],
      [1, 1, 0],
    ];
    expect(arr(certificates(y))).toEqual([expect.closeTo(2 / Math.SQRT2, 6), expect.closeTo(0.5 / Math.SQRT2, 6), 0]);
    expect(arr(certificates(y, { disjointHeads: true }))).toEqual([expect.closeTo(1, 6), expect.closeTo(0.25, 6), 0]);
    expect(arr(certificates(y, { disjointHeads: true, lipschitzConstant: 0.5 }))).toEqual([
      expect.closeTo(2, 6),
      expect.closeTo(0.5, 6),
      0,
    ]);
  });
  it('binary scores: |f|/L', () => {
    expect(arr(certificates(tf.tensor1d([-0.5, 2]), { lipschitzConstant: 2 }))).toEqual([0.25, 1]);
    expect(arr(certificates(tf.tensor2d([[-0.5], [2]])))).toEqual([0.5, 2]);
  });
  it('per-head constants: min over j of (f_c − f_j)/(L_c + L_j), not only the runner-up', () => {
    // c = 0; j = 1: 2/(1+2) = 0.6667; j = 2: 3/(1+0.5) = 2 → 0.6667.
    expect(arr(certificates([[3, 1, 0]], { headLipschitzConstants: [1, 2, 0.5] }))[0]).toBeCloseTo(2 / 3, 6);
    // runner-up is not the binding class: j = 1 margin 0.5 over L 10 → 0.05 < j = 2 margin 1 over 2.
    expect(arr(certificates([[3, 2.5, 2]], { headLipschitzConstants: [1, 9, 1] }))[0]).toBeCloseTo(0.05, 6);
  });
  it('pairwise constants: min_j (f_c − f_j)/L_cj', () => {
    const P = [
      [0, 1, 4],
      [1, 0, 1],
      [4, 1, 0],
    ];
    // c = 0: j=1: 2/1, j=2: 3/4 → 0.75
    expect(arr(certificates([[3, 1, 0]], { pairwiseLipschitzConstants: P }))[0]).toBeCloseTo(0.75, 6);
  });
  it('rejects bad arguments with messages that name the argument, the value and the fix', () => {
    expect(() => certificates([[1, 0]], { lipschitzConstant: 0 })).toThrow(
      /certificates: expected `lipschitzConstant` to be a finite number > 0, got 0\. Pass/,
    );
    expect(() => certificates([[1, 0]], { lipschitzConstant: 0 })).toThrow(LipnetOptionError);
    expect(() => certificates([[1, 0, 2]], { headLipschitzConstants: [1, 1] })).toThrow(/3 entries.*got 2/);
    expect(() => certificates(tf.zeros([2, 2, 2]))).toThrow(
      /`logits` to have rank 1 or 2 \[n, C\], got a float32 tensor of shape \[2, 2, 2\]/,
    );
  });
  it('leaks no tensor', async () => {
    const y = tf.tensor2d([
      [3, 1, 0],
      [0, 1, 2],
    ]);
    await expectNoLeakedTensors(() =>
      certificates(y, {
        pairwiseLipschitzConstants: [
          [0, 1, 1],
          [1, 0, 1],
          [1, 1, 0],
        ],
      }),
    );
    await expectNoLeakedTensors(() => certificates(y));
    y.dispose();
  });
});

describe('certificates equal the exact minimal adversarial distance of linear models', () => {
  const X = randomMatrix(40, 5, 11).map((r) => r.map((v) => 3 * v));

  it('whole network: 3 classes, orthonormal rows (L = 1, ‖w_c − w_j‖ = √2): (top1 − top2)/√2 is exact', () => {
    const W = orthonormalRows(3, 5, 3);
    const b = [0.1, -0.2, 0.3];
    const cert = arr(certificates(linearLogits(W, b, X)));
    X.forEach((x, i) => {
      const { distance, c, j } = linearMinimalDistance(W, b, x);
      expect(cert[i]).toBeCloseTo(distance, 5);
      // and it is attained: stepping just past the radius along w_j − w_c flips the decision, just short of it does not
      const dir = W[j]!.map((v, k) => v - W[c]![k]!);
      const nd = Math.hypot(...dir);
      for (const [scale, flips] of [
        [1.001, true],
        [0.999, false],
      ] as const) {
        const xa = x.map((v, k) => v + (scale * distance * dir[k]!) / nd);
        const f = linearLogits(W, b, [xa])[0]!;
        expect(f[j]! > f[c]!).toBe(flips);
      }
    });
  });

  it('disjoint heads: 2 classes with w₂ = −w₁, ‖w₁‖ = 1 (each head 1-Lipschitz): (top1 − top2)/2 is exact', () => {
    const w = orthonormalRows(1, 5, 5)[0]!;
    const W = [w, w.map((v) => -v)];
    const b = [0.2, -0.1];
    const cert = arr(certificates(linearLogits(W, b, X), { disjointHeads: true }));
    X.forEach((x, i) => expect(cert[i]).toBeCloseTo(linearMinimalDistance(W, b, x).distance, 5));
  });

  it('binary: f = w·x + b with L = ‖w‖: |f|/L is exact', () => {
    const w = randomMatrix(1, 5, 9)[0]!;
    const L = Math.hypot(...w);
    const f = X.map((x) => w.reduce((s, v, k) => s + v * x[k]!, 0.3));
    const cert = arr(certificates(tf.tensor1d(f), { lipschitzConstant: L }));
    // binary = 2 classes with logits (f, 0): distance to {f = 0}
    X.forEach((x, i) =>
      expect(cert[i]).toBeCloseTo(linearMinimalDistance([w, w.map(() => 0)], [0.3, 0], x).distance, 5),
    );
  });

  it('general W: √2·σ_max and 2·max‖w_i‖ certificates are sound lower bounds; pairwise constants are exact', () => {
    const W = randomMatrix(4, 5, 21);
    const b = [0, 0.5, -0.5, 0.25];
    const logits = linearLogits(W, b, X);
    const exact = X.map((x) => linearMinimalDistance(W, b, x).distance);
    const rowNorms = W.map((w) => Math.hypot(...w));
    const pair = W.map((wi) => W.map((wj) => Math.hypot(...wi.map((v, k) => v - wj[k]!))));
    // σ_max(W) via a Gram power iteration is enough for a *lower* sanity bound; use Frobenius (≥ σ_max) for soundness here
    const fro = Math.sqrt(W.flat().reduce((s, v) => s + v * v, 0));
    const whole = arr(certificates(logits, { lipschitzConstant: fro }));
    const heads = arr(certificates(logits, { disjointHeads: true, lipschitzConstant: Math.max(...rowNorms) }));
    const perHead = arr(certificates(logits, { headLipschitzConstants: rowNorms }));
    const pairwise = arr(certificates(logits, { pairwiseLipschitzConstants: pair }));
    exact.forEach((d, i) => {
      expect(whole[i]).toBeLessThanOrEqual(d * (1 + 1e-5));
      expect(heads[i]).toBeLessThanOrEqual(d * (1 + 1e-5));
      expect(perHead[i]).toBeLessThanOrEqual(d * (1 + 1e-5));
      expect(perHead[i]).toBeGreaterThanOrEqual(heads[i]! * (1 - 1e-5));
      expect(pairwise[i]).toBeCloseTo(d, 5);
    });
  });

  it('certificatesFromBound picks pairwise / heads / global constants from a bound report', () => {
    const y = [[3, 1, 0]];
    const bound = {
      upperBound: 1,
      heads: {
        perHead: [1, 2, 0.5],
        pairwise: [
          [0, 1, 4],
          [1, 0, 1],
          [4, 1, 0],
        ],
      },
    };
    expect(arr(certificatesFromBound(y, bound))[0]).toBeCloseTo(0.75, 6);
    expect(arr(certificatesFromBound(y, bound, { use: 'heads' }))[0]).toBeCloseTo(2 / 3, 6);
    expect(arr(certificatesFromBound(y, bound, { use: 'global' }))[0]).toBeCloseTo(2 / Math.SQRT2, 6);
    expect(() => certificatesFromBound(y, { upperBound: 1 }, { use: 'heads' })).toThrow(
      /needs per-head bounds.*Pass `use: 'global'`/,
    );
  });
});
