import { opt, refuseOption } from '@lipnet/core';
import { Attack } from './attack';

/**
 * The `initAttack` option of the attacks that walk from an adversarial start (FMN L0/L1/L∞,
 * Brendel-Bethge, Boundary, Pointwise): another {@link Attack} instance, or `null` for none.
 *
 * @example
 * const OPTIONS = defineOptions('L1FMNAttack', { initAttack: initAttackOption.default(null) });
 */
export const initAttackOption = opt
  .custom<Attack>('an Attack instance', (v, ctx) =>
    v instanceof Attack
      ? (v as Attack)
      : refuseOption(ctx, v, 'an Attack instance or null', 'Pass e.g. `new L2DeepFoolAttack()`.'),
  )
  .orNull();
