// Update rules of foolbox's gradient attacks (`GDOptimizer`, `AdamOptimizer`, mi_fgsm `GDMOptimizer`).
// `step` is called inside the attack's per-step tf.tidy: it returns the step (owned by that tidy)
// and keeps its own state alive across steps.
import * as tf from '@tensorflow/tfjs-core';
import { defineOptions, opt } from '@lipnet/core';

/** One update rule: maps a normalised gradient to the step added to x. */
export interface StepRule {
  step(g: tf.Tensor): tf.Tensor;
  dispose(): void;
}

/** Plain gradient step `stepsize·g` (foolbox `GDOptimizer`). */
export class GradientStep implements StepRule {
  constructor(private readonly stepsize: number) {}
  step(g: tf.Tensor): tf.Tensor {
    return tf.mul(g, this.stepsize);
  }
  dispose(): void {}
}

/** Adam hyper-parameters, foolbox names `adam_beta1`, `adam_beta2`, `adam_epsilon`. */
export interface AdamArgs {
  /** First-moment decay. Default 0.9. */
  adamBeta1?: number;
  /** Second-moment decay. Default 0.999. */
  adamBeta2?: number;
  /** Denominator offset. Default 1e-8. */
  adamEpsilon?: number;
}

/** The rules of {@link AdamArgs}: β₁, β₂ in [0, 1), ε > 0. */
export const ADAM_SCHEMA = {
  adamBeta1: opt.number({ min: 0, lt: 1 }).default(0.9),
  adamBeta2: opt.number({ min: 0, lt: 1 }).default(0.999),
  adamEpsilon: opt.number({ gt: 0 }).default(1e-8),
};

/** Validated Adam settings (the other keys of `a` are the caller's to check). */
export function adamSettings(who: string, a: AdamArgs): Required<AdamArgs> {
  return defineOptions(who, ADAM_SCHEMA).parsePart(a);
}

/**
 * Adam on the normalised gradient (foolbox `AdamOptimizer`): `m ← β₁m + (1−β₁)g`,
 * `v ← β₂v + (1−β₂)g²`, step `stepsize·m̂/(√v̂ + ε)` with bias-corrected m̂, v̂.
 */
export class AdamStep implements StepRule {
  private m: tf.Tensor;
  private v: tf.Tensor;
  private t = 0;
  constructor(
    like: tf.Tensor,
    private readonly stepsize: number,
    private readonly s: Required<AdamArgs>,
  ) {
    this.m = tf.zerosLike(like);
    this.v = tf.zerosLike(like);
  }
  step(g: tf.Tensor): tf.Tensor {
    const { adamBeta1: b1, adamBeta2: b2, adamEpsilon: eps } = this.s;
    this.t += 1;
    const m = tf.keep(tf.add(tf.mul(this.m, b1), tf.mul(g, 1 - b1)));
    const v = tf.keep(tf.add(tf.mul(this.v, b2), tf.mul(tf.square(g), 1 - b2)));
    tf.dispose([this.m, this.v]);
    this.m = m;
    this.v = v;
    const mHat = tf.div(m, 1 - Math.pow(b1, this.t));
    const vHat = tf.div(v, 1 - Math.pow(b2, this.t));
    return tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), eps)), this.stepsize);
  }
  dispose(): void {
    tf.dispose([this.m, this.v]);
  }
}

/**
 * Momentum (foolbox mi_fgsm `GDMOptimizer`, Dong et al. 2018): `a ← μ·a + g`, step
 * `stepsize·normalize(a)` with the attack's norm normalisation (sign for L∞).
 */
export class MomentumStep implements StepRule {
  private acc: tf.Tensor;
  constructor(
    like: tf.Tensor,
    private readonly stepsize: number,
    private readonly momentum: number,
    private readonly normalize: (a: tf.Tensor) => tf.Tensor,
  ) {
    this.acc = tf.zerosLike(like);
  }
  step(g: tf.Tensor): tf.Tensor {
    const acc = tf.keep(tf.add(tf.mul(this.acc, this.momentum), g));
    this.acc.dispose();
    this.acc = acc;
    return tf.mul(this.normalize(acc), this.stepsize);
  }
  dispose(): void {
    this.acc.dispose();
  }
}
