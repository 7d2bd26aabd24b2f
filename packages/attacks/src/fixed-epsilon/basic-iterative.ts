import { AdamLpGradientDescent, type AdamGradientArgs } from './adam-descent';
import { LpGradientDescent, type LpGradientArgs } from './lp-gradient-descent';

/** foolbox defaults of every `…BasicIterativeAttack`. */
const BIM = { relStepsize: 0.2, steps: 10, randomStart: false };

/**
 * L1 basic iterative method (foolbox `L1BasicIterativeAttack`, Kurakin et al. 2016): 10 steps of
 * `0.2·ε` along `∇CE/‖∇CE‖₁` from x, δ rescaled to ‖δ‖₁ ≤ ε. Defaults `relStepsize 0.2, steps 10, randomStart false`.
 *
 * @example
 * const [r] = await new L1BasicIterativeAttack().run(model, x, y, { epsilons: [10] });
 */
export class L1BasicIterativeAttack extends LpGradientDescent {
  readonly name: string = 'L1BasicIterativeAttack';
  readonly distance = 'l1' as const;
  constructor(args: LpGradientArgs = {}) {
    super('L1BasicIterativeAttack', args, BIM);
  }
}

/**
 * L2 basic iterative method (foolbox `L2BasicIterativeAttack`): steps of `0.2·ε` along `∇CE/‖∇CE‖₂`,
 * projected onto the L2 ball. Defaults `relStepsize 0.2, steps 10, randomStart false`.
 *
 * @example
 * const [r] = await new L2BasicIterativeAttack().run(model, x, y, { epsilons: [0.5] });
 */
export class L2BasicIterativeAttack extends LpGradientDescent {
  readonly name: string = 'L2BasicIterativeAttack';
  readonly distance = 'l2' as const;
  constructor(args: LpGradientArgs = {}) {
    super('L2BasicIterativeAttack', args, BIM);
  }
}

/**
 * L∞ basic iterative method (foolbox `LinfBasicIterativeAttack`, I-FGSM): steps of `0.2·ε·sign(∇CE)`,
 * clipped to [−ε, ε]. Defaults `relStepsize 0.2, steps 10, randomStart false`.
 *
 * @example
 * const [r] = await new LinfBasicIterativeAttack().run(model, x, y, { epsilons: [8 / 255] });
 */
export class LinfBasicIterativeAttack extends LpGradientDescent {
  readonly name: string = 'LinfBasicIterativeAttack';
  readonly distance = 'linf' as const;
  constructor(args: LpGradientArgs = {}) {
    super('LinfBasicIterativeAttack', args, BIM);
  }
}

/**
 * {@link L1BasicIterativeAttack} with Adam steps (foolbox `L1AdamBasicIterativeAttack`).
 *
 * @example
 * const [r] = await new L1AdamBasicIterativeAttack().run(model, x, y, { epsilons: [10] });
 */
export class L1AdamBasicIterativeAttack extends AdamLpGradientDescent {
  readonly name: string = 'L1AdamBasicIterativeAttack';
  readonly distance = 'l1' as const;
  constructor(args: AdamGradientArgs = {}) {
    super('L1AdamBasicIterativeAttack', args, BIM);
  }
}

/**
 * {@link L2BasicIterativeAttack} with Adam steps (foolbox `L2AdamBasicIterativeAttack`).
 *
 * @example
 * const [r] = await new L2AdamBasicIterativeAttack().run(model, x, y, { epsilons: [0.5] });
 */
export class L2AdamBasicIterativeAttack extends AdamLpGradientDescent {
  readonly name: string = 'L2AdamBasicIterativeAttack';
  readonly distance = 'l2' as const;
  constructor(args: AdamGradientArgs = {}) {
    super('L2AdamBasicIterativeAttack', args, BIM);
  }
}

/**
 * {@link LinfBasicIterativeAttack} with Adam steps (foolbox `LinfAdamBasicIterativeAttack`).
 *
 * @example
 * const [r] = await new LinfAdamBasicIterativeAttack().run(model, x, y, { epsilons: [8 / 255] });
 */
export class LinfAdamBasicIterativeAttack extends AdamLpGradientDescent {
  readonly name: string = 'LinfAdamBasicIterativeAttack';
  readonly distance = 'linf' as const;
  constructor(args: AdamGradientArgs = {}) {
    super('LinfAdamBasicIterativeAttack', args, BIM);
  }
}
