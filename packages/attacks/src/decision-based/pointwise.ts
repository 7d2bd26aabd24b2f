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
    const n = x.shape[0] as number;
    const dim = x.size / n;
    const start = await adversarialStart(ctx, x, this.initAttack, () => new SaltAndPepperNoiseAttack());
    const ok = Array.from(start!.adversarial, Boolean);
    const orig = (await x.data()) as Float32Array;
    const adv = Float32Array.from((await start!.points.data()) as Float32Array);
    start!.points.dispose();
    for (let i = 0; i < n; i++) if (!ok[i]) adv.set(orig.subarray(i * dim, (i + 1) * dim), i * dim);
    const isAdv = async () => {
      const a = tf.tidy(() => ctx.isAdversarial(ctx.logits(tf.tensor(adv, x.shape, 'float32'))));
      const v = await a.data();
      a.dispose();
      return v;
    };
    /** Differing pixel indices per sample, in a seeded random order. */
    const orders = (tol: number) =>
      Array.from({ length: n }, (_, i) => {
        const idx: number[] = [];
        for (let k = 0; k < dim; k++) if (ok[i] && Math.abs(adv[i * dim + k]! - orig[i * dim + k]!) > tol) idx.push(k);
        for (let k = idx.length - 1; k > 0; k--) {
          const j = Math.floor(ctx.rng.uniform() * (k + 1));
          [idx[k], idx[j]] = [idx[j] as number, idx[k] as number];
        }
        return idx;
      });
    let pass = 0;
    // Phase 1: reset pixels while a pass resets any.
    for (let changed = true; changed; pass++) {
      changed = false;
      const ord = orders(1e-8);
      const len = Math.max(0, ...ord.map((o) => o.length));
      for (let k = 0; k < len; k++) {
        const rel = ord.map((o, i) => (k < o.length ? i * dim + (o[k] as number) : -1));
        const old = rel.map((p) => (p >= 0 ? (adv[p] as number) : 0));
        rel.forEach((p) => p >= 0 && (adv[p] = orig[p] as number));
        const a = await isAdv();
        rel.forEach((p, i) => {
          if (p < 0) return;
          if (a[i]) changed = true;
          else adv[p] = old[i] as number;
        });
      }
      if (await ctx.tick(pass + 1, pass + 2)) return tf.tensor(adv, x.shape, 'float32');
    }
    // Phase 2: bisect the remaining pixels towards the clean values.
    const phase1 = pass;
    for (let improved = this.l2BinarySearch; improved && pass < phase1 + this.maxPasses; pass++) {
      improved = false;
      const ord = orders(1e-12);
      const len = Math.max(0, ...ord.map((o) => o.length));
      for (let k = 0; k < len; k++) {
        const rel = ord.map((o, i) => (k < o.length ? i * dim + (o[k] as number) : -1));
        const advV = rel.map((p) => (p >= 0 ? (adv[p] as number) : 0));
        const before = advV.slice();
        const cleanV = rel.map((p) => (p >= 0 ? (orig[p] as number) : 0));
        rel.forEach((p, i) => p >= 0 && (adv[p] = cleanV[i] as number));
        const a = await isAdv();
        if (rel.every((p, i) => p < 0 || a[i])) {
          if (rel.some((p) => p >= 0)) improved = true;
          continue;
        }
        for (let s = 0; s < 10; s++) {
          rel.forEach(
            (p, i) => p >= 0 && !a[i] && (adv[p] = Math.fround(((advV[i] as number) + (cleanV[i] as number)) / 2)),
          );
          const b = await isAdv();
          rel.forEach((p, i) => {
            if (p < 0 || a[i]) return;
            if (b[i]) advV[i] = adv[p] as number;
            else cleanV[i] = adv[p] as number;
          });
        }
        rel.forEach((p, i) => {
          if (p < 0) return;
          if (a[i]) improved = true;
          else {
            if (advV[i] !== before[i]) improved = true;
            adv[p] = advV[i] as number;
          }
        });
      }
      if (await ctx.tick(pass + 1, pass + 2)) break;
    }
    return tf.tensor(adv, x.shape, 'float32');
  }
}
