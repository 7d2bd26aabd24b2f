import { Attack } from '../attack';
import { fail } from '../errors';
import type { Norm } from '../ops';

/** Option of the attacks whose distance the caller chooses (foolbox `FlexibleDistanceMinimizationAttack`). */
export interface FlexibleDistanceArgs {
  /** Norm used to clip results to `epsilons` (and, where relevant, to compare candidates). Needed only with `epsilons`. */
  distance?: Norm;
}

/**
 * Base of foolbox's `FlexibleDistanceMinimizationAttack`s: a minimum-norm attack whose distance is a
 * constructor option. Like foolbox, the distance is only required when it is used (`epsilons` given);
 * then a missing one raises an error naming the option.
 */
export abstract class FlexibleDistanceAttack extends Attack {
  readonly kind = 'minimization' as const;
  private readonly chosen: Norm | null;
  constructor(who: string, distance: Norm | undefined) {
    super();
    if (distance !== undefined && !['l0', 'l1', 'l2', 'linf'].includes(distance))
      fail(who, 'distance', "be 'l0', 'l1', 'l2' or 'linf'", distance, "Pass e.g. `distance: 'l2'`.");
    this.chosen = distance ?? null;
  }
  /** The chosen norm; throws when none was given (foolbox: "unknown distance, please pass `distance`"). */
  get distance(): Norm {
    if (this.chosen === null)
      fail(
        this.name,
        'distance',
        'be given to clip the result to `epsilons`',
        'none',
        "Pass e.g. `{ distance: 'l2' }` to the constructor, or omit `epsilons`.",
      );
    return this.chosen;
  }
}
