import * as tf from '@tensorflow/tfjs-core';

import { GroupSort, type GroupSortArgs } from './group-sort';
import { LipnetOptionError } from '@lipnet/core';

/** Arguments of {@link FullSort}: those of {@link GroupSort} without `n` (the whole channel axis). */
export type FullSortArgs = Omit<GroupSortArgs, 'n'>;

/**
 * Sorts the whole last axis ascending and multiplies by `kCoefLip`: `y = k · sort(x)`.
 * deel-lip: `deel.lip.layers.FullSort` (= `GroupSort(n=None)`). Exactly `kCoefLip`-Lipschitz
 * and norm preserving up to k.
 *
 * @example
 * fullSort().apply(tf.tensor([[3, 1, -2, 5]]))  // [[-2, 1, 3, 5]]
 */
export class FullSort extends GroupSort {
  static override className = 'FullSort';

  constructor(args: FullSortArgs = {}) {
    const n = (args as GroupSortArgs).n;
    if (n !== undefined && n !== null) {
      throw new LipnetOptionError({
        code: 'INVALID_OPTION',
        who: 'FullSort',
        option: 'n',
        message: `expected no \`n\` (it sorts the whole channel axis), got ${String(n)}. Use GroupSort({n: ${String(n)}}) instead.`,
      });
    }
    super({ ...args, n: null });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config = super.getConfig();
    delete config['n'];
    return config;
  }
}
tf.serialization.registerClass(FullSort);

/** Factory for {@link FullSort}. */
export function fullSort(args: FullSortArgs = {}): FullSort {
  return new FullSort(args);
}
