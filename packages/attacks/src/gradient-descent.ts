import * as tf from '@tensorflow/tfjs-core';
import { Attack, type AttackContext } from './attack';
import { defineOptions, opt } from '@lipnet/core';
import { crossEntropy, normalizeL2, norms, projectL2, projectLinf } from './ops';

/** Options of the fixed-ε gradient attacks (PGD, FGSM). */
export interface GradientDescentArgs {
  /** Step size relative to ε (`stepsize = relStepsize·ε`). */
  relStepsize?: number;
  /** Absolute step size; overrides `relStepsize` when given. */
  absStepsize?: number;
  /** Number of gradient steps. */
  steps?: number;
  /** Start from a uniformly random point of the ε-ball. */
  randomStart?: boolean;
}

/** The options of every gradient-descent attack (their defaults differ: LinfPGD, L2PGD, FGSM, FGM). */
const GRADIENT_DESCENT_OPTIONS = defineOptions('GradientDescentAttack', {
  relStepsize: opt.number({ gt: 0 }),
  absStepsize: opt.number({ gt: 0 }),
  steps: opt.integer({ min: 1 }),
  randomStart: opt.boolean(),
});

/**
 * Projected gradient ascent on the cross-entropy (foolbox `BaseGradientDescent`):
 * optional random start in the ε-ball, then `steps` times
 * `x ← clip_bounds(Π_ε(x + sign·stepsize·normalize(∇CE)))` (sign −1 for targeted, +1 otherwise).
 */
abstract class GradientDescentBase extends Attack {
  readonly kind = 'fixedEpsilon' as const;
  readonly relStepsize: number;
  readonly absStepsize: number | null;
  readonly steps: number;
  readonly randomStart: boolean;

  constructor(name: string, args: GradientDescentArgs, defaults: Required<Omit<GradientDescentArgs, 'absStepsize'>>) {
    super();
    const o = GRADIENT_DESCENT_OPTIONS.parse(args, name);
    this.relStepsize = o.relStepsize ?? defaults.relStepsize;
    this.absStepsize = o.absStepsize ?? null;
    this.steps = o.steps ?? defaults.steps;
    this.randomStart = o.randomStart ?? defaults.randomStart;
  }

  protected abstract normalize(g: tf.Tensor): tf.Tensor;
  protected abstract project(x: tf.Tensor, x0: tf.Tensor, eps: number): tf.Tensor;
  protected abstract randomStartPoint(x0: tf.Tensor, eps: number, seed: number): tf.Tensor;

  protected async attackBatch(ctx: AttackContext, x0: tf.Tensor, epsilon: number | null): Promise<tf.Tensor> {
    const eps = epsilon as number;
    const [lo, hi] = ctx.bounds;
    const stepsize = this.absStepsize ?? this.relStepsize * eps;
    const sign = ctx.targeted ? -1 : 1;
    let x = this.randomStart
      ? tf.tidy(() => tf.clipByValue(this.randomStartPoint(x0, eps, ctx.rng.int()), lo, hi))
      : tf.clone(x0);
    for (let step = 0; step < this.steps; step++) {
      const next = tf.tidy(() => {
        const g = tf.grad((xi: tf.Tensor) => tf.sum(crossEntropy(ctx.logits(xi), ctx.classes)))(x);
        const moved = tf.add(x, tf.mul(this.normalize(g), sign * stepsize));
        return tf.clipByValue(this.project(moved, x0, eps), lo, hi);
      });
      x.dispose();
      x = next;
      if (await ctx.tick(step + 1, this.steps)) break;
    }
    return x;
  }
}

/** Default L∞ settings of foolbox `LinfPGD`. */
const LINF_PGD = { relStepsize: 0.01 / 0.3, steps: 40, randomStart: true };
/** Default L2 settings of foolbox `L2PGD`. */
const L2_PGD = { relStepsize: 0.025, steps: 50, randomStart: true };
/** FGSM / FGM: one step of size ε, no random start. */
const FAST = { relStepsize: 1.0, steps: 1, randomStart: false };

abstract class LinfBase extends GradientDescentBase {
  readonly distance = 'linf' as const;
  protected normalize(g: tf.Tensor): tf.Tensor {
    return tf.sign(g);
  }
  protected project(x: tf.Tensor, x0: tf.Tensor, eps: number): tf.Tensor {
    return projectLinf(x, x0, eps);
  }
  protected randomStartPoint(x0: tf.Tensor, eps: number, seed: number): tf.Tensor {
    return tf.add(x0, tf.randomUniform(x0.shape, -eps, eps, 'float32', seed));
  }
}

abstract class L2Base extends GradientDescentBase {
  readonly distance = 'l2' as const;
  protected normalize(g: tf.Tensor): tf.Tensor {
    return normalizeL2(g);
  }
  protected project(x: tf.Tensor, x0: tf.Tensor, eps: number): tf.Tensor {
    return projectL2(x, x0, eps);
  }
  protected randomStartPoint(x0: tf.Tensor, eps: number, seed: number): tf.Tensor {
    // Uniform in the L2 ball: first D coordinates of a uniform point on the (D+1)-sphere (foolbox `uniform_l2_n_balls`).
    const n = x0.shape[0];
    const dim = x0.size / n;
    const s = tf.randomNormal([n, dim + 2], 0, 1, 'float32', seed);
    const u = tf.slice(tf.div(s, tf.expandDims(norms(s), 1)), [0, 0], [n, dim]);
    return tf.add(x0, tf.mul(tf.reshape(u, x0.shape), eps));
  }
}

/**
 * L∞ projected gradient descent (foolbox `LinfPGD` = `LinfProjectedGradientDescentAttack`, Madry et al. 2018).
 * Defaults: `relStepsize = 0.01/0.3`, `steps = 40`, `randomStart = true`.
 *
 * @example
 * const [r] = await new LinfPGD().run(model, x, y, { epsilons: [8 / 255], seed: 0 });
 */
export class LinfPGD extends LinfBase {
  readonly name: string = 'LinfPGD';
  constructor(args: GradientDescentArgs = {}) {
    super('LinfPGD', args, LINF_PGD);
  }
}

/**
 * L2 projected gradient descent (foolbox `L2PGD`). Defaults: `relStepsize = 0.025`, `steps = 50`, `randomStart = true`.
 *
 * @example
 * const results = await new L2PGD().run(model, x, y, { epsilons: [0.5, 1.0] });
 */
export class L2PGD extends L2Base {
  readonly name: string = 'L2PGD';
  constructor(args: GradientDescentArgs = {}) {
    super('L2PGD', args, L2_PGD);
  }
}

/**
 * Fast gradient sign method (foolbox `LinfFastGradientAttack` = `FGSM`, Goodfellow et al. 2015):
 * `x' = clip(x + ε·sign(∇CE))`. Defaults: `relStepsize = 1`, `steps = 1`, `randomStart = false`.
 *
 * @example
 * const [r] = await new FGSM().run(model, x, y, { epsilons: [0.1] });
 */
export class LinfFastGradientAttack extends LinfBase {
  readonly name: string = 'LinfFastGradientAttack';
  constructor(args: GradientDescentArgs = {}) {
    super('LinfFastGradientAttack', args, FAST);
  }
}

/**
 * Fast gradient method in L2 (foolbox `L2FastGradientAttack` = `FGM`): `x' = clip(x + ε·∇CE/‖∇CE‖₂)`.
 *
 * @example
 * const [r] = await new L2FastGradientAttack().run(model, x, y, { epsilons: [1.0] });
 */
export class L2FastGradientAttack extends L2Base {
  readonly name: string = 'L2FastGradientAttack';
  constructor(args: GradientDescentArgs = {}) {
    super('L2FastGradientAttack', args, FAST);
  }
}

/** foolbox alias: `FGSM = LinfFastGradientAttack`. */
export const FGSM = LinfFastGradientAttack;
/** foolbox alias: `FGM = L2FastGradientAttack`. */
export const FGM = L2FastGradientAttack;
/** foolbox alias: `PGD = LinfPGD`. */
export const PGD = LinfPGD;
