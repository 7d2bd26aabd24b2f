// Noise, corruption and decision-based attacks: exact properties of their outputs (norms, structure,
// closed-form blend factors on a linear model) and success where success is certain.
import * as tf from '@tensorflow/tfjs-core';
import {
  BinarizationRefinementAttack,
  BinarySearchContrastReductionAttack,
  BoundaryAttack,
  DatasetAttack,
  GenAttack,
  InversionAttack,
  L2AdditiveGaussianNoiseAttack,
  L2ClippingAwareAdditiveUniformNoiseAttack,
  L2ContrastReductionAttack,
  L2RepeatedAdditiveGaussianNoiseAttack,
  LinearSearchContrastReductionAttack,
  LinfAdditiveUniformNoiseAttack,
  PointwiseAttack,
  SaltAndPepperNoiseAttack,
  SpatialAttack,
  clippingAwareScale,
  distances,
  rotateAndShift,
  type AttackResult,
} from '../src';
import { linearProblem, logitsHost } from './helpers';
import { linearMinimum } from './oracles';

const free = (r: AttackResult | AttackResult[]) =>
  tf.dispose((Array.isArray(r) ? r : [r]).flatMap((x) => [x.raw, x.clipped, x.success]));
const p = linearProblem(5, 6, 12, 4);
afterAll(() => p.dispose());

describe('additive noise', () => {
  it('L2 / L∞ noise has norm exactly ε before clipping (inputs far from the bounds)', async () => {
    for (const [A, norm] of [
      [L2AdditiveGaussianNoiseAttack, 'l2'],
      [LinfAdditiveUniformNoiseAttack, 'linf'],
    ] as const) {
      const r = await new A().run(
        (x) => tf.tidy(() => tf.add(tf.zeros([x.shape[0], 2]), tf.tensor1d([1, 0]))),
        p.images,
        [0, 0, 0, 0, 0, 0],
        {
          epsilons: 0.05,
          seed: 1,
        },
      );
      // The model never changes its mind: success false, so raw is the input; the attack's output is checked via runBatch below.
      expect(Array.from(r.success.dataSync())).toEqual([0, 0, 0, 0, 0, 0]);
      free(r);
      const a = new A();
      const out = await a.runBatch({ ...ctxFor(p.model), bounds: [0, 1] } as never, p.images, 0.05);
      const d = distances[norm](p.images, out).dataSync();
      d.forEach((v) => expect(v).toBeCloseTo(0.05, 5));
      out.dispose();
    }
  });
  it('clipping-aware scale: ‖clip(x + ηδ) − x‖₂ = ε, checked against a bisection on η', () => {
    const x = [0.05, 0.95, 0.5, 0.0, 1.0, 0.3];
    const d = [-1, 1, 0.3, -0.5, 0.7, 2];
    const f = (eta: number) => Math.hypot(...x.map((v, i) => Math.min(1, Math.max(0, v + eta * d[i]!)) - v));
    for (const eps of [0.05, 0.3, 0.8]) {
      const eta = clippingAwareScale(x, d, eps, 0, 1);
      expect(f(eta)).toBeCloseTo(eps, 9);
    }
    // Unreachable ε: the largest reachable norm (every coordinate that moves is clipped).
    const eta = clippingAwareScale(x, d, 10, 0, 1);
    expect(f(eta)).toBeCloseTo(f(1e9), 9);
  });
  it('clipping-aware attack output has L2 distance exactly ε even where the bounds clip', async () => {
    const x = tf.tensor2d([[0, 1, 0.02, 0.98, 0.5, 0.5, 0, 1, 0.02, 0.98, 0.5, 0.5]]);
    const out = await new L2ClippingAwareAdditiveUniformNoiseAttack().runBatch(ctxFor(p.model) as never, x, 0.4);
    expect(distances.l2(x, out).dataSync()[0]).toBeCloseTo(0.4, 5);
    tf.dispose([x, out]);
  });
  it('repeated Gaussian noise succeeds where one draw may not, and every success is within ε', async () => {
    const eps = 2 * Math.max(...p.dL2);
    const r = await new L2RepeatedAdditiveGaussianNoiseAttack({ repeats: 200 }).run(p.model, p.images, p.labels, {
      epsilons: eps,
      seed: 2,
    });
    const d = distances.l2(p.images, r.clipped).dataSync();
    r.success.dataSync().forEach((s, i) => s && expect(d[i]!).toBeLessThanOrEqual(eps * (1 + 1e-5)));
    expect(tf.sum(tf.cast(r.success, 'int32')).dataSync()[0]).toBeGreaterThan(0);
    free(r);
  });
});

/** A minimal AttackContext for calling an attack's batch function directly. */
function ctxFor(model: (x: tf.Tensor) => tf.Tensor) {
  const { Rng } = jest.requireActual<typeof import('../src')>('../src');
  return {
    name: 't',
    logits: model,
    bounds: [0, 1],
    classes: tf.tensor1d(p.labels, 'int32'),
    targeted: false,
    numClasses: 4,
    rng: new Rng(3),
    startingPoints: null,
    isAdversarial: (z: tf.Tensor) => tf.notEqual(tf.argMax(z, 1), tf.tensor1d(p.labels, 'int32')),
    tick: () => Promise.resolve(false),
  };
}

describe('contrast, inversion, blur, salt-and-pepper, spatial, dataset', () => {
  it('L2ContrastReduction moves exactly min(ε, ‖t − x‖) towards grey', async () => {
    const a = new L2ContrastReductionAttack();
    const out = await a.runBatch(ctxFor(p.model) as never, p.images, 0.1);
    distances
      .l2(p.images, out)
      .dataSync()
      .forEach((v) => expect(v).toBeCloseTo(0.1, 5));
    out.dispose();
  });
  it('binary / linear contrast search find the closed-form blend factor of a linear model', async () => {
    // x + e·(0.5 − x) is adversarial from the smallest e where some z_j reaches z_y: exact on the host.
    const exact = p.x.map((x, i) => {
      const y = p.labels[i]!;
      let lo = 0;
      let hi = 1;
      for (let k = 0; k < 60; k++) {
        const e = (lo + hi) / 2;
        const f = logitsHost(
          p,
          x.map((v) => v + e * (0.5 - v)),
        );
        if (f.indexOf(Math.max(...f)) !== y) hi = e;
        else lo = e;
      }
      return hi;
    });
    const bs = await new BinarySearchContrastReductionAttack().run(p.model, p.images, p.labels);
    const ls = await new LinearSearchContrastReductionAttack({ steps: 200 }).run(p.model, p.images, p.labels);
    for (const [r, tol] of [
      // foolbox's first probe is e = 0, so 15 steps bisect 14 times.
      [bs, 2 ** -14],
      [ls, 1 / 200],
    ] as const) {
      const c = r.clipped.arraySync() as number[][];
      r.success.dataSync().forEach((s, i) => {
        if (exact[i]! >= 1) return;
        expect(s).toBe(1);
        // e = ‖x' − x‖ / ‖t − x‖ (float32 inputs: ±2e-5).
        const e = Math.hypot(...c[i]!.map((v, k) => v - p.x[i]![k]!)) / Math.hypot(...p.x[i]!.map((v) => 0.5 - v));
        expect(e).toBeGreaterThanOrEqual(exact[i]! - 2e-5);
        expect(e).toBeLessThanOrEqual(exact[i]! + tol + 2e-5);
      });
    }
    free([bs, ls]);
  });
  it('InversionAttack returns min + max − x', async () => {
    const out = await new InversionAttack().runBatch(ctxFor(p.model) as never, p.images);
    expect(tf.max(tf.abs(tf.sub(out, tf.sub(1, p.images)))).dataSync()[0]).toBe(0);
    out.dispose();
  });
  it('SaltAndPepper succeeds with pixels only at the bounds or clean, and never closer than the L2 minimum', async () => {
    const r = await new SaltAndPepperNoiseAttack({ steps: 300 }).run(p.model, p.images, p.labels, { seed: 4 });
    const c = r.clipped.arraySync() as number[][];
    const d = distances.l2(p.images, r.clipped).dataSync();
    r.success.dataSync().forEach((s, i) => {
      if (!s) return;
      c[i]!.forEach((v, k) => expect([0, 1, Math.fround(p.x[i]![k]!)]).toContain(v));
      expect(d[i]!).toBeGreaterThanOrEqual(p.dL2[i]! * (1 - 1e-4));
    });
    expect(tf.sum(tf.cast(r.success, 'int32')).dataSync()[0]).toBeGreaterThan(3);
    free(r);
  });
  it('rotateAndShift: identity at 0, exact integer shifts inside the image, and Spatial fools a position detector', async () => {
    const img = tf.tidy(() =>
      tf.pad(tf.ones([1, 2, 2, 1]), [
        [0, 0],
        [2, 2],
        [2, 2],
        [0, 0],
      ]),
    ); // 6×6, square at rows/cols 2–3
    const same = rotateAndShift(img as tf.Tensor4D, 0, 0, 0);
    expect(tf.max(tf.abs(tf.sub(same, img))).dataSync()[0]).toBeLessThan(1e-6);
    const movedT = rotateAndShift(img as tf.Tensor4D, 1, 0, 0);
    const moved = tf.reshape(movedT, [6, 6]).arraySync() as number[][];
    movedT.dispose();
    // A shift of 1 pixel along x moves the sampling grid by one column: the square now covers columns 1–2.
    expect(moved[2]!.map((v) => Math.round(v))).toEqual([0, 1, 1, 0, 0, 0]);
    // Model: class 0 if the square's centre of mass is at column ≥ 2, else class 1.
    const model = (x: tf.Tensor) =>
      tf.tidy(() => {
        const cols = tf.sum(tf.reshape(x, [x.shape[0], 6, 6]), 1);
        const left = tf.sum(tf.slice(cols, [0, 0], [-1, 2]), 1);
        return tf.stack([tf.mul(tf.sub(tf.sum(cols, 1), left), 1), tf.mul(left, 2)], 1);
      });
    const r = await new SpatialAttack().run(model, img, [0]);
    expect(r.success.dataSync()[0]).toBe(1);
    await expect(new SpatialAttack().run(model, img, [0], { epsilons: [1] })).rejects.toThrow(
      /SpatialAttack: expected `epsilons` to be omitted/,
    );
    free(r);
    tf.dispose([img, same]);
  });
  it('DatasetAttack returns fed inputs of another class; BinarizationRefinement keeps the binarised decision', async () => {
    const ds = new DatasetAttack();
    ds.feed(p.images);
    const r = await ds.run(p.model, p.images, p.labels, { seed: 1 });
    const pred = tf.argMax(p.model(r.clipped), 1).dataSync();
    r.success.dataSync().forEach((s, i) => s && expect(pred[i]).not.toBe(p.labels[i]));
    expect(Array.from(r.success.dataSync())).toEqual([1, 1, 1, 1, 1, 1]);
    // A model that binarises its input at 0.5; the inverted images are adversarial starting points.
    const bin = (x: tf.Tensor) => tf.tidy(() => p.model(tf.cast(tf.greaterEqual(x, 0.5), 'float32')));
    const start = tf.sub(1, p.images);
    const r2 = await new BinarizationRefinementAttack().run(bin, p.images, p.labels, { startingPoints: start });
    const same = tf.tidy(() =>
      tf.all(tf.equal(tf.greaterEqual(r2.raw, 0.5), tf.greaterEqual(start, 0.5)), 1).dataSync(),
    );
    const startAdv = tf.tidy(() => tf.notEqual(tf.argMax(bin(start), 1), tf.tensor1d(p.labels, 'int32')).dataSync());
    expect(Array.from(r2.success.dataSync())).toEqual(Array.from(startAdv));
    // Successful samples keep the start's binarised image (and so its decision).
    r2.success.dataSync().forEach((s, i) => s && expect(same[i]).toBe(1));
    expect(tf.sum(tf.cast(r2.success, 'int32')).dataSync()[0]).toBeGreaterThan(0);
    ds.dispose();
    free([r, r2]);
    start.dispose();
  });
});

describe('decision-based: Boundary and Pointwise, and GenAttack', () => {
  it('BoundaryAttack and PointwiseAttack return adversarials at or above the exact minimum', async () => {
    const b = await new BoundaryAttack({ steps: 300 }).run(p.model, p.images, p.labels, { seed: 5 });
    const pw = await new PointwiseAttack().run(p.model, p.images, p.labels, { seed: 6 });
    for (const [r, norm] of [
      [b, 'l2'],
      [pw, 'l0'],
    ] as const) {
      const d = distances[norm](p.images, r.clipped).dataSync();
      r.success.dataSync().forEach((s, i) => {
        expect(s).toBe(1);
        expect(d[i]!).toBeGreaterThanOrEqual(linearMinimum(p, p.x[i]!, p.labels[i]!, norm) * (1 - 1e-4));
      });
    }
    free([b, pw]);
  });
  it('GenAttack reaches its targets at a generous ε, never outside the L∞ ball, and refuses untargeted use', async () => {
    const targets = p.labels.map((y) => (y + 1) % 4);
    const [r] = await new GenAttack({ steps: 100 }).run(p.model, p.images, p.labels, {
      epsilons: [0.3],
      criterion: { targets },
      seed: 7,
    });
    const pred = tf.argMax(p.model(r!.clipped), 1).dataSync();
    expect(
      distances
        .linf(p.images, r!.clipped)
        .dataSync()
        .every((v) => v <= 0.3 + 1e-6),
    ).toBe(true);
    r!.success.dataSync().forEach((s, i) => s && expect(pred[i]).toBe(targets[i]));
    expect(tf.sum(tf.cast(r!.success, 'int32')).dataSync()[0]).toBeGreaterThan(3);
    await expect(new GenAttack().run(p.model, p.images, p.labels, { epsilons: [0.1] })).rejects.toThrow(
      /GenAttack: expected `criterion` to be targeted/,
    );
    free(r!);
  });
});
