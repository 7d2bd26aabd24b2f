import { kCoefLipOption } from '../layer-options';
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
  return kCoefLipOption.required().resolve(k, { who: className, path: 'kCoefLip' });
}
