import { opt, refuseOption } from '@lipnet/core';
import type { LipschitzBoundLike } from './certificates';

/**
 * The option rule for a proven bound (`lipschitzUpperBound(model)`): an object with `upperBound > 0`;
 * `fix` is the sentence that says what to pass. Shared by `provenCertificates` and
 * `certifiedRobustAccuracy` (internal).
 */
export function provenBoundOption(fix: string) {
  const expected = 'the result of lipschitzUpperBound(model) (upperBound > 0)';
  return opt.custom<LipschitzBoundLike>(expected, (v, ctx) => {
    const b = v as LipschitzBoundLike | null;
    if (typeof b !== 'object' || b === null || !(typeof b.upperBound === 'number' && b.upperBound > 0)) {
      refuseOption(ctx, v, expected, fix);
    }
    return b;
  });
}
