import * as tf from '@tensorflow/tfjs-core';
import { Attack, type AttackContext } from '../attack';
import { opt } from '@lipnet/core';
import { initAttackOption } from '../init-attack-option';
import { adversarialStart } from '../minimum-norm/adversarial-start';
import { SaltAndPepperNoiseAttack } from '../noise/salt-and-pepper';
import { FlexibleDistanceAttack, type FlexibleDistanceArgs } from '../corruptions/flexible-distance';

/** Options of {@link PointwiseAttack}; defaults are foolbox 3.3.4's. */
export interface PointwiseAttackArgs extends FlexibleDistanceArgs {
  /** Start (default: `SaltAndPepperNoiseAttack()`). */
  initAttack?: Attack | null;
  /** After no pixel can be reset any more, bisect each differing pixel towards the clean value. Default true. */
  l2BinarySearch?: boolean;
}

/**
 * Pointwise attack (foolbox `PointwiseAttack`, Schott et al. 2019), decision-based, L0-minded: starting from
 * an adversarial, it resets the differing pixels to their clean values one at a time in a seeded random
 * order, keeping each reset that stays adversarial, and repeats until a whole pass changes nothing. With
 * `l2BinarySearch`, remaining pixels are then bisected (10 steps) between the adversarial and the clean
 * value, pass after pass, while that improves anything. One model call per pixel tried, for the whole batch.
 *
 * @example
 * const { clipped } = await new PointwiseAttack({ distance: 'l0' }).run(model, x, y, { seed: 0 });
 */
export class PointwiseAttack extends FlexibleDistanceAttack {
  readonly name: string = 'PointwiseAttack';
  readonly initAttack: Attack | null;
  readonly l2BinarySearch: boolean;
  /** Cap on the bisection passes (foolbox loops until no pass improves; each pass gains ≤ 2⁻¹⁰ of the gap). */
  readonly maxPasses = 20;

  constructor(args: PointwiseAttackArgs = {}) {
    const o = FlexibleDistanceAttack.parseOptions('PointwiseAttack', args, {
      initAttack: initAttackOption.default(null),
      l2BinarySearch: opt.boolean().default(true),
    });
    super('PointwiseAttack', o.distance);
    this.initAttack = o.initAttack;
    this.l2BinarySearch = o.l2BinarySearch;
  }

  protected async attackBatch(ctx: AttackContext, x: tf.Tensor): Promise<tf.Tensor> {
    const n = x.shape[0];
    const dim = x.size / n;
    const start = await adversarialStart(ctx, x, this.initAttack, () => new SaltAndPepperNoiseAttack());
    const ok = Array.from(start!.adversarial, Boolean);
    const orig = (await x.data()) as Float32Array;
    const adv = Float32Array.from((await start!.points.data()) as Float32Array);
    start!.points.dispose();
    for (let i = 0; i < n; i++) if (!ok[i]) adv.set(orig.subarray(i * dim, (i + 1) * dim), i * dim);
    const search: PixelSearch = { ctx, shape: x.shape, n, dim, ok, orig, adv };
    let pass = 0;
    // Phase 1: reset pixels while a pass resets any.
    for (let changed = true; changed; pass++) {
      changed = await resetPass(search);
      if (await ctx.tick(pass + 1, pass + 2)) return tf.tensor(adv, x.shape, 'float32');
    }
    // Phase 2: bisect the remaining pixels towards the clean values.
    const phase1 = pass;
    for (let improved = this.l2BinarySearch; improved && pass < phase1 + this.maxPasses; pass++) {
      improved = await bisectPass(search);
      if (await ctx.tick(pass + 1, pass + 2)) break;
    }
    return tf.tensor(adv, x.shape, 'float32');
  }
}

/** The batch a pointwise search works on: clean pixels `orig`, the adversarials `adv` (updated in place), both flat [n·dim]. */
interface PixelSearch {
  ctx: AttackContext;
  shape: number[];
  n: number;
  dim: number;
  /** Samples with an adversarial start (the others are never changed). */
  ok: boolean[];
  orig: Float32Array;
  adv: Float32Array;
}

/** Per sample, whether the current `adv` is adversarial (one model call). */
async function isAdversarialNow(p: PixelSearch): Promise<tf.TypedArray> {
  const a = tf.tidy(() => p.ctx.isAdversarial(p.ctx.logits(tf.tensor(p.adv, p.shape, 'float32'))));
  const v = await a.data();
  a.dispose();
  return v;
}

/** Differing pixel indices per sample (|adv − orig| > tol), in a seeded random order. */
function differingPixels(p: PixelSearch, tol: number): number[][] {
  const { n, dim, adv, orig } = p;
  return Array.from({ length: n }, (_, i) => {
    const idx: number[] = [];
    for (let k = 0; k < dim; k++) if (p.ok[i] && Math.abs(adv[i * dim + k]! - orig[i * dim + k]!) > tol) idx.push(k);
    for (let k = idx.length - 1; k > 0; k--) {
      const j = Math.floor(p.ctx.rng.uniform() * (k + 1));
      [idx[k], idx[j]] = [idx[j] as number, idx[k] as number];
    }
    return idx;
  });
}

/** The k-th pixel of every sample's order as a flat index into `adv`, −1 where a sample has fewer. */
const kthPixels = (p: PixelSearch, ord: number[][], k: number): number[] =>
  ord.map((o, i) => (k < o.length ? i * p.dim + (o[k] as number) : -1));

/** One pass resetting differing pixels to their clean values, one per sample per model call, keeping resets that stay adversarial; whether any was kept. */
async function resetPass(p: PixelSearch): Promise<boolean> {
  const { adv, orig } = p;
  let changed = false;
  const ord = differingPixels(p, 1e-8);
  const len = Math.max(0, ...ord.map((o) => o.length));
  for (let k = 0; k < len; k++) {
    const rel = kthPixels(p, ord, k);
    const old = rel.map((q) => (q >= 0 ? (adv[q] as number) : 0));
    rel.forEach((q) => q >= 0 && (adv[q] = orig[q] as number));
    const a = await isAdversarialNow(p);
    rel.forEach((q, i) => {
      if (q < 0) return;
      if (a[i]) changed = true;
      else adv[q] = old[i] as number;
    });
  }
  return changed;
}

/** One pass bisecting every differing pixel towards its clean value; whether any moved. */
async function bisectPass(p: PixelSearch): Promise<boolean> {
  let improved = false;
  const ord = differingPixels(p, 1e-12);
  const len = Math.max(0, ...ord.map((o) => o.length));
  for (let k = 0; k < len; k++) if (await bisectPixels(p, kthPixels(p, ord, k))) improved = true;
  return improved;
}

/**
 * Pixels `rel` (one per sample, −1 for none): reset to clean where that stays adversarial, else
 * 10 bisection steps between the adversarial and the clean value; whether any pixel moved.
 */
async function bisectPixels(p: PixelSearch, rel: number[]): Promise<boolean> {
  const { adv, orig } = p;
  let improved = false;
  const advV = rel.map((q) => (q >= 0 ? (adv[q] as number) : 0));
  const before = advV.slice();
  const cleanV = rel.map((q) => (q >= 0 ? (orig[q] as number) : 0));
  rel.forEach((q, i) => q >= 0 && (adv[q] = cleanV[i] as number));
  const a = await isAdversarialNow(p);
  if (rel.every((q, i) => q < 0 || a[i])) return rel.some((q) => q >= 0);
  for (let s = 0; s < 10; s++) {
    rel.forEach((q, i) => q >= 0 && !a[i] && (adv[q] = Math.fround(((advV[i] as number) + (cleanV[i] as number)) / 2)));
    const b = await isAdversarialNow(p);
    rel.forEach((q, i) => {
      if (q < 0 || a[i]) return;
      if (b[i]) advV[i] = adv[q] as number;
      else cleanV[i] = adv[q] as number;
    });
  }
  rel.forEach((q, i) => {
    if (q < 0) return;
    if (a[i]) improved = true;
    else {
      if (advV[i] !== before[i]) improved = true;
      adv[q] = advV[i] as number;
    }
  });
  return improved;
}
