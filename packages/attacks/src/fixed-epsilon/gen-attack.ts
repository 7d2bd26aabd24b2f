import * as tf from '@tensorflow/tfjs-core';
import { Attack, type AttackContext } from '../attack';
import { LipnetOptionError, defineOptions, opt } from '@lipnet/core';
import { perSample, pick } from '../ops';

/** Options of {@link GenAttack}; defaults are foolbox 3.3.4's. */
export interface GenAttackArgs {
  /** Generations. Default 1000. */
  steps?: number;
  /** Population per sample. Default 10. */
  population?: number;
  /** Least mutation probability. Default 0.1. */
  mutationProbability?: number;
  /** Least mutation range, relative to ε. Default 0.15. */
  mutationRange?: number;
  /** Softmax temperature of the parent selection. Default 0.3. */
  samplingTemperature?: number;
  /** Evolve the noise at this `[height, width]` and resize it bilinearly to the images (rank-4 channels-last inputs). Default: full size. */
  reducedDims?: [number, number] | null;
}

const GEN_ATTACK_OPTIONS = defineOptions('GenAttack', {
  steps: opt.integer({ min: 1 }).default(1000),
  population: opt.integer({ min: 2 }).default(10),
  mutationProbability: opt.number({ min: 0, max: 1 }).default(0.1),
  mutationRange: opt.number({ gt: 0 }).default(0.15),
  samplingTemperature: opt.number({ gt: 0 }).default(0.3),
  reducedDims: opt
    .arrayOf(opt.integer({ min: 1 }), { length: 2 })
    .describedAs('[height, width] of positive integers', 'Pass e.g. `[8, 8]`.')
    .orNull()
    .default(null),
});

/**
 * GenAttack (foolbox `GenAttack`, Alzantot et al. 2019): a gradient-free, targeted L∞ attack that evolves
 * a population of noises in [−ε, ε] with fitness `z_t − log Σ_{j≠t} exp(z_j)`; the elite survives, children
 * cross two parents drawn by softmax(fitness/T) and mutate (probability and range grow after plateaus of
 * 100 generations). Stops when every elite is adversarial. Targeted only (`criterion: { targets }`).
 *
 * Differences from foolbox: the fitness subtracts `log Σ_{j≠t} exp(z_j)` as in the paper (foolbox
 * subtracts the target logit instead of its exponential); clipping uses `bounds` (foolbox: [0, 1]).
 *
 * @example
 * const [r] = await new GenAttack({ steps: 200 }).run(model, x, y, { epsilons: [0.1], criterion: { targets }, seed: 0 });
 */
export class GenAttack extends Attack {
  readonly name: string = 'GenAttack';
  readonly distance = 'linf' as const;
  readonly kind = 'fixedEpsilon' as const;
  readonly steps: number;
  readonly population: number;
  readonly mutationProbability: number;
  readonly mutationRange: number;
  readonly samplingTemperature: number;
  readonly reducedDims: [number, number] | null;

  constructor(args: GenAttackArgs = {}) {
    super();
    const o = GEN_ATTACK_OPTIONS.parse(args);
    this.steps = o.steps;
    this.population = o.population;
    this.mutationProbability = o.mutationProbability;
    this.mutationRange = o.mutationRange;
    this.samplingTemperature = o.samplingTemperature;
    this.reducedDims = o.reducedDims as [number, number] | null;
  }

  /** `clip(x + clip(resize(noise), ±ε))` for one member of each sample's population. */
  private apply(x: tf.Tensor, noise: tf.Tensor, eps: number, lo: number, hi: number): tf.Tensor {
    let z = noise;
    if (this.reducedDims)
      z = tf.image.resizeBilinear(noise as tf.Tensor4D, [x.shape[1] as number, x.shape[2] as number]);
    return tf.clipByValue(tf.add(x, tf.clipByValue(z, -eps, eps)), lo, hi);
  }

  protected async attackBatch(ctx: AttackContext, x: tf.Tensor, epsilon: number | null): Promise<tf.Tensor> {
    this.checkApplicable(ctx, x);
    const eps = epsilon as number;
    const [lo, hi] = ctx.bounds;
    const n = x.shape[0];
    const P = this.population;
    const shape = this.reducedDims
      ? [this.reducedDims[0], this.reducedDims[1], x.shape[3] as number]
      : x.shape.slice(1);
    // pops[k]: member k of every sample's population, [n, …shape].
    let pops: tf.Tensor[] = Array.from({ length: P }, () =>
      tf.randomUniform([n, ...shape], -eps, eps, 'float32', ctx.rng.int()),
    );
    const plateaus = new Array<number>(n).fill(0);
    const still = new Array<number>(n).fill(0);
    let elite: tf.Tensor = tf.clone(pops[0] as tf.Tensor);
    try {
      for (let step = 0; step < this.steps; step++) {
        const { fitness, isAdv } = await this.fitnessOf(ctx, x, pops, eps);
        const eIdx = eliteIndices(fitness, n, P);
        elite.dispose();
        elite = this.select(pops, eIdx);
        if (eIdx.every((k, i) => isAdv[i * P + k])) break;
        const probs = eIdx.map((_, i) =>
          softmax(Array.from(fitness.subarray(i * P, (i + 1) * P), (v) => v / this.samplingTemperature)),
        );
        const children = this.breed(ctx, pops, elite, probs, plateaus, eps);
        tf.dispose(pops);
        pops = children;
        countPlateaus(eIdx, still, plateaus);
        if (await ctx.tick(step + 1, this.steps)) break;
      }
      return tf.tidy(() => this.apply(x, elite, eps, lo, hi));
    } finally {
      tf.dispose([...pops, elite]);
    }
  }

  /** Throws unless the criterion is targeted and `reducedDims` meets [N, H, W, C] images. */
  private checkApplicable(ctx: AttackContext, x: tf.Tensor): void {
    if (!ctx.targeted)
      throw new LipnetOptionError({
        code: 'CONFLICTING_OPTIONS',
        who: this.name,
        option: 'criterion',
        expected: 'be targeted ({ targets })',
        got: "'misclassification'",
        fix: 'GenAttack is targeted only, as in foolbox: pass `criterion: { targets }`.',
      });
    if (this.reducedDims && x.rank !== 4)
      throw new LipnetOptionError({
        code: 'CONFLICTING_OPTIONS',
        who: this.name,
        option: 'reducedDims',
        expected: 'be used with [N, H, W, C] images',
        got: `images of rank ${x.rank}`,
        fix: 'Drop `reducedDims` for flat inputs.',
      });
  }

  /** Fitness `z_t − log Σ_{j≠t} exp(z_j)` and adversarial flags of every member, `[n·P]` sample-major, read back. */
  private async fitnessOf(
    ctx: AttackContext,
    x: tf.Tensor,
    pops: tf.Tensor[],
    eps: number,
  ): Promise<{ fitness: Float32Array; isAdv: tf.TypedArray }> {
    const [lo, hi] = ctx.bounds;
    const [fit, adv] = tf.tidy(() => {
      const f: tf.Tensor[] = [];
      const a: tf.Tensor[] = [];
      for (const p of pops) {
        const z = ctx.logits(this.apply(x, p, eps, lo, hi));
        const zt = pick(z, ctx.classes);
        const others = tf.logSumExp(
          tf.where(tf.cast(tf.oneHot(ctx.classes, ctx.numClasses), 'bool'), tf.fill(z.shape, -Infinity), z),
          1,
        );
        f.push(tf.sub(zt, others));
        a.push(ctx.isAdversarial(z));
      }
      return [tf.stack(f, 1), tf.stack(a, 1)];
    });
    const fitness = (await fit.data()) as Float32Array;
    const isAdv = await adv.data();
    tf.dispose([fit, adv]);
    return { fitness, isAdv };
  }

  /**
   * The next generation: the elite, then P − 1 children, each crossing two parents drawn by
   * `probs` (per sample) and mutated with the probability and range of its sample's plateau count.
   */
  private breed(
    ctx: AttackContext,
    pops: tf.Tensor[],
    elite: tf.Tensor,
    probs: number[][],
    plateaus: number[],
    eps: number,
  ): tf.Tensor[] {
    const rank = pops[0]!.rank;
    const children: tf.Tensor[] = [tf.clone(elite)];
    for (let c = 0; c < this.population - 1; c++) {
      const pa = probs.map((pr) => draw(pr, ctx.rng.uniform()));
      const pb = probs.map((pr) => draw(pr, ctx.rng.uniform()));
      const cross = probs.map((pr, i) => pr[pa[i]!]! / (pr[pa[i]!]! + pr[pb[i]!]!));
      const mp = plateaus.map((k) => Math.max(this.mutationProbability, 0.5 * Math.pow(0.9, k)));
      const mr = plateaus.map((k) => Math.max(this.mutationRange, 0.4 * Math.pow(0.9, k)));
      const seed = ctx.rng.int();
      children.push(
        tf.tidy(() => {
          const [a, b] = [this.select(pops, pa), this.select(pops, pb)];
          const u = tf.randomUniform(a.shape, 0, 1, 'float32', seed);
          const child = tf.where(tf.less(u, perSample(tf.tensor1d(cross), rank)), a, b);
          const range = perSample(tf.tensor1d(mr.map((r) => r * eps)), rank);
          const mut = tf.mul(tf.randomUniform(a.shape, -1, 1, 'float32', seed + 1), range);
          const mask = tf.lessEqual(
            tf.randomUniform(a.shape, 0, 1, 'float32', seed + 2),
            perSample(tf.tensor1d(mp), rank),
          );
          return tf.clipByValue(tf.where(mask, tf.add(child, mut), child), -eps, eps);
        }),
      );
    }
    return children;
  }

  /** Member `idx[i]` of sample i's population, `[n, …]`. */
  private select(pops: tf.Tensor[], idx: number[]): tf.Tensor {
    return tf.tidy(() => {
      const all = tf.stack(pops, 1); // [n, P, …]
      const oh = tf.oneHot(tf.tensor1d(idx, 'int32'), pops.length);
      return tf.sum(tf.mul(all, tf.reshape(oh, [idx.length, pops.length, ...all.shape.slice(2).map(() => 1)])), 1);
    });
  }
}

/** Per sample, the index of its fittest member (the first on ties); `fitness` is `[n·P]` sample-major. */
function eliteIndices(fitness: Float32Array, n: number, P: number): number[] {
  return Array.from({ length: n }, (_, i) => {
    let b = 0;
    for (let k = 1; k < P; k++) if (fitness[i * P + k]! > fitness[i * P + b]!) b = k;
    return b;
  });
}

/** Counts generations whose elite is the previous elite (index 0); every 100 in a row is one more plateau. */
function countPlateaus(eIdx: number[], still: number[], plateaus: number[]): void {
  eIdx.forEach((k, i) => {
    still[i] = k === 0 ? (still[i] as number) + 1 : 0;
    if (still[i] >= 100) {
      plateaus[i] = (plateaus[i] as number) + 1;
      still[i] = 0;
    }
  });
}

function softmax(v: number[]): number[] {
  const m = Math.max(...v);
  const e = v.map((a) => Math.exp(a - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((a) => a / s);
}

function draw(p: number[], u: number): number {
  let acc = 0;
  for (let k = 0; k < p.length; k++) {
    acc += p[k] as number;
    if (u < acc) return k;
  }
  return p.length - 1;
}
