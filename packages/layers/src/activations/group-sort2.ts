import * as tf from '@tensorflow/tfjs-core';

import { GroupSort, type GroupSortArgs } from './group-sort';
import { LipnetOptionError } from '@lipnet/core';

/** Arguments of {@link GroupSort2}: those of {@link GroupSort} without `n` (fixed to 2). */
export type GroupSort2Args = Omit<GroupSortArgs, 'n'>;

/**
 * GroupSort with groups of two adjacent channels: `y = k · [min(a, b), max(a, b)]`
 * for each pair (x₀, x₁), (x₂, x₃)…. The channel count must be even.
 * deel-lip: `deel.lip.layers.GroupSort2` (= `GroupSort(n=2)`). Exactly `kCoefLip`-Lipschitz.
 *
 * @example
 * groupSort2().apply(tf.tensor([[3, 1, -2, 5]]))  // [[1, 3, -2, 5]]
 */
export class GroupSort2 extends GroupSort {
  static override className = 'GroupSort2';

  constructor(args: GroupSort2Args = {}) {
    const n = (args as GroupSortArgs).n;
    if (n !== undefined && n !== 2) {
      throw new LipnetOptionError({
        code: 'INVALID_OPTION',
        who: 'GroupSort2',
        option: 'n',
        message: `expected no \`n\` (it is always 2), got ${String(n)}. Use GroupSort({n: ${String(n)}}) instead.`,
      });
    }
    super({ ...args, n: 2 });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config = super.getConfig();
    delete config['n'];
    return config;
  }
}
tf.serialization.registerClass(GroupSort2);

/** Factory for {@link GroupSort2}. */
export function groupSort2(args: GroupSort2Args = {}): GroupSort2 {
  return new GroupSort2(args);
}
