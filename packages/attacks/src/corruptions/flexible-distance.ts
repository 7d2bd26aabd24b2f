import { LipnetOptionError, defineOptions, opt, type OptionSchema } from '@lipnet/core';
import { Attack } from '../attack';
import type { Norm } from '../ops';

/** Option of the attacks whose distance the caller chooses (foolbox `FlexibleDistanceMinimizationAttack`). */
export interface FlexibleDistanceArgs {
  /** Norm used to clip results to `epsilons` (and, where relevant, to compare candidates). Needed only with `epsilons`. */
  distance?: Norm;
}

/** `distance`: one of the four norms (optional). */
const DISTANCE = opt.oneOf(['l0', 'l1', 'l2', 'linf']);

/**
 * Base of foolbox's `FlexibleDistanceMinimizationAttack`s: a minimum-norm attack whose distance is a
 * constructor option. Like foolbox, the distance is only required when it is used (`epsilons` given);
 * then a missing one raises an error naming the option. These attacks read only the model's argmax
 * (integer logits are fine).
 */
export abstract class FlexibleDistanceAttack extends Attack {
  readonly kind = 'minimization' as const;
  protected override readonly needsGradients: boolean = false;
  private readonly chosen: Norm | null;

  /**
   * Checks a flexible-distance attack's options: `distance` and the subclass's own `schema`
   * (unknown keys refused); returns them parsed, for the subclass to pass `distance` on.
   */
  static parseOptions<S extends OptionSchema>(who: string, args: unknown, schema: S) {
    return defineOptions(who, { distance: DISTANCE, ...schema }).parse(args);
  }

  /** `distance` must have been checked by {@link FlexibleDistanceAttack.parseOptions}. */
  constructor(_who: string, distance: Norm | undefined) {
    super();
    this.chosen = distance ?? null;
  }

  /** The chosen norm; throws when none was given (foolbox: "unknown distance, please pass `distance`"). */
  get distance(): Norm {
    if (this.chosen === null)
      throw new LipnetOptionError({
        code: 'MISSING_OPTION',
        who: this.name,
        option: 'distance',
        expected: 'be given to clip the result to `epsilons`',
        got: 'none',
        fix: "Pass e.g. `{ distance: 'l2' }` to the constructor, or omit `epsilons`.",
      });
    return this.chosen;
  }
}
