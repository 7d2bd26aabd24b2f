import * as tf from '@tensorflow/tfjs-core';
import { Attack, type AttackContext } from '../attack';
import { defineOptions, opt } from '@lipnet/core';
import { initAttackOption } from '../init-attack-option';
import { norms, whereSample } from '../ops';
import { LinearSearchBlendedUniformNoiseAttack } from '../noise/blended-uniform';
import { adversarialStart } from '../minimum-norm/adversarial-start';

/** Options of {@link BoundaryAttack}; defaults are foolbox 3.3.4's. */
export interface BoundaryAttackArgs {
  /** Start (default: `LinearSearchBlendedUniformNoiseAttack({ steps: 50 })`). */
  initAttack?: Attack | null;
  /** Proposals. Default 25000. */
  steps?: number;
  /** Initial orthogonal step, relative to the distance. Default 1e-2. */
  sphericalStep?: number;
  /** Initial step towards the input, relative to the distance. Default 1e-2. */
  sourceStep?: number;
  /** A sample stops once its source step falls below this. Default 1e-7. */
  sourceStepConvergance?: number;
  /** Factor by which the steps grow or shrink. Default 1.5. */
  stepAdaptation?: number;
  /** Success statistics are updated every k steps. Default 10. */
  updateStatsEveryK?: number;
}

const BOUNDARY_OPTIONS = defineOptions('BoundaryAttack', {
  initAttack: initAttackOption.default(null),
  steps: opt.integer({ min: 1 }).default(25000),
  sphericalStep: opt.number({ gt: 0 }).default(1e-2),
  sourceStep: opt.number({ gt: 0 }).default(1e-2),
  sourceStepConvergance: opt.number({ gt: 0 }).default(1e-7),
  stepAdaptation: opt.number({ gt: 0 }).default(1.5),
  updateStatsEveryK: opt.integer({ min: 1 }).default(10),
});

/** Rolling success statistics of one kind of proposal (foolbox `ArrayQueue`), per sample. */
class SuccessQueue {
  private readonly data: number[][];
  private next = 0;
  constructor(
    private readonly maxlen: number,
    n: number,
  ) {
    this.data = Array.from({ length: maxlen }, () => new Array<number>(n).fill(NaN));
  }
  append(v: ArrayLike<number>): void {
    this.data[this.next] = Array.from(v, Number);
    this.next = (this.next + 1) % this.maxlen;
  }
  full(i: number): boolean {
    return this.data.every((row) => !Number.isNaN(row[i]));
  }
  mean(i: number): number {
    const vals = this.data.map((row) => row[i] as number).filter((v) => !Number.isNaN(v));
    return vals.reduce((s, v) => s + v, 0) / Math.max(vals.length, 1);
  }
  clear(i: number): void {
    for (const row of this.data) row[i] = NaN;
  }
}

/**
 * Boundary attack (foolbox `BoundaryAttack`, Brendel et al. 2018), decision-based, L2. From an adversarial
 * start, each step proposes a point on the sphere around x through the current adversarial (an orthogonal
 * Gaussian step of relative size `sphericalStep`) and then moves it towards x by `sourceStep`·distance;
 * the proposal replaces the current point if it is adversarial and closer. Every `updateStatsEveryK` steps
 * the success rates of the spherical proposals (last 100) and of the full proposals (last 30) adapt both
 * steps by `stepAdaptation`, as in foolbox.
 *
 * Differences from foolbox: the Gaussian direction is drawn per sample (foolbox shares one draw across
 * the batch); samples without an adversarial start come back unchanged (foolbox raises).
 *
 * @example
 * const { clipped } = await new BoundaryAttack({ steps: 5000 }).run(model, x, y, { seed: 0 });
 */
export class BoundaryAttack extends Attack {
  readonly name: string = 'BoundaryAttack';
  readonly distance = 'l2' as const;
  readonly kind = 'minimization' as const;
  readonly initAttack: Attack | null;
  readonly steps: number;
  readonly sphericalStep: number;
  readonly sourceStep: number;
  readonly sourceStepConvergance: number;
  readonly stepAdaptation: number;
  readonly updateStatsEveryK: number;
  /** Reads only the model's argmax: integer logits are fine. */
  protected override readonly needsGradients: boolean = false;

  constructor(args: BoundaryAttackArgs = {}) {
    super();
    const o = BOUNDARY_OPTIONS.parse(args);
    this.initAttack = o.initAttack;
    this.steps = o.steps;
    this.sphericalStep = o.sphericalStep;
    this.sourceStep = o.sourceStep;
    this.sourceStepConvergance = o.sourceStepConvergance;
    this.stepAdaptation = o.stepAdaptation;
    this.updateStatsEveryK = o.updateStatsEveryK;
  }

  /** The spherical and the full proposal (foolbox `draw_proposals`), each clipped to the bounds. */
  private propose(
    ctx: AttackContext,
    x0: tf.Tensor,
    best: tf.Tensor,
    sph: number[],
    src: number[],
    seed: number,
  ): [tf.Tensor, tf.Tensor] {
    const [lo, hi] = ctx.bounds;
    return tf.tidy(() => {
      const n = x0.shape[0];
      const o = tf.reshape(x0, [n, -1]);
      const unnorm = tf.sub(o, tf.reshape(best, [n, -1]));
      const srcNorm = norms(unnorm);
      const dir = tf.div(unnorm, tf.expandDims(srcNorm, 1));
      let eta = tf.randomNormal(o.shape, 0, 1, 'float32', seed);
      eta = tf.sub(eta, tf.mul(tf.sum(tf.mul(eta, dir), 1, true), dir));
      const sphT = tf.tensor1d(sph);
      eta = tf.mul(eta, tf.expandDims(tf.div(tf.mul(sphT, srcNorm), norms(eta)), 1));
      const onSphere = tf.expandDims(tf.sqrt(tf.add(tf.square(sphT), 1)), 1);
      const spherical = tf.clipByValue(tf.add(o, tf.div(tf.sub(eta, unnorm), onSphere)), lo, hi);
      const newDir = tf.sub(o, spherical);
      const newNorm = norms(newDir);
      const len = tf.div(tf.relu(tf.add(tf.mul(tf.tensor1d(src), srcNorm), tf.sub(newNorm, srcNorm))), newNorm);
      const cand = tf.clipByValue(tf.add(spherical, tf.mul(tf.expandDims(len, 1), newDir)), lo, hi);
      return [tf.reshape(cand, x0.shape), tf.reshape(spherical, x0.shape)];
    });
  }

  protected async attackBatch(ctx: AttackContext, x0: tf.Tensor): Promise<tf.Tensor> {
    const n = x0.shape[0];
    const start = await adversarialStart(
      ctx,
      x0,
      this.initAttack,
      () => new LinearSearchBlendedUniformNoiseAttack({ steps: 50 }),
    );
    const ok = Array.from(start!.adversarial, Boolean);
    let best = tf.tidy(() => whereSample(tf.tensor1d(ok.map(Number)), start!.points, x0));
    start!.points.dispose();
    const sph = new Array<number>(n).fill(this.sphericalStep);
    const src = new Array<number>(n).fill(this.sourceStep);
    const qSph = new SuccessQueue(100, n);
    const qStep = new SuccessQueue(30, n);
    const isAdv = async (t: tf.Tensor) => {
      const a = tf.tidy(() => ctx.isAdversarial(ctx.logits(t)));
      const v = await a.data();
      a.dispose();
      return v;
    };
    for (let step = 1; step <= this.steps; step++) {
      const active = ok.map((o, i) => o && (src[i] as number) >= this.sourceStepConvergance);
      if (!active.some(Boolean)) break;
      const [cand, spherical] = this.propose(ctx, x0, best, sph, src, ctx.rng.int());
      const adv = await isAdv(cand);
      const check = step % this.updateStatsEveryK === 0;
      if (check) {
        qSph.append(await isAdv(spherical));
        qStep.append(adv);
      }
      const next = tf.tidy(() => {
        const closer = tf.less(norms(tf.sub(x0, cand)), norms(tf.sub(x0, best)));
        const take = tf.logicalAnd(
          tf.logicalAnd(tf.tensor1d(Array.from(adv, Number), 'bool'), closer),
          tf.tensor1d(active.map(Number), 'bool'),
        );
        return whereSample(take, cand, best);
      });
      tf.dispose([cand, spherical, best]);
      best = next;
      if (check) this.adapt(qSph, qStep, sph, src);
      if (await ctx.tick(step, this.steps)) break;
    }
    return best;
  }

  /** foolbox's step-size adaptation from the two success queues. */
  private adapt(qSph: SuccessQueue, qStep: SuccessQueue, sph: number[], src: number[]): void {
    const a = this.stepAdaptation;
    for (let i = 0; i < sph.length; i++) {
      if (qSph.full(i)) {
        const p = qSph.mean(i);
        if (p > 0.5) [sph[i], src[i]] = [(sph[i] as number) * a, (src[i] as number) * a];
        if (p < 0.2) [sph[i], src[i]] = [(sph[i] as number) / a, (src[i] as number) / a];
        if (p > 0.5 || p < 0.2) qSph.clear(i);
      }
      if (qStep.full(i)) {
        const p = qStep.mean(i);
        if (p > 0.25) src[i] = (src[i] as number) * a;
        if (p < 0.1) src[i] = (src[i] as number) / a;
        if (p > 0.25 || p < 0.1) qStep.clear(i);
      }
    }
  }
}
