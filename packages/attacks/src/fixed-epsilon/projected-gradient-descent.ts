import { L2PGD, LinfPGD } from '../gradient-descent';
import { AdamLpGradientDescent, type AdamGradientArgs } from './adam-descent';
import { LpGradientDescent, type LpGradientArgs } from './lp-gradient-descent';

/** foolbox defaults of `L1ProjectedGradientDescentAttack` and `L2ProjectedGradientDescentAttack`. */
const LP_PGD = { relStepsize: 0.025, steps: 50, randomStart: true };
/** foolbox defaults of `LinfProjectedGradientDescentAttack`. */
const LINF_PGD = { relStepsize: 0.01 / 0.3, steps: 40, randomStart: true };

/**
 * L1 projected gradient descent (foolbox `L1ProjectedGradientDescentAttack` = `L1PGD`): steps of
 * `relStepsize·ε` along `∇CE/‖∇CE‖₁`, δ scaled back to ‖δ‖₁ ≤ ε (foolbox `clip_lp_norms`, a
 * rescaling, not the Euclidean projection). Defaults `relStepsize 0.025, steps 50, randomStart true`.
 *
 * @example
 * const [r] = await new L1PGD().run(model, x, y, { epsilons: [10], seed: 0 });
 */
export class L1ProjectedGradientDescentAttack extends LpGradientDescent {
  readonly name: string = 'L1ProjectedGradientDescentAttack';
  readonly distance = 'l1' as const;
  constructor(args: LpGradientArgs = {}) {
    super('L1ProjectedGradientDescentAttack', args, LP_PGD);
  }
}

/**
 * L1 PGD with Adam steps (foolbox `L1AdamProjectedGradientDescentAttack` = `L1AdamPGD`).
 * Defaults `relStepsize 0.025, steps 50, randomStart true, adamBeta1 0.9, adamBeta2 0.999, adamEpsilon 1e-8`.
 *
 * @example
 * const [r] = await new L1AdamPGD().run(model, x, y, { epsilons: [10], seed: 0 });
 */
export class L1AdamProjectedGradientDescentAttack extends AdamLpGradientDescent {
  readonly name: string = 'L1AdamProjectedGradientDescentAttack';
  readonly distance = 'l1' as const;
  constructor(args: AdamGradientArgs = {}) {
    super('L1AdamProjectedGradientDescentAttack', args, LP_PGD);
  }
}

/**
 * L2 PGD with Adam steps (foolbox `L2AdamProjectedGradientDescentAttack` = `L2AdamPGD`).
 * Defaults `relStepsize 0.025, steps 50, randomStart true`, Adam 0.9 / 0.999 / 1e-8.
 *
 * @example
 * const [r] = await new L2AdamPGD().run(model, x, y, { epsilons: [0.5], seed: 0 });
 */
export class L2AdamProjectedGradientDescentAttack extends AdamLpGradientDescent {
  readonly name: string = 'L2AdamProjectedGradientDescentAttack';
  readonly distance = 'l2' as const;
  constructor(args: AdamGradientArgs = {}) {
    super('L2AdamProjectedGradientDescentAttack', args, LP_PGD);
  }
}

/**
 * L∞ PGD with Adam steps on `sign(∇CE)` (foolbox `LinfAdamProjectedGradientDescentAttack` =
 * `LinfAdamPGD` = `AdamPGD`). Defaults `relStepsize 0.01/0.3, steps 40, randomStart true`, Adam 0.9 / 0.999 / 1e-8.
 *
 * @example
 * const [r] = await new AdamPGD().run(model, x, y, { epsilons: [8 / 255], seed: 0 });
 */
export class LinfAdamProjectedGradientDescentAttack extends AdamLpGradientDescent {
  readonly name: string = 'LinfAdamProjectedGradientDescentAttack';
  readonly distance = 'linf' as const;
  constructor(args: AdamGradientArgs = {}) {
    super('LinfAdamProjectedGradientDescentAttack', args, LINF_PGD);
  }
}

/** foolbox alias: `L1PGD = L1ProjectedGradientDescentAttack`. */
export const L1PGD = L1ProjectedGradientDescentAttack;
/** foolbox name of {@link L2PGD}: `L2ProjectedGradientDescentAttack`. */
export const L2ProjectedGradientDescentAttack = L2PGD;
/** foolbox name of {@link LinfPGD}: `LinfProjectedGradientDescentAttack`. */
export const LinfProjectedGradientDescentAttack = LinfPGD;
/** foolbox alias: `L1AdamPGD = L1AdamProjectedGradientDescentAttack`. */
export const L1AdamPGD = L1AdamProjectedGradientDescentAttack;
/** foolbox alias: `L2AdamPGD = L2AdamProjectedGradientDescentAttack`. */
export const L2AdamPGD = L2AdamProjectedGradientDescentAttack;
/** foolbox alias: `LinfAdamPGD = LinfAdamProjectedGradientDescentAttack`. */
export const LinfAdamPGD = LinfAdamProjectedGradientDescentAttack;
/** foolbox alias: `AdamPGD = LinfAdamPGD`. */
export const AdamPGD = LinfAdamProjectedGradientDescentAttack;
