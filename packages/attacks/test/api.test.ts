// Input validation, criteria, preprocessing, batching, progress/stop, seeds and distances.
import { LipnetError } from '@lipnet/core';
import * as tf from '@tensorflow/tfjs-core';
import {
  DDNAttack,
  L2CarliniWagnerAttack,
  L2DeepFoolAttack,
  L2FMNAttack,
  L2PGD,
  LinfPGD,
  Rng,
  distances,
  type AttackResult,
} from '../src';
import { linearProblem } from './helpers';

const p = linearProblem(5, 6, 8, 3);
afterAll(() => p.dispose());
const free = (r: AttackResult | AttackResult[]) =>
  tf.dispose((Array.isArray(r) ? r : [r]).flatMap((x) => [x.raw, x.clipped, x.success]));

describe('validation: clear errors naming the attack, the argument, the value and the fix', () => {
  it('rejects images outside the bounds instead of clipping them', async () => {
    const bad = tf.add(p.images, 0.8);
    await expect(new L2PGD().run(p.model, bad, p.labels, { epsilons: [0.1] })).rejects.toThrow(
      /^L2PGD: expected `images` to lie inside bounds \[0, 1\], got values in \[.*\]\. Scale the images/,
    );
    await expect(new L2PGD().run(p.model, bad, p.labels, { epsilons: [0.1] })).rejects.toBeInstanceOf(LipnetError);
    bad.dispose();
  });
  it('rejects a label count mismatch, float labels and out-of-range classes', async () => {
    const cw = new L2CarliniWagnerAttack({ steps: 1, binarySearchSteps: 1 });
    await expect(cw.run(p.model, p.images, p.labels.slice(1))).rejects.toThrow(
      /L2CarliniWagnerAttack: expected `labels` to hold 6 class indices \(one per image\), got 5 values\./,
    );
    const fl = tf.tensor1d(p.labels, 'float32');
    await expect(cw.run(p.model, p.images, fl)).rejects.toThrow(
      /expected `labels` to be an int32 tensor of class indices, got a float32 tensor\. Cast it/,
    );
    fl.dispose();
    await expect(cw.run(p.model, p.images, [0, 1, 2, 0, 1, 7])).rejects.toThrow(
      /`labels` to hold class indices < 3 .*got 7/,
    );
    await expect(cw.run(p.model, p.images, [0, 1, 2, 0, 1, 0.5])).rejects.toThrow(
      /non-negative integer class indices, got 0\.5/,
    );
  });
  it('rejects NaN logits, non-positive steps and step sizes, missing epsilons', async () => {
    const nanModel = (x: tf.Tensor) => tf.mul(p.model(x), NaN);
    await expect(new L2DeepFoolAttack().run(nanModel, p.images, p.labels)).rejects.toThrow(
      /L2DeepFoolAttack: expected `model` to return finite logits, got NaN or ±Infinity/,
    );
    expect(() => new L2CarliniWagnerAttack({ steps: 0 })).toThrow(
      /L2CarliniWagnerAttack: expected `steps` to be an integer ≥ 1, got 0\. Pass an integer ≥ 1\./,
    );
    expect(() => new L2CarliniWagnerAttack({ stepsize: -0.01 })).toThrow(
      /`stepsize` to be a finite number > 0, got -0\.01/,
    );
    expect(() => new L2FMNAttack({ steps: 2.5 })).toThrow(
      /L2FMNAttack: expected `steps` to be an integer ≥ 1, got 2\.5/,
    );
    expect(() => new LinfPGD({ relStepsize: 0 })).toThrow(
      /LinfPGD: expected `relStepsize` to be a finite number > 0, got 0/,
    );
    await expect(new LinfPGD().run(p.model, p.images, p.labels)).rejects.toThrow(
      /LinfPGD: expected `epsilons` to be given .*got null\. Pass e\.g\./,
    );
    await expect(new LinfPGD().run(p.model, p.images, p.labels, { epsilons: [0.1], bounds: [1, 0] })).rejects.toThrow(
      /`bounds` to be \[min, max\] with finite min < max, got \[1, 0\]/,
    );
    await expect(
      new L2DeepFoolAttack().run(p.model, p.images, p.labels, { criterion: { targets: [0, 0, 0, 0, 0, 0] } }),
    ).rejects.toThrow(/untargeted only/);
    await expect(new L2PGD().run(p.model, p.images, p.labels, { epsilons: [0.1], batchSize: 0 })).rejects.toThrow(
      /`batchSize` to be an integer ≥ 1, got 0/,
    );
  });
});

describe('criteria, preprocessing, batching', () => {
  it('targeted attacks reach the target class', async () => {
    const targets = p.labels.map((y) => (y + 1) % 3);
    const res = await new L2FMNAttack({ steps: 100 }).run(p.model, p.images, p.labels, { criterion: { targets } });
    const pred = tf.tidy(() => tf.argMax(p.model(res.clipped), 1).arraySync() as number[]);
    const s = Array.from(res.success.dataSync());
    pred.forEach((c, i) => {
      expect(s[i]).toBe(1);
      expect(c).toBe(targets[i]);
    });
    free(res);
  });
  it('preprocessing: attacking f((x − m)/s) equals attacking the wrapped function', async () => {
    const mean = 0.3;
    const std = 2;
    const wrapped = (x: tf.Tensor) => tf.tidy(() => p.model(tf.div(tf.sub(x, mean), std)));
    const a = await new L2DeepFoolAttack().run(p.model, p.images, p.labels, { preprocessing: { mean, std } });
    const b = await new L2DeepFoolAttack().run(wrapped, p.images, p.labels);
    expect(tf.max(tf.abs(tf.sub(a.clipped, b.clipped))).dataSync()[0]).toBeLessThan(1e-5);
    free([a, b]);
  });
  it('batchSize splits the work without changing deterministic results; seeds reproduce random attacks', async () => {
    const whole = await new L2DeepFoolAttack().run(p.model, p.images, p.labels);
    const parts = await new L2DeepFoolAttack().run(p.model, p.images, p.labels, { batchSize: 4 });
    expect(tf.max(tf.abs(tf.sub(whole.clipped, parts.clipped))).dataSync()[0]).toBeLessThan(1e-6);
    const [r1] = await new LinfPGD({ steps: 3 }).run(p.model, p.images, p.labels, { epsilons: [0.05], seed: 42 });
    const [r2] = await new LinfPGD({ steps: 3 }).run(p.model, p.images, p.labels, { epsilons: [0.05], seed: 42 });
    const [r3] = await new LinfPGD({ steps: 3, randomStart: true }).run(p.model, p.images, p.labels, {
      epsilons: [0.05],
      seed: 43,
    });
    expect(tf.all(tf.equal(r1!.raw, r2!.raw)).dataSync()[0]).toBe(1);
    // A different seed gives a different random start (unless every sample failed and returned x).
    const anySuccess =
      (r3!.success.dataSync() as Uint8Array).some(Boolean) || (r1!.success.dataSync() as Uint8Array).some(Boolean);
    if (anySuccess) expect(tf.all(tf.equal(r1!.raw, r3!.raw)).dataSync()[0]).toBe(0);
    free([whole, parts, r1!, r2!, r3!]);
  });
});

describe('progress and early stop', () => {
  it('reports monotone progress ending at 1, and stops when asked, returning the best so far', async () => {
    const fr: number[] = [];
    const res = await new DDNAttack({ steps: 100 }).run(p.model, p.images, p.labels, {
      onProgress: (e) => fr.push(e.fraction),
      batchSize: 3,
    });
    expect(fr.length).toBeGreaterThan(10);
    expect(fr.length).toBeLessThanOrEqual(2 * (100 + 1));
    fr.slice(1).forEach((f, i) => expect(f).toBeGreaterThanOrEqual(fr[i]!));
    expect(fr[fr.length - 1]).toBeCloseTo(1, 10);
    expect(res.stoppedEarly).toBe(false);
    free(res);
    const signal = { aborted: false };
    let calls = 0;
    const stopped = await new L2CarliniWagnerAttack({ binarySearchSteps: 5, steps: 1000 }).run(
      p.model,
      p.images,
      p.labels,
      {
        signal,
        onProgress: () => {
          calls++;
          if (calls === 3) signal.aborted = true;
        },
      },
    );
    expect(stopped.stoppedEarly).toBe(true);
    expect(calls).toBeLessThanOrEqual(4);
    // Whatever was returned is consistent: success ⇒ adversarial, failure ⇒ the input.
    const pred = tf.tidy(() => tf.argMax(p.model(stopped.clipped), 1).arraySync() as number[]);
    const same = tf.tidy(() => tf.all(tf.equal(stopped.clipped, p.images), 1).arraySync() as number[]);
    Array.from(stopped.success.dataSync()).forEach((s, i) =>
      s ? expect(pred[i]).not.toBe(p.labels[i]) : expect(same[i]).toBe(1),
    );
    free(stopped);
  });
});

describe('utilities', () => {
  it('distances.l2 / linf match host arithmetic', () => {
    const a = tf.tensor2d([
      [0, 0, 0],
      [1, 1, 1],
    ]);
    const b = tf.tensor2d([
      [3, 4, 0],
      [1, -1, 1.5],
    ]);
    expect(Array.from(distances.l2(a, b).dataSync())).toEqual([5, Math.fround(Math.sqrt(4.25))]);
    expect(Array.from(distances.linf(a, b).dataSync())).toEqual([4, 2]);
    tf.dispose([a, b]);
  });
  it('Rng is reproducible, uniform in [0, 1) and normal with mean 0 / variance 1', () => {
    const a = new Rng(7);
    const b = new Rng(7);
    const xs = Array.from({ length: 20000 }, () => a.uniform());
    expect(xs.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b.uniform()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(Math.abs(xs.reduce((s, v) => s + v, 0) / xs.length - 0.5)).toBeLessThan(0.01);
    const ns = Array.from({ length: 20000 }, () => a.normal());
    const m = ns.reduce((s, v) => s + v, 0) / ns.length;
    const v = ns.reduce((s, x) => s + (x - m) ** 2, 0) / ns.length;
    expect(Math.abs(m)).toBeLessThan(0.03);
    expect(Math.abs(v - 1)).toBeLessThan(0.04);
  });
});
