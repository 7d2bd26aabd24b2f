import type * as tf from '@tensorflow/tfjs-core';
import type { OptionSchema } from '@lipnet/core';
import { ADAM_SCHEMA, AdamStep, adamSettings, type AdamArgs, type StepRule } from './optimizers';
import { LpGradientDescent, type LpGradientArgs, type LpGradientDefaults } from './lp-gradient-descent';

/** Options of the Adam variants: the gradient-attack options plus Adam's β₁, β₂, ε. */
export type AdamGradientArgs = LpGradientArgs & AdamArgs;

/**
 * foolbox's `…Adam…` gradient attacks: {@link LpGradientDescent} whose step is Adam
 * (β₁ 0.9, β₂ 0.999, ε 1e-8 by default) applied to the normalised gradient, one fresh state per
 * run and ε.
 */
export abstract class AdamLpGradientDescent extends LpGradientDescent {
  readonly adamBeta1: number;
  readonly adamBeta2: number;
  readonly adamEpsilon: number;
  constructor(who: string, args: AdamGradientArgs, defaults: LpGradientDefaults, more: OptionSchema = {}) {
    super(who, args, defaults, { ...ADAM_SCHEMA, ...more });
    const s = adamSettings(who, args);
    this.adamBeta1 = s.adamBeta1;
    this.adamBeta2 = s.adamBeta2;
    this.adamEpsilon = s.adamEpsilon;
  }
  protected override makeRule(x0: tf.Tensor, stepsize: number): StepRule {
    return new AdamStep(x0, stepsize, {
      adamBeta1: this.adamBeta1,
      adamBeta2: this.adamBeta2,
      adamEpsilon: this.adamEpsilon,
    });
  }
}
