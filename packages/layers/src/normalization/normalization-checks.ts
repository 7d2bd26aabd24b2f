import { LipnetInputError, formatShape, opt } from '@lipnet/core';

type Shape = Array<number | null>;

/** The known channel count (last axis) of an input shape, for a `[C]` bias; a `LipnetInputError` otherwise. */
export function channelCount(className: string, inputShape: Shape | Shape[]): number {
  const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
  const c = shape[shape.length - 1];
  if (shape.length < 2 || c == null) {
    throw new LipnetInputError({
      code: 'INVALID_SHAPE',
      who: className,
      option: 'input',
      message: `expected an input of rank ≥ 2 with a known channel count (last axis), got ${formatShape(shape)}. Give the model a fixed inputShape.`,
    });
  }
  return c;
}

/** `axes` of the normalisation layers: a list of integers ≥ `min` (axis 0 is the batch), or null for the default. */
export function axesOption(min: number, fix: string) {
  return opt
    .arrayOf(opt.integer({ min }))
    .describedAs(`a list of integers ≥ ${min}${min > 0 ? ' (axis 0 is the batch)' : ''}`, fix)
    .orNull();
}

/** Refuses `axes` that do not fit an input of rank `rank`. */
export function axesMismatch(className: string, message: string): LipnetInputError {
  return new LipnetInputError({ code: 'INVALID_SHAPE', who: className, option: 'axes', message });
}
