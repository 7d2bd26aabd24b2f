import { LpGradientDescent, type LpGradientArgs } from './lp-gradient-descent';

/**
 * Fast gradient method in L1 (foolbox `L1FastGradientAttack`): one step
 * `x' = clip(x + ε·∇CE/‖∇CE‖₁)`. Defaults `relStepsize 1, steps 1, randomStart false`.
 * Untargeted only, as in foolbox (a targeted criterion is refused).
 *
 * @example
 * const [r] = await new L1FastGradientAttack().run(model, x, y, { epsilons: [10] });
 */
export class L1FastGradientAttack extends LpGradientDescent {
  readonly name: string = 'L1FastGradientAttack';
  readonly distance = 'l1' as const;
  protected override readonly supportsTargeted = false;
  constructor(args: LpGradientArgs = {}) {
    super('L1FastGradientAttack', args, { relStepsize: 1, steps: 1, randomStart: false });
  }
}
