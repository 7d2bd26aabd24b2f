// Behaviour specific to foolbox's C&W schedule: exponential search over c, abort-early, confidence.
import * as tf from '@tensorflow/tfjs-core';
import { L2CarliniWagnerAttack } from '../src';
import { linearProblem } from './helpers';

describe('L2CarliniWagnerAttack schedule', () => {
  // Binary linear model: along the best direction the C&W objective is r² + c·max(0, m₀ − G·r), whose
  // minimiser is r = c·G/2 while that is below d = m₀/G. So an adversarial exists only once c ≥ 2d/G.
  const p = linearProblem(11, 4, 12, 2);
  const G = Math.sqrt(p.W.reduce((s, row) => s + (row[0]! - row[1]!) ** 2, 0));
  const cNeeded = (Math.max(...p.dL2) * 2) / G;
  afterAll(() => p.dispose());

  it('multiplies c by 10 per search step until an adversarial is found', async () => {
    // c₀ = cNeeded/50: c takes c₀, 10c₀ (both too small) with 2 search steps; 100c₀, 1000c₀ with 4.
    const initialConst = cNeeded / 50;
    const two = await new L2CarliniWagnerAttack({ binarySearchSteps: 2, steps: 150, initialConst }).run(
      p.model,
      p.images,
      p.labels,
    );
    const four = await new L2CarliniWagnerAttack({ binarySearchSteps: 4, steps: 150, initialConst }).run(
      p.model,
      p.images,
      p.labels,
    );
    expect(Array.from(two.success.dataSync())).toEqual([0, 0, 0, 0]);
    expect(Array.from(four.success.dataSync())).toEqual([1, 1, 1, 1]);
    tf.dispose([two.raw, two.clipped, two.success, four.raw, four.clipped, four.success]);
  });

  it('abort-early ends an Adam run that stopped improving (fewer steps than without it)', async () => {
    let withEvents = 0;
    let withoutEvents = 0;
    const a = await new L2CarliniWagnerAttack({ binarySearchSteps: 2, steps: 200, abortEarly: true }).run(
      p.model,
      p.images,
      p.labels,
      { onProgress: () => withEvents++ },
    );
    const b = await new L2CarliniWagnerAttack({ binarySearchSteps: 2, steps: 200, abortEarly: false }).run(
      p.model,
      p.images,
      p.labels,
      { onProgress: () => withoutEvents++ },
    );
    expect(withEvents).toBeLessThan(withoutEvents);
    expect(Array.from(a.success.dataSync())).toEqual(Array.from(b.success.dataSync()));
    tf.dispose([a.raw, a.clipped, a.success, b.raw, b.clipped, b.success]);
  });

  it('confidence κ pushes the result past the boundary: margin ≥ κ − tolerance', async () => {
    const kappa = 0.5;
    const r = await new L2CarliniWagnerAttack({ binarySearchSteps: 5, steps: 150, confidence: kappa }).run(
      p.model,
      p.images,
      p.labels,
    );
    const z = tf.tidy(() => p.model(r.clipped).arraySync() as number[][]);
    z.forEach((row, i) => {
      const y = p.labels[i]!;
      expect(row[1 - y]! - row[y]!).toBeGreaterThanOrEqual(kappa * 0.98);
    });
    tf.dispose([r.raw, r.clipped, r.success]);
  });
});
