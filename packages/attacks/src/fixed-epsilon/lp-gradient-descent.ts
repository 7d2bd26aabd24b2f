import * as tf from '@tensorflow/tfjs-core';
import { Attack, type AttackContext } from '../attack';
import { defineOptions, opt, type OptionSchema } from '@lipnet/core';
import { normalizeL1, randomStart } from '../geometry/lp-ball';
import { crossEntropy, normalizeL2, projectL2, projectLinf, scaleL1 } from '../ops';
import type { Bounds } from '../types';
import { GradientStep, type StepRule } from './optimizers';

/** Options shared by foolbox's gradient attacks (`BaseGradientDescent`). */
export interface LpGradientArgs {
  /** Step size relative to ε (`stepsize = relStepsize·ε`). */
  relStepsize?: number;
  /** Absolute step size; takes precedence over `relStepsize` when given. */
  absStepsize?: number;
  /** Number of gradient steps. */
  steps?: number;
  /** Start from a uniformly random point of the ε-ball. */
  randomStart?: boolean;
}

/** Defaults of one attack class. */
export type LpGradientDefaults = Required<Omit<LpGradientArgs, 'absStepsize'>>;

/** The rules of {@link LpGradientArgs}, with one attack class's defaults. */
export function lpGradientSchema(defaults: LpGradientDefaults) {
  return {
    relStepsize: opt.number({ gt: 0 }).default(defaults.relStepsize),
    absStepsize: opt.number({ gt: 0 }),
    steps: opt.integer({ min: 1 }).default(defaults.steps),
    randomStart: opt.boolean().default(defaults.randomStart),
  };
}

/**
 * foolbox `BaseGradientDescent` for any of L1, L2, L∞: optional random start in the ε-ball, then
 * `steps` times `x ← clip_bounds(Π_ε(x + s·rule(normalize(∇CE(x)))))`, s = +1 (untargeted, ascent)
 * or −1 (targeted). `normalize` is `g/‖g‖₁`, `g/‖g‖₂` or `sign(g)`; `Π_ε` scales δ to L1 norm ε
 * (foolbox `clip_lp_norms`), projects onto the L2 ball, or clips to [−ε, ε]; the rule is a
 * plain step unless a subclass uses Adam or momentum.
 */
export abstract class LpGradientDescent extends Attack {
  readonly kind = 'fixedEpsilon' as const;
  abstract override readonly distance: 'l1' | 'l2' | 'linf';
  readonly relStepsize: number;
  readonly absStepsize: number | null;
  readonly steps: number;
  readonly randomStart: boolean;

  /**
   * Checks every option of the attack at once: the gradient options (with `defaults`) and the
   * subclass's own rules `more` (which the subclass then reads with their `resolve`); unknown keys
   * are refused with the closest valid name.
   */
  constructor(who: string, args: LpGradientArgs, defaults: LpGradientDefaults, more: OptionSchema = {}) {
    super();
    const base = lpGradientSchema(defaults);
    defineOptions(who, { ...base, ...more }).parse(args);
    const o = defineOptions(who, base).parsePart(args);
    this.relStepsize = o.relStepsize;
    this.absStepsize = o.absStepsize ?? null;
    this.steps = o.steps;
    this.randomStart = o.randomStart;
  }

  /** Gradient normalisation of this norm (foolbox `normalize`). */
  protected normalize(g: tf.Tensor, _x: tf.Tensor, _bounds: Bounds): tf.Tensor {
    return normalizeFor(this.distance, g);
  }

  /** Restriction to the ε-ball (foolbox `project`). */
  protected project(x: tf.Tensor, x0: tf.Tensor, eps: number): tf.Tensor {
    if (this.distance === 'linf') return projectLinf(x, x0, eps);
    if (this.distance === 'l2') return projectL2(x, x0, eps);
    return scaleL1(x, x0, eps);
  }

  /** Update rule (foolbox `get_optimizer`); plain steps by default. */
  protected makeRule(_x0: tf.Tensor, stepsize: number): StepRule {
    return new GradientStep(stepsize);
  }

  protected async attackBatch(ctx: AttackContext, x0: tf.Tensor, epsilon: number | null): Promise<tf.Tensor> {
    const eps = epsilon as number;
    const [lo, hi] = ctx.bounds;
    const sign = ctx.targeted ? -1 : 1;
    const rule = this.makeRule(x0, this.absStepsize ?? this.relStepsize * eps);
    let x = this.randomStart
      ? tf.tidy(() => tf.clipByValue(randomStart(x0, eps, this.distance, ctx.rng.int()), lo, hi))
      : tf.clone(x0);
    try {
      for (let step = 0; step < this.steps; step++) {
        const next = tf.tidy(() => {
          const g = tf.grad((xi: tf.Tensor) => tf.sum(crossEntropy(ctx.logits(xi), ctx.classes)))(x);
          const moved = tf.add(x, tf.mul(rule.step(this.normalize(g, x, ctx.bounds)), sign));
          return tf.clipByValue(this.project(moved, x0, eps), lo, hi);
        });
        x.dispose();
        x = next;
        if (await ctx.tick(step + 1, this.steps)) break;
      }
      return x;
    } finally {
      rule.dispose();
    }
  }
}

/** `g/‖g‖₁`, `g/‖g‖₂` or `sign(g)` per sample. */
export function normalizeFor(ord: 'l1' | 'l2' | 'linf', g: tf.Tensor): tf.Tensor {
  if (ord === 'linf') return tf.sign(g);
  return ord === 'l2' ? normalizeL2(g) : normalizeL1(g);
}
