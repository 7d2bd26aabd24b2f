import { AdditiveNoiseAttack, type RepeatedNoiseArgs } from './additive';

/**
 * foolbox `L2AdditiveGaussianNoiseAttack`: Gaussian noise scaled to L2 norm ε, then clipped to the bounds. No options (any key is refused).
 *
 * @example
 * const [r] = await new L2AdditiveGaussianNoiseAttack().run(model, x, y, { epsilons: [0.5], seed: 0 });
 */
export class L2AdditiveGaussianNoiseAttack extends AdditiveNoiseAttack {
  readonly name: string = 'L2AdditiveGaussianNoiseAttack';
  readonly distance = 'l2' as const;
  protected readonly noise = 'gaussian' as const;
  protected readonly scaling = 'l2' as const;
  constructor(args: Record<string, never> = {}) {
    super('L2AdditiveGaussianNoiseAttack', args, false);
  }
}

/**
 * foolbox `L2AdditiveUniformNoiseAttack`: uniform noise in [−1, 1] scaled to L2 norm ε, then clipped. No options (any key is refused).
 *
 * @example
 * const [r] = await new L2AdditiveUniformNoiseAttack().run(model, x, y, { epsilons: [0.5], seed: 0 });
 */
export class L2AdditiveUniformNoiseAttack extends AdditiveNoiseAttack {
  readonly name: string = 'L2AdditiveUniformNoiseAttack';
  readonly distance = 'l2' as const;
  protected readonly noise = 'uniform' as const;
  protected readonly scaling = 'l2' as const;
  constructor(args: Record<string, never> = {}) {
    super('L2AdditiveUniformNoiseAttack', args, false);
  }
}

/**
 * foolbox `L2ClippingAwareAdditiveGaussianNoiseAttack`: Gaussian noise scaled so that its L2 norm after clipping is ε (Rauber & Bethge 2020). No options (any key is refused).
 *
 * @example
 * const [r] = await new L2ClippingAwareAdditiveGaussianNoiseAttack().run(model, x, y, { epsilons: [0.5], seed: 0 });
 */
export class L2ClippingAwareAdditiveGaussianNoiseAttack extends AdditiveNoiseAttack {
  readonly name: string = 'L2ClippingAwareAdditiveGaussianNoiseAttack';
  readonly distance = 'l2' as const;
  protected readonly noise = 'gaussian' as const;
  protected readonly scaling = 'l2ClippingAware' as const;
  constructor(args: Record<string, never> = {}) {
    super('L2ClippingAwareAdditiveGaussianNoiseAttack', args, false);
  }
}

/**
 * foolbox `L2ClippingAwareAdditiveUniformNoiseAttack`: uniform noise scaled so that its L2 norm after clipping is ε (Rauber & Bethge 2020). No options (any key is refused).
 *
 * @example
 * const [r] = await new L2ClippingAwareAdditiveUniformNoiseAttack().run(model, x, y, { epsilons: [0.5], seed: 0 });
 */
export class L2ClippingAwareAdditiveUniformNoiseAttack extends AdditiveNoiseAttack {
  readonly name: string = 'L2ClippingAwareAdditiveUniformNoiseAttack';
  readonly distance = 'l2' as const;
  protected readonly noise = 'uniform' as const;
  protected readonly scaling = 'l2ClippingAware' as const;
  constructor(args: Record<string, never> = {}) {
    super('L2ClippingAwareAdditiveUniformNoiseAttack', args, false);
  }
}

/**
 * foolbox `LinfAdditiveUniformNoiseAttack`: uniform noise scaled to L∞ norm ε, then clipped. No options (any key is refused).
 *
 * @example
 * const [r] = await new LinfAdditiveUniformNoiseAttack().run(model, x, y, { epsilons: [8 / 255], seed: 0 });
 */
export class LinfAdditiveUniformNoiseAttack extends AdditiveNoiseAttack {
  readonly name: string = 'LinfAdditiveUniformNoiseAttack';
  readonly distance = 'linf' as const;
  protected readonly noise = 'uniform' as const;
  protected readonly scaling = 'linf' as const;
  constructor(args: Record<string, never> = {}) {
    super('LinfAdditiveUniformNoiseAttack', args, false);
  }
}

/**
 * foolbox `L2RepeatedAdditiveGaussianNoiseAttack`: up to `repeats` draws of Gaussian noise of L2 norm ε; the first adversarial is kept. Defaults `repeats 100, checkTrivial true`.
 *
 * @example
 * const [r] = await new L2RepeatedAdditiveGaussianNoiseAttack().run(model, x, y, { epsilons: [0.5], seed: 0 });
 */
export class L2RepeatedAdditiveGaussianNoiseAttack extends AdditiveNoiseAttack {
  readonly name: string = 'L2RepeatedAdditiveGaussianNoiseAttack';
  readonly distance = 'l2' as const;
  protected readonly noise = 'gaussian' as const;
  protected readonly scaling = 'l2' as const;
  constructor(args: RepeatedNoiseArgs = {}) {
    super('L2RepeatedAdditiveGaussianNoiseAttack', args, true);
  }
}

/**
 * foolbox `L2RepeatedAdditiveUniformNoiseAttack`: up to `repeats` draws of uniform noise of L2 norm ε; the first adversarial is kept. Defaults `repeats 100, checkTrivial true`.
 *
 * @example
 * const [r] = await new L2RepeatedAdditiveUniformNoiseAttack().run(model, x, y, { epsilons: [0.5], seed: 0 });
 */
export class L2RepeatedAdditiveUniformNoiseAttack extends AdditiveNoiseAttack {
  readonly name: string = 'L2RepeatedAdditiveUniformNoiseAttack';
  readonly distance = 'l2' as const;
  protected readonly noise = 'uniform' as const;
  protected readonly scaling = 'l2' as const;
  constructor(args: RepeatedNoiseArgs = {}) {
    super('L2RepeatedAdditiveUniformNoiseAttack', args, true);
  }
}

/**
 * foolbox `L2ClippingAwareRepeatedAdditiveGaussianNoiseAttack`: up to `repeats` draws of Gaussian noise of L2 norm ε after clipping; the first adversarial is kept. Defaults `repeats 100, checkTrivial true`.
 *
 * @example
 * const [r] = await new L2ClippingAwareRepeatedAdditiveGaussianNoiseAttack().run(model, x, y, { epsilons: [0.5], seed: 0 });
 */
export class L2ClippingAwareRepeatedAdditiveGaussianNoiseAttack extends AdditiveNoiseAttack {
  readonly name: string = 'L2ClippingAwareRepeatedAdditiveGaussianNoiseAttack';
  readonly distance = 'l2' as const;
  protected readonly noise = 'gaussian' as const;
  protected readonly scaling = 'l2ClippingAware' as const;
  constructor(args: RepeatedNoiseArgs = {}) {
    super('L2ClippingAwareRepeatedAdditiveGaussianNoiseAttack', args, true);
  }
}

/**
 * foolbox `L2ClippingAwareRepeatedAdditiveUniformNoiseAttack`: up to `repeats` draws of uniform noise of L2 norm ε after clipping; the first adversarial is kept. Defaults `repeats 100, checkTrivial true`.
 *
 * @example
 * const [r] = await new L2ClippingAwareRepeatedAdditiveUniformNoiseAttack().run(model, x, y, { epsilons: [0.5], seed: 0 });
 */
export class L2ClippingAwareRepeatedAdditiveUniformNoiseAttack extends AdditiveNoiseAttack {
  readonly name: string = 'L2ClippingAwareRepeatedAdditiveUniformNoiseAttack';
  readonly distance = 'l2' as const;
  protected readonly noise = 'uniform' as const;
  protected readonly scaling = 'l2ClippingAware' as const;
  constructor(args: RepeatedNoiseArgs = {}) {
    super('L2ClippingAwareRepeatedAdditiveUniformNoiseAttack', args, true);
  }
}

/**
 * foolbox `LinfRepeatedAdditiveUniformNoiseAttack`: up to `repeats` draws of uniform noise of L∞ norm ε; the first adversarial is kept. Defaults `repeats 100, checkTrivial true`.
 *
 * @example
 * const [r] = await new LinfRepeatedAdditiveUniformNoiseAttack().run(model, x, y, { epsilons: [8 / 255], seed: 0 });
 */
export class LinfRepeatedAdditiveUniformNoiseAttack extends AdditiveNoiseAttack {
  readonly name: string = 'LinfRepeatedAdditiveUniformNoiseAttack';
  readonly distance = 'linf' as const;
  protected readonly noise = 'uniform' as const;
  protected readonly scaling = 'linf' as const;
  constructor(args: RepeatedNoiseArgs = {}) {
    super('LinfRepeatedAdditiveUniformNoiseAttack', args, true);
  }
}
