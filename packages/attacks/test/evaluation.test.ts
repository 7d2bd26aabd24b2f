// The whole-dataset runner: robust accuracy per ε equals a direct computation, resumes from its plain
// state exactly (an aborted run + a resumed one = an uninterrupted one), and the chart is plain Vega-Lite data.
import * as tf from '@tensorflow/tfjs-core';
import { LipnetOptionError } from '@lipnet/core';
import { FGSM, L2DeepFoolAttack, robustAccuracy, robustAccuracyChart, type RobustAccuracyState } from '../src';
import { linearProblem } from './helpers';

describe('robustAccuracy', () => {
  const p = linearProblem(5, 12, 12, 4);
  afterAll(() => p.dispose());

  it('equals 1 − success on the correctly classified samples, per ε, with ε = 0 the clean accuracy', async () => {
    const eps = [0, 0.01, 0.05];
    const res = await robustAccuracy(new FGSM(), p.model, p.images, p.labels, { epsilons: eps, batchSize: 5 });
    expect(res.complete).toBe(true);
    expect(res.samples).toBe(12);
    expect(res.cleanAccuracy).toBe(1);
    expect(res.robustAccuracy[0]).toBe(1);
    for (const [k, e] of eps.entries()) {
      if (e === 0) continue;
      const [r] = await new FGSM().run(p.model, p.images, p.labels, { epsilons: [e] });
      const fooled = Array.from(r!.success.dataSync()).reduce((a, b) => a + b, 0);
      expect(res.robustAccuracy[k]).toBeCloseTo(1 - fooled / 12, 10);
      tf.dispose([r!.raw, r!.clipped, r!.success]);
    }
    // The L∞ minimum of each sample is known: FGSM on a linear model is exact in L∞ for two classes only,
    // so here we only check monotonicity in ε.
    expect(res.robustAccuracy[2]).toBeLessThanOrEqual(res.robustAccuracy[1]!);
  });

  it('an aborted run keeps its finished batches, and resuming from the JSON state gives the uninterrupted result', async () => {
    const opts = { epsilons: [0.02, 0.2], batchSize: 4 };
    const full = await robustAccuracy(new L2DeepFoolAttack(), p.model, p.images, p.labels, opts);
    const controller = { aborted: false };
    let saved = '';
    const first = await robustAccuracy(new L2DeepFoolAttack(), p.model, p.images, p.labels, {
      ...opts,
      signal: controller,
      onState: (s) => {
        saved = JSON.stringify(s);
        if (s.done >= 4) controller.aborted = true;
      },
    });
    expect(first.complete).toBe(false);
    expect(first.samples).toBe(4);
    const fractions: number[] = [];
    const resumed = await robustAccuracy(new L2DeepFoolAttack(), p.model, p.images, p.labels, {
      ...opts,
      state: JSON.parse(saved) as RobustAccuracyState,
      onProgress: (e) => fractions.push(e.fraction),
    });
    expect(resumed.complete).toBe(true);
    expect(resumed.robustAccuracy).toEqual(full.robustAccuracy);
    expect(resumed.state.robust).toEqual(full.state.robust);
    expect(fractions[0]).toBeCloseTo(4 / 12, 10);
    expect(fractions[fractions.length - 1]).toBe(1);
    for (let i = 1; i < fractions.length; i++) expect(fractions[i]!).toBeGreaterThanOrEqual(fractions[i - 1]! - 1e-12);
    await expect(
      robustAccuracy(new FGSM(), p.model, p.images, p.labels, {
        ...opts,
        state: JSON.parse(saved) as RobustAccuracyState,
      }),
    ).rejects.toThrow(/robustAccuracy: expected `state` to belong to this run \(LinfFastGradientAttack/);
    await expect(robustAccuracy(new FGSM(), p.model, p.images, p.labels, { epsilons: [] })).rejects.toBeInstanceOf(
      LipnetOptionError,
    );
  });

  it('robustAccuracyChart is a plain Vega-Lite spec with one point per ε and attack', async () => {
    const res = await robustAccuracy(new FGSM(), p.model, p.images, p.labels, { epsilons: [0, 0.05] });
    const spec = robustAccuracyChart(res) as {
      $schema: string;
      data: { values: { epsilon: number; robustAccuracy: number }[] };
    };
    expect(spec.$schema).toMatch(/vega-lite\/v5/);
    expect(spec.data.values.map((v) => v.epsilon)).toEqual([0, 0.05]);
    expect(spec.data.values.map((v) => v.robustAccuracy)).toEqual(res.robustAccuracy);
    expect(JSON.parse(JSON.stringify(spec))).toEqual(spec);
  });
});
