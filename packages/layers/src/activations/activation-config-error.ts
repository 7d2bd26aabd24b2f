/**
 * Thrown when an activation layer of @lipnet/layers (GroupSort, GroupSort2,
 * FullSort, MaxMin, PReLUlip) gets an argument or an input shape it cannot
 * handle. The message names the class, the argument, the value and the fix,
 * e.g. "GroupSort: expected `n` to divide the channel count 6, got 4. Pass a
 * divisor of 6 (1, 2, 3, 6) or `n: null` for a full sort."
 */
export class ActivationConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ActivationConfigError';
    Object.setPrototypeOf(this, ActivationConfigError.prototype);
  }
}

/**
 * tfjs data format of a layer config: `'channelsLast'` | `'channelsFirst'` (tfjs-layers'
 * spelling, which model.json stores as `channels_last`); deel-lip's snake_case spellings are accepted too.
 * Returns null for anything else.
 */
export function parseDataFormat(v: unknown): 'channelsLast' | 'channelsFirst' | null {
  if (v === 'channelsLast' || v === 'channels_last') return 'channelsLast';
  if (v === 'channelsFirst' || v === 'channels_first') return 'channelsFirst';
  return null;
}

/** Checks that `k` is a finite number > 0 (a Lipschitz coefficient); throws {@link ActivationConfigError} otherwise. */
export function checkKCoefLip(className: string, k: unknown): number {
  if (typeof k !== 'number' || !Number.isFinite(k) || k <= 0) {
    throw new ActivationConfigError(
      `${className}: expected \`kCoefLip\` to be a finite number > 0, got ${String(k)}. Pass e.g. kCoefLip: 1.`,
    );
  }
  return k;
}
