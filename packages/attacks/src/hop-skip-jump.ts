import * as tf from '@tensorflow/tfjs-core';
import { Attack, type AttackContext } from './attack';
import { defineOptions, opt } from '@lipnet/core';
import { norms, perSample, whereSample } from './ops';

/** Options of {@link HopSkipJump}; defaults are foolbox 3.3.4's (L2, geometric step search). */
export interface HopSkipJumpArgs {
  /** Outer iterations. Default 64. */
  steps?: number;
  /** Queries for the first gradient estimate (grows as √(step+1)). Default 100. */
  initialGradientEvalSteps?: number;
  /** Cap on the queries per gradient estimate. Default 10000. */
  maxGradientEvalSteps?: number;
  /** Binary-search threshold θ = γ / d^1.5. Default 1.0. */
  gamma?: number;
  /** Random uniform draws tried per sample to find an adversarial start (foolbox `LinearSearchBlendedUniformNoiseAttack.directions`). Default 1000. */
  initDirections?: number;
  /** Blend steps of the start-point linear search (foolbox uses 50 inside HopSkipJump). Default 50. */
  initSteps?: number;
  /** Model rows evaluated per call while estimating gradients. Default 2048. */
  queryBatchRows?: number;
}

const HSJ_OPTIONS = defineOptions('HopSkipJump', {
  steps: opt.integer({ min: 1 }).default(64),
  initialGradientEvalSteps: opt.integer({ min: 1 }).default(100),
  maxGradientEvalSteps: opt.integer({ min: 1 }).default(10000),
  gamma: opt.number({ gt: 0 }).default(1.0),
  initDirections: opt.integer({ min: 1 }).default(1000),
  initSteps: opt.integer({ min: 1 }).default(50),
  queryBatchRows: opt.integer({ min: 1 }).default(2048),
});

/**
 * HopSkipJump, decision-based L2 attack (foolbox `HopSkipJump`, Chen, Jordan & Wainwright 2019). It uses
 * only the predicted class, never gradients or scores:
 * 1. start: a uniform-noise image of the adversarial class, blended towards x by linear search
 *    (foolbox `LinearSearchBlendedUniformNoiseAttack`), then binary search to the boundary;
 * 2. each step: Monte-Carlo estimate of the boundary normal from `min(100·√(t+1), 10000)` probes of
 *    radius `δ_t` (0.1 at t = 0, then `γ·dist/d`), geometric step of size `dist/√(t+1)` (halved until
 *    adversarial), binary search back to the boundary (threshold `γ/d^1.5`).
 *
 * Differences from foolbox: clipping uses `bounds` (foolbox hard-codes [0, 1]); the gradient
 * estimate is normalised per sample (foolbox divides by the norm over the whole batch); samples
 * for which no adversarial start is found come back unchanged with `success` false instead of
 * raising; a `seed` makes the run reproducible.
 *
 * @example
 * const { clipped } = await new HopSkipJump({ steps: 32 }).run(model, x, y, { seed: 1 });
 */
export class HopSkipJump extends Attack {
  protected override readonly needsGradients = false;
  readonly name: string = 'HopSkipJump';
  readonly distance = 'l2' as const;
  readonly kind = 'minimization' as const;
  readonly steps: number;
  readonly initialGradientEvalSteps: number;
  readonly maxGradientEvalSteps: number;
  readonly gamma: number;
  readonly initDirections: number;
  readonly initSteps: number;
  readonly queryBatchRows: number;

  constructor(args: HopSkipJumpArgs = {}) {
    super();
    const o = HSJ_OPTIONS.parse(args);
    this.steps = o.steps;
    this.initialGradientEvalSteps = o.initialGradientEvalSteps;
    this.maxGradientEvalSteps = o.maxGradientEvalSteps;
    this.gamma = o.gamma;
    this.initDirections = o.initDirections;
    this.initSteps = o.initSteps;
    this.queryBatchRows = o.queryBatchRows;
  }

  protected async attackBatch(ctx: AttackContext, x: tf.Tensor): Promise<tf.Tensor> {
    const n = x.shape[0];
    const d = x.size / n;
    const isAdv = adversarialTest(ctx);
    // frozen: already adversarial at x, or no adversarial start found; they return x.
    const frozen = Array.from(await isAdv(x), Boolean);
    // 1. Start point: uniform noise that is adversarial, then linear search towards x.
    let xAdv = await adversarialStart(this, ctx, x, frozen, isAdv);
    const threshold = this.gamma / (d * Math.sqrt(d));
    const binarySearch = (pert: tf.Tensor) => boundarySearch(x, pert, frozen, threshold, isAdv);
    try {
      let b = await binarySearch(xAdv);
      xAdv.dispose();
      xAdv = b;
      let dist = await distances(xAdv, x);
      const cls = ctx.classes;
      for (let step = 0; step < this.steps; step++) {
        const deltaR = Array.from(dist, (dd) =>
          step === 0 ? 0.1 : Math.sqrt(d) * (this.gamma / (d * Math.sqrt(d))) * dd,
        );
        const evals = Math.floor(
          Math.min(this.initialGradientEvalSteps * Math.sqrt(step + 1), this.maxGradientEvalSteps),
        );
        const grad = this.estimate(ctx, xAdv, cls, evals, deltaR);
        const epsH = Array.from(dist, (dd) => dd / Math.sqrt(step + 1));
        const moved = await geometricStep(ctx, xAdv, grad, epsH, frozen, isAdv);
        grad.dispose();
        b = await binarySearch(moved);
        moved.dispose();
        xAdv.dispose();
        xAdv = b;
        dist = await distances(xAdv, x);
        if (await ctx.tick(step + 1, this.steps)) break;
      }
      await ctx.tick(this.steps, this.steps);
      const r = xAdv;
      xAdv = tf.zeros([0]);
      return r;
    } finally {
      xAdv.dispose();
    }
  }

  /** Monte-Carlo estimate of the boundary normal at `xAdv` (unit L2 norm per sample). */
  private estimate(ctx: AttackContext, xAdv: tf.Tensor, cls: tf.Tensor1D, evals: number, radius: number[]): tf.Tensor {
    const n = xAdv.shape[0];
    const dims = xAdv.shape.slice(1);
    const [lo, hi] = ctx.bounds;
    const chunk = Math.max(1, Math.floor(this.queryBatchRows / n));
    let s1: tf.Tensor = tf.zerosLike(xAdv);
    let s2: tf.Tensor = tf.zerosLike(xAdv);
    let plus: tf.Tensor = tf.zeros([n]);
    const rad = tf.tensor1d(radius);
    try {
      for (let done = 0; done < evals; done += chunk) {
        const c = Math.min(chunk, evals - done);
        const seed = ctx.rng.int();
        const out = tf.tidy(() => {
          const rv = tf.randomNormal([c, n, ...dims], 0, 1, 'float32', seed);
          const ones = dims.map(() => 1);
          const rvN = tf.div(
            rv,
            tf.reshape(tf.add(tf.sqrt(tf.sum(tf.square(tf.reshape(rv, [c, n, -1])), 2)), 1e-12), [c, n, ...ones]),
          );
          const radB = tf.reshape(rad, [1, n, ...ones]);
          const pert = tf.clipByValue(tf.add(tf.expandDims(xAdv, 0), tf.mul(rvN, radB)), lo, hi);
          const rvEff = tf.div(tf.sub(pert, tf.expandDims(xAdv, 0)), 2);
          const z = ctx.logits(tf.reshape(pert, [c * n, ...dims]));
          const pred = tf.argMax(z, 1);
          const tiled = tf.tile(cls, [c]);
          const adv = ctx.targeted ? tf.equal(pred, tiled) : tf.notEqual(pred, tiled);
          const mult = tf.reshape(tf.sub(tf.mul(tf.cast(adv, 'float32'), 2), 1), [c, n]);
          const m = tf.reshape(mult, [c, n, ...ones]);
          return {
            s1: tf.add(s1, tf.sum(tf.mul(rvEff, m), 0)),
            s2: tf.add(s2, tf.sum(rvEff, 0)),
            plus: tf.add(plus, tf.sum(mult, 0)),
          };
        });
        tf.dispose([s1, s2, plus]);
        ({ s1, s2, plus } = out);
      }
      return tf.tidy(() => {
        const mean = tf.div(plus, evals);
        const pure = tf.equal(tf.abs(mean), 1);
        const centred = tf.sub(s1, tf.mul(s2, perSample(mean, xAdv.rank)));
        const g = tf.div(whereSample(pure, s1, centred), evals);
        return tf.div(g, perSample(tf.add(norms(g), 1e-12), xAdv.rank));
      });
    } finally {
      tf.dispose([s1, s2, plus, rad]);
    }
  }
}

/** Per sample, whether the model's decision on a batch is adversarial (read back). */
type AdversarialTest = (xb: tf.Tensor) => Promise<Uint8Array>;

/** The decision-only oracle of `ctx`: one query of the model per call. */
function adversarialTest(ctx: AttackContext): AdversarialTest {
  return async (xb: tf.Tensor): Promise<Uint8Array> => {
    const t = tf.tidy(() => ctx.isAdversarial(ctx.logits(xb)));
    const v = (await t.data()) as Uint8Array;
    t.dispose();
    return v;
  };
}

/** Per sample (1 − wᵢ)·aᵢ + wᵢ·bᵢ. */
const blend = (a: tf.Tensor, b: tf.Tensor, w: ArrayLike<number>) =>
  tf.tidy(() => {
    const wt = perSample(tf.tensor1d(Array.from(w)), a.rank);
    return tf.add(tf.mul(a, tf.sub(1, wt)), tf.mul(b, wt));
  });

/** Per sample ‖a − x‖₂, read back. */
async function distances(a: tf.Tensor, x: tf.Tensor): Promise<Float64Array> {
  const t = tf.tidy(() => norms(tf.sub(a, x)));
  const out = Float64Array.from(await t.data());
  t.dispose();
  return out;
}

/**
 * The start point (foolbox `LinearSearchBlendedUniformNoiseAttack`): per sample, uniform noise that
 * is adversarial, blended towards x as far as the first of `initSteps` blend weights that stays
 * adversarial. Samples without adversarial noise after `initDirections` draws are marked `frozen`
 * (and start at x, like the frozen ones).
 */
async function adversarialStart(
  attack: HopSkipJump,
  ctx: AttackContext,
  x: tf.Tensor,
  frozen: boolean[],
  isAdv: AdversarialTest,
): Promise<tf.Tensor> {
  const n = x.shape[0];
  const noise = await adversarialNoise(attack.initDirections, ctx, x, frozen, isAdv);
  const blendW = new Array<number>(n).fill(1);
  const settled = frozen.slice();
  for (let s = 1; s <= attack.initSteps && settled.some((v) => !v); s++) {
    const e = s / attack.initSteps;
    const cand = blend(x, noise, new Array<number>(n).fill(e));
    const ok = await isAdv(cand);
    cand.dispose();
    for (let i = 0; i < n; i++) {
      if (!settled[i] && ok[i]) {
        blendW[i] = e;
        settled[i] = true;
      }
    }
  }
  const frozenW = frozen.map((f) => (f ? 0 : 1));
  const xAdv = tf.tidy(() =>
    blend(
      x,
      noise,
      blendW.map((w, i) => w * (frozenW[i] as number)),
    ),
  );
  noise.dispose();
  return xAdv;
}

/** Uniform noise in the bounds, redrawn (up to `directions` draws) until adversarial per sample; samples never adversarial become `frozen`. */
async function adversarialNoise(
  directions: number,
  ctx: AttackContext,
  x: tf.Tensor,
  frozen: boolean[],
  isAdv: AdversarialTest,
): Promise<tf.Tensor> {
  const [lo, hi] = ctx.bounds;
  let noise = tf.tidy(() => tf.randomUniform(x.shape, lo, hi, 'float32', ctx.rng.int()));
  let haveNoise = Array.from(await isAdv(noise), Boolean);
  for (let t = 1; t < directions && haveNoise.some((h, i) => !h && !frozen[i]); t++) {
    const fresh = tf.tidy(() => tf.randomUniform(x.shape, lo, hi, 'float32', ctx.rng.int()));
    const ok = await isAdv(fresh);
    const take = haveNoise.map((h, i) => !h && Boolean(ok[i]));
    const next = tf.tidy(() => whereSample(tf.tensor1d(take.map(Number)), fresh, noise));
    tf.dispose([fresh, noise]);
    noise = next;
    haveNoise = haveNoise.map((h, i) => h || Boolean(take[i]));
  }
  haveNoise.forEach((h, i) => {
    if (!h) frozen[i] = true;
  });
  return noise;
}

/**
 * Binary search on the segment x → `pert` for the boundary, per sample, to within `threshold`
 * of the blend weight: the adversarial end of the final interval (x for frozen samples).
 */
async function boundarySearch(
  x: tf.Tensor,
  pert: tf.Tensor,
  frozen: boolean[],
  threshold: number,
  isAdv: AdversarialTest,
): Promise<tf.Tensor> {
  const n = x.shape[0];
  const lows = new Float64Array(n);
  const highs = new Float64Array(n).fill(1);
  frozen.forEach((f, i) => f && (highs[i] = 0));
  while (highs.some((h, i) => h - (lows[i] as number) > threshold)) {
    const mids = highs.map((h, i) => (h + (lows[i] as number)) / 2);
    const p = blend(x, pert, mids);
    const ok = await isAdv(p);
    p.dispose();
    for (let i = 0; i < n; i++) {
      if ((highs[i] as number) - (lows[i] as number) <= threshold) continue;
      if (ok[i]) highs[i] = mids[i] as number;
      else lows[i] = mids[i] as number;
    }
  }
  return blend(x, pert, highs);
}

/**
 * The geometric step along `grad` from `xAdv`: per sample the step `eps` (dist/√(t+1)) is halved
 * (at most 60 times) until the clipped point is adversarial; all steps become 0 if some sample
 * never gets there, and frozen samples do not move.
 */
async function geometricStep(
  ctx: AttackContext,
  xAdv: tf.Tensor,
  grad: tf.Tensor,
  eps: number[],
  frozen: boolean[],
  isAdv: AdversarialTest,
): Promise<tf.Tensor> {
  const [lo, hi] = ctx.bounds;
  let epsH = eps;
  let okAll = false;
  for (let halv = 0; halv < 60 && !okAll; halv++) {
    const prop = tf.tidy(() =>
      tf.clipByValue(tf.add(xAdv, tf.mul(grad, perSample(tf.tensor1d(epsH), xAdv.rank))), lo, hi),
    );
    const ok = await isAdv(prop);
    prop.dispose();
    okAll = true;
    epsH = epsH.map((e, i) => {
      if (ok[i] || frozen[i]) return e;
      okAll = false;
      return e / 2;
    });
  }
  if (!okAll) epsH = epsH.map(() => 0);
  return tf.tidy(() =>
    tf.clipByValue(
      tf.add(xAdv, tf.mul(grad, perSample(tf.tensor1d(epsH.map((e, i) => (frozen[i] ? 0 : e))), xAdv.rank))),
      lo,
      hi,
    ),
  );
}

/** Alias with foolbox 3's class name spelled out. */
export const HopSkipJumpAttack = HopSkipJump;
