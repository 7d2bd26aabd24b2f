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
    const [lo, hi] = ctx.bounds;
    const isAdv = async (xb: tf.Tensor): Promise<Uint8Array> => {
      const t = tf.tidy(() => ctx.isAdversarial(ctx.logits(xb)));
      const v = (await t.data()) as Uint8Array;
      t.dispose();
      return v;
    };
    const blend = (a: tf.Tensor, b: tf.Tensor, w: ArrayLike<number>) =>
      tf.tidy(() => {
        const wt = perSample(tf.tensor1d(Array.from(w)), a.rank);
        return tf.add(tf.mul(a, tf.sub(1, wt)), tf.mul(b, wt));
      });
    // frozen: already adversarial at x, or no adversarial start found; they return x.
    const frozen = Array.from(await isAdv(x), Boolean);
    // 1. Start point: uniform noise that is adversarial, then linear search towards x.
    let noise = tf.tidy(() => tf.randomUniform(x.shape, lo, hi, 'float32', ctx.rng.int()));
    let haveNoise = Array.from(await isAdv(noise), Boolean);
    for (let t = 1; t < this.initDirections && haveNoise.some((h, i) => !h && !frozen[i]); t++) {
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
    const blendW = new Array<number>(n).fill(1);
    const settled = frozen.slice();
    for (let s = 1; s <= this.initSteps && settled.some((v) => !v); s++) {
      const e = s / this.initSteps;
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
    let xAdv = tf.tidy(() =>
      blend(
        x,
        noise,
        blendW.map((w, i) => w * (frozenW[i] as number)),
      ),
    );
    noise.dispose();
    const threshold = this.gamma / (d * Math.sqrt(d));
    const binarySearch = async (pert: tf.Tensor): Promise<tf.Tensor> => {
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
    };
    try {
      let b = await binarySearch(xAdv);
      xAdv.dispose();
      xAdv = b;
      const d0 = tf.tidy(() => norms(tf.sub(xAdv, x)));
      let dist = Float64Array.from(await d0.data());
      d0.dispose();
      const cls = ctx.classes;
      for (let step = 0; step < this.steps; step++) {
        const deltaR = Array.from(dist, (dd) =>
          step === 0 ? 0.1 : Math.sqrt(d) * (this.gamma / (d * Math.sqrt(d))) * dd,
        );
        const evals = Math.floor(
          Math.min(this.initialGradientEvalSteps * Math.sqrt(step + 1), this.maxGradientEvalSteps),
        );
        const grad = this.estimate(ctx, xAdv, cls, evals, deltaR);
        let epsH = Array.from(dist, (dd) => dd / Math.sqrt(step + 1));
        let okAll = false;
        for (let halv = 0; halv < 60 && !okAll; halv++) {
          const prop = tf.tidy(() =>
            tf.clipByValue(tf.add(xAdv, tf.mul(grad, perSample(tf.tensor1d(epsH), x.rank))), lo, hi),
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
        const moved = tf.tidy(() =>
          tf.clipByValue(
            tf.add(xAdv, tf.mul(grad, perSample(tf.tensor1d(epsH.map((e, i) => (frozen[i] ? 0 : e))), x.rank))),
            lo,
            hi,
          ),
        );
        grad.dispose();
        b = await binarySearch(moved);
        moved.dispose();
        xAdv.dispose();
        xAdv = b;
        const dt = tf.tidy(() => norms(tf.sub(xAdv, x)));
        dist = Float64Array.from(await dt.data());
        dt.dispose();
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

/** Alias with foolbox 3's class name spelled out. */
export const HopSkipJumpAttack = HopSkipJump;
