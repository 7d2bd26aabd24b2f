import type * as tf from '@tensorflow/tfjs-core';
import { opt } from '@lipnet/core';
import { MomentumStep, type StepRule } from './optimizers';
import { LpGradientDescent, normalizeFor, type LpGradientArgs } from './lp-gradient-descent';

/** Options of the MI-FGSM attacks: the gradient-attack options plus the momentum factor μ. */
export interface MomentumIterativeArgs extends LpGradientArgs {
  /** Momentum factor μ of the accumulated gradient. Default 1.0. */
  momentum?: number;
}

/** foolbox defaults (those of the basic iterative method). */
const MI = { relStepsize: 0.2, steps: 10, randomStart: false };

/** `momentum`: a finite number ≥ 0, default 1. */
const MOMENTUM = opt.number({ min: 0 }).default(1.0);

/**
 * Momentum iterative fast gradient method (foolbox `…MomentumIterativeFastGradientMethod`, Dong et al.
 * 2018). As in foolbox, the gradient is first normalised in the attack's norm (sign for L∞), then
 * accumulated `a ← μ·a + ĝ`, and the step is `relStepsize·ε·normalize(a)`.
 */
abstract class MomentumIterative extends LpGradientDescent {
  readonly momentum: number;
  constructor(who: string, args: MomentumIterativeArgs) {
    super(who, args, MI, { momentum: MOMENTUM });
    this.momentum = MOMENTUM.resolve(args.momentum, { who, path: 'momentum' });
  }
  protected override makeRule(x0: tf.Tensor, stepsize: number): StepRule {
    return new MomentumStep(x0, stepsize, this.momentum, (a) => normalizeFor(this.distance, a));
  }
}

/**
 * L1 MI-FGSM (foolbox `L1MomentumIterativeFastGradientMethod`). Defaults `momentum 1, relStepsize 0.2, steps 10, randomStart false`.
 *
 * @example
 * const [r] = await new L1MomentumIterativeFastGradientMethod().run(model, x, y, { epsilons: [10] });
 */
export class L1MomentumIterativeFastGradientMethod extends MomentumIterative {
  readonly name: string = 'L1MomentumIterativeFastGradientMethod';
  readonly distance = 'l1' as const;
  constructor(args: MomentumIterativeArgs = {}) {
    super('L1MomentumIterativeFastGradientMethod', args);
  }
}

/**
 * L2 MI-FGSM (foolbox `L2MomentumIterativeFastGradientMethod`). Defaults `momentum 1, relStepsize 0.2, steps 10, randomStart false`.
 *
 * @example
 * const [r] = await new L2MomentumIterativeFastGradientMethod().run(model, x, y, { epsilons: [0.5] });
 */
export class L2MomentumIterativeFastGradientMethod extends MomentumIterative {
  readonly name: string = 'L2MomentumIterativeFastGradientMethod';
  readonly distance = 'l2' as const;
  constructor(args: MomentumIterativeArgs = {}) {
    super('L2MomentumIterativeFastGradientMethod', args);
  }
}

/**
 * L∞ MI-FGSM (foolbox `LinfMomentumIterativeFastGradientMethod` = `MIFGSM`). Defaults `momentum 1, relStepsize 0.2, steps 10, randomStart false`.
 *
 * @example
 * const [r] = await new MIFGSM().run(model, x, y, { epsilons: [8 / 255] });
 */
export class LinfMomentumIterativeFastGradientMethod extends MomentumIterative {
  readonly name: string = 'LinfMomentumIterativeFastGradientMethod';
  readonly distance = 'linf' as const;
  constructor(args: MomentumIterativeArgs = {}) {
    super('LinfMomentumIterativeFastGradientMethod', args);
  }
}

/** foolbox alias: `MIFGSM = LinfMomentumIterativeFastGradientMethod`. */
export const MIFGSM = LinfMomentumIterativeFastGradientMethod;
