import { LipnetOptionError } from '@lipnet/core';
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

/** Checks that `k` is a finite number > 0 (a Lipschitz coefficient); throws a `LipnetOptionError` otherwise. */
export function checkKCoefLip(className: string, k: unknown): number {
  if (typeof k !== 'number' || !Number.isFinite(k) || k <= 0) {
    throw new LipnetOptionError({
      code: 'INVALID_OPTION',
      who: className,
      option: 'kCoefLip',
      message: `expected \`kCoefLip\` to be a finite number > 0, got ${String(k)}. Pass e.g. kCoefLip: 1.`,
    });
  }
  return k;
}
