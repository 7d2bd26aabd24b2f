import { BrendelBethgeAttack, type BrendelBethgeArgs } from './attack';
import { solveL0, solveL1, solveL2, solveLinf } from './solvers';

/**
 * L2 Brendel & Bethge attack (foolbox `L2BrendelBethgeAttack`). Defaults `overshoot 1.1, steps 1000,
 * lr 1e-3, lrDecay 0.5, lrNumDecay 20, momentum 0.8, binarySearchSteps 10`.
 *
 * @example
 * const { clipped } = await new L2BrendelBethgeAttack({ steps: 200 }).run(model, x, y, { seed: 0 });
 */
export class L2BrendelBethgeAttack extends BrendelBethgeAttack {
  readonly name: string = 'L2BrendelBethgeAttack';
  readonly distance = 'l2' as const;
  protected readonly solver = solveL2;
  constructor(args: BrendelBethgeArgs = {}) {
    super('L2BrendelBethgeAttack', args);
  }
}

/**
 * L1 Brendel & Bethge attack (foolbox `L1BrendelBethgeAttack`); see {@link L2BrendelBethgeAttack} for defaults.
 *
 * @example
 * const { clipped } = await new L1BrendelBethgeAttack({ steps: 200 }).run(model, x, y, { seed: 0 });
 */
export class L1BrendelBethgeAttack extends BrendelBethgeAttack {
  readonly name: string = 'L1BrendelBethgeAttack';
  readonly distance = 'l1' as const;
  protected readonly solver = solveL1;
  constructor(args: BrendelBethgeArgs = {}) {
    super('L1BrendelBethgeAttack', args);
  }
}

/**
 * L∞ Brendel & Bethge attack (foolbox `LinfinityBrendelBethgeAttack`); see {@link L2BrendelBethgeAttack} for defaults.
 *
 * @example
 * const { clipped } = await new LinfinityBrendelBethgeAttack({ steps: 200 }).run(model, x, y, { seed: 0 });
 */
export class LinfinityBrendelBethgeAttack extends BrendelBethgeAttack {
  readonly name: string = 'LinfinityBrendelBethgeAttack';
  readonly distance = 'linf' as const;
  protected readonly solver = solveLinf;
  constructor(args: BrendelBethgeArgs = {}) {
    super('LinfinityBrendelBethgeAttack', args);
  }
}

/**
 * L0 Brendel & Bethge attack (foolbox `L0BrendelBethgeAttack`); see {@link L2BrendelBethgeAttack} for defaults.
 *
 * @example
 * const { clipped } = await new L0BrendelBethgeAttack({ steps: 200 }).run(model, x, y, { seed: 0 });
 */
export class L0BrendelBethgeAttack extends BrendelBethgeAttack {
  readonly name: string = 'L0BrendelBethgeAttack';
  readonly distance = 'l0' as const;
  protected readonly solver = solveL0;
  constructor(args: BrendelBethgeArgs = {}) {
    super('L0BrendelBethgeAttack', args);
  }
}
