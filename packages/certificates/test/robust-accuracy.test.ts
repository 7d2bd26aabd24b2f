import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { compile } from 'vega-lite';
import { expectNoLeakedTensors } from '@lipnet/test-utils';
import { LipnetInputError, LipnetOptionError } from '@lipnet/core';
import {
  certificates,
  certificatesFromBound,
  certifiedRobustAccuracy,
  DEFAULT_EPSILONS,
  lipschitzUpperBound,
  provenCertificates,
  robustAccuracySpec,
} from '../src';
import { linearMinimalDistance, randomMatrix } from './helpers';

/** A linear classifier f(x) = Wx + b (rows w_c of W) as a tfjs Dense model, and samples with labels. */
function linearSetup(scale: number, seed: number) {
  const W = randomMatrix(4, 6, seed).map((r) => r.map((v) => v * scale));
  const b = randomMatrix(1, 4, seed + 1)[0]!;
  const model = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [6], units: 4 })] });
  model.layers[0]!.setWeights([tf.transpose(tf.tensor2d(W)), tf.tensor1d(b)]);
  const X = randomMatrix(300, 6, seed + 2).map((r) => r.map((v) => 2 * v));
  const exact = X.map((x) => linearMinimalDistance(W, b, x));
  // labels: the prediction for 80 % of the samples, another class otherwise
  const labels = exact.map((e, i) => (i % 5 === 0 ? (e.c + 1) % 4 : e.c));
  return { model, X, exact, labels };
}

describe('certifiedRobustAccuracy from the proven bound', () => {
  it('equals the exact robust accuracy of a linear classifier (closed-form distances to the decision boundary)', () => {
    const { model, X, exact, labels } = linearSetup(1, 3);
    const x = tf.tensor2d(X);
    const logits = model.predict(x) as tf.Tensor;
    const bound = lipschitzUpperBound(model);
    const c = certifiedRobustAccuracy(logits, labels, { bound });
    expect(c.epsilons).toEqual([...DEFAULT_EPSILONS]);
    const near = (e: number) => exact.some((d) => Math.abs(d.distance - e) < 1e-4 * (1 + e));
    let compared = 0;
    c.epsilons.forEach((e, k) => {
      if (near(e)) return; // a distance at ε itself is decided by float32 rounding
      const truth = exact.filter((d, i) => d.c === labels[i] && d.distance > e).length / X.length;
      expect(c.proven[k]).toBeCloseTo(truth, 10);
      compared++;
    });
    expect(compared).toBeGreaterThan(25);
    expect(c.proven[0]).toBeGreaterThan(0.5);
    expect(c.proven[c.proven.length - 1]).toBeLessThan(c.proven[0]!); // the curve falls
    expect(c.accuracy).toBeCloseTo(0.8, 10);
    tf.dispose([x, logits]);
    model.dispose();
  });

  it('nominal beside proven: with a true constant above the nominal one, the nominal radii overstate, the proven never do', () => {
    const { model, X, exact, labels } = linearSetup(0.8, 7);
    const x = tf.tensor2d(X);
    const logits = model.predict(x) as tf.Tensor;
    const bound = lipschitzUpperBound(model);
    expect(bound.upperBound).toBeGreaterThan(1); // the nominal constant 1 is false
    const { radii } = provenCertificates(model, x, { bound });
    const proven = radii.dataSync();
    const nominalT = certificates(logits, { lipschitzConstant: 1 });
    const nominal = nominalT.dataSync();
    // proven radii never exceed the exact distance (up to the float32 rounding of the logits, ~1e-7 absolute)
    expect(exact.filter((d, i) => proven[i]! > d.distance * (1 + 1e-5) + 1e-6)).toEqual([]);
    expect(exact.some((d, i) => nominal[i]! > d.distance * 1.01)).toBe(true);
    const c = certifiedRobustAccuracy(logits, labels, { bound, nominal: { lipschitzConstant: 1 } });
    expect(c.nominal).toHaveLength(c.epsilons.length);
    expect(c.assumptions.nominal).toMatch(/assumes the network is 1-Lipschitz/);
    expect(c.assumptions.proven).toMatch(/pairwise constants of the proven bound/);
    // monotone in ε, and each curve starts at most at the clean accuracy
    for (const s of [c.proven, c.nominal!]) {
      s.forEach((v, k) => k > 0 && expect(v).toBeLessThanOrEqual(s[k - 1]!));
      expect(s[0]).toBeLessThanOrEqual(c.accuracy);
    }
    tf.dispose([x, logits, radii, nominalT]);
    model.dispose();
  });

  it('one-hot labels give the same curve as class indices; radii are counted with a strict > ε', () => {
    const logits = tf.tensor2d([
      [2, 0],
      [0, 1],
      [1, 0],
    ]);
    const bound = {
      upperBound: 1,
      heads: {
        perHead: [1, 1],
        pairwise: [
          [0, 1],
          [1, 0],
        ],
      },
    };
    const a = certifiedRobustAccuracy(logits, [0, 1, 1], { bound, epsilons: [1, 0, 2] });
    const b = certifiedRobustAccuracy(
      logits,
      tf.tensor2d([
        [1, 0],
        [0, 1],
        [0, 1],
      ]),
      { bound, epsilons: [0, 1, 2] },
    );
    // radii 2, 1, 1; correct: yes, yes, no → ε=0: 2/3, ε=1: 1/3 (radius 1 is not > 1), ε=2: 0
    expect(a.epsilons).toEqual([0, 1, 2]);
    expect(a.proven).toEqual([2 / 3, 1 / 3, 0]);
    expect(b.proven).toEqual(a.proven);
    logits.dispose();
  });

  it('rejects a missing bound, bad radii and mismatched labels, naming the argument', () => {
    const logits = tf.tensor2d([[1, 0]]);
    const bound = { upperBound: 1 };
    expect(() => certifiedRobustAccuracy(logits, [0], {} as never)).toThrow(
      /certifiedRobustAccuracy: .*`bound`.*lipschitzUpperBound/,
    );
    expect(() => certifiedRobustAccuracy(logits, [0], { bound: { upperBound: 0 } })).toThrow(/expected `bound`/);
    expect(() => certifiedRobustAccuracy(logits, [0], { bound, epsilons: [-1] })).toThrow(LipnetOptionError);
    expect(() => certifiedRobustAccuracy(logits, [0], { bound, epsilons: [-1] })).toThrow(/`epsilons\[0\]`/);
    expect(() => certifiedRobustAccuracy(logits, [0], { bound, epsilons: [] })).toThrow(/`epsilons`.*at least 1/);
    expect(() => certifiedRobustAccuracy(logits, [0], { bound, espilons: [1] } as never)).toThrow(/epsilons/);
    expect(() => certifiedRobustAccuracy(logits, [0], { bound, nominal: { lipschitzConstant: -1 } })).toThrow(
      /`nominal.lipschitzConstant`/,
    );
    expect(() => certifiedRobustAccuracy(logits, [0, 1], { bound })).toThrow(LipnetInputError);
    expect(() => certifiedRobustAccuracy(logits, [0, 1], { bound })).toThrow(/got 2 labels for 1 logit rows/);
    logits.dispose();
  });

  it('leaks no tensor', async () => {
    const { model, X, labels } = linearSetup(1, 11);
    const x = tf.tensor2d(X);
    const bound = lipschitzUpperBound(model);
    await expectNoLeakedTensors(() => {
      const { radii, logits } = provenCertificates(model, x, { bound });
      certifiedRobustAccuracy(logits, labels, { bound, nominal: { disjointHeads: true } });
      tf.dispose([radii, logits]);
    }, 1);
    x.dispose();
    model.dispose();
  });
});

describe('provenCertificates', () => {
  it('proves the bound itself and equals certificatesFromBound(model.predict(x), lipschitzUpperBound(model))', () => {
    const { model, X } = linearSetup(1.3, 5);
    const x = tf.tensor2d(X.slice(0, 20));
    const p = provenCertificates(model, x);
    const logits = model.predict(x) as tf.Tensor;
    const ref = certificatesFromBound(logits, lipschitzUpperBound(model));
    expect(Array.from(p.radii.dataSync())).toEqual(Array.from(ref.dataSync()));
    expect(p.bound.upperBound).toBeGreaterThan(1);
    expect(() => provenCertificates(model, x, { batchSize: 0 })).toThrow(/`batchSize` to be an integer ≥ 1/);
    expect(() => provenCertificates(model, x, { bound: {} as never })).toThrow(/expected `bound`/);
    expect(() => provenCertificates(model, x, { use: 'pairs' as never })).toThrow(/`use`/);
    tf.dispose([x, logits, ref, p.radii, p.logits]);
    model.dispose();
  });
});

describe('robustAccuracySpec', () => {
  it('is a Vega-Lite spec that compiles, with one row per ε and curve', () => {
    const c = {
      epsilons: [0, 0.5, 1],
      proven: [0.9, 0.5, 0.1],
      nominal: [0.9, 0.6, 0.2],
      samples: 10,
      accuracy: 0.9,
      assumptions: { proven: '' },
    };
    const spec = robustAccuracySpec(c, { markers: [36 / 255] });
    expect(JSON.parse(JSON.stringify(spec))).toEqual(spec); // plain JSON
    const rows = (spec.data as { values: { series: string; accuracy: number }[] }).values;
    expect(rows).toHaveLength(6);
    expect(rows.filter((r) => r.series === 'nominal').map((r) => r.accuracy)).toEqual([0.9, 0.6, 0.2]);
    const vega = compile(spec as never).spec;
    expect(vega.marks?.length).toBeGreaterThan(0);
  });
});
