import { kCoefLipOption } from '../layer-options';
import { LipnetInputError, LipnetOptionError } from '@lipnet/core';

type Shape = Array<number | null>;

/** @internal Normalises `poolSize` (an integer or a pair of integers ≥ 1) to [ph, pw]. */
export function normalizePair(cls: string, arg: string, v: unknown): [number, number] {
  const pair = typeof v === 'number' ? [v, v] : v;
  if (
    !Array.isArray(pair) ||
    pair.length !== 2 ||
    !pair.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 1)
  ) {
    throw new LipnetOptionError({
      code: 'INVALID_OPTION',
      who: cls,
      option: arg,
      message:
        `expected \`${arg}\` to be a positive integer or a pair of positive integers, got ${JSON.stringify(v)}. ` +
        `Pass e.g. ${arg}: 2 or ${arg}: [2, 2].`,
    });
  }
  return [pair[0] as number, pair[1] as number];
}

/** @internal Checks `kCoefLip` (finite, > 0). */
export function checkPoolKCoefLip(cls: string, k: unknown): number {
  return kCoefLipOption.required().resolve(k, { who: cls, path: 'kCoefLip' });
}

/** @internal tfjs data format (`'channelsLast'` | `'channelsFirst'`), also accepting deel-lip's snake_case; null otherwise. */
export function parsePoolDataFormat(v: unknown): 'channelsLast' | 'channelsFirst' | null {
  if (v === 'channelsLast' || v === 'channels_last') return 'channelsLast';
  if (v === 'channelsFirst' || v === 'channels_first') return 'channelsFirst';
  return null;
}

/** @internal Checks `dataFormat` is channelsLast (the only one the scaled poolings support). */
export function checkChannelsLast(cls: string, dataFormat: unknown): 'channelsLast' {
  if (parsePoolDataFormat(dataFormat) !== 'channelsLast') {
    throw new LipnetOptionError({
      code: 'INVALID_OPTION',
      who: cls,
      option: 'dataFormat',
      message:
        `expected \`dataFormat\` 'channelsLast', got '${String(dataFormat)}'. ` +
        'Only NHWC inputs are supported; transpose NCHW inputs with tf.transpose(x, [0, 2, 3, 1]).',
    });
  }
  return 'channelsLast';
}

/** @internal Checks `epsGradSqrt ≥ 0`. */
export function checkEpsGradSqrt(cls: string, eps: unknown): number {
  if (typeof eps !== 'number' || !Number.isFinite(eps) || eps < 0) {
    throw new LipnetOptionError({
      code: 'INVALID_OPTION',
      who: cls,
      option: 'epsGradSqrt',
      message: `expected \`epsGradSqrt\` to be a finite number ≥ 0, got ${String(eps)}. Pass e.g. epsGradSqrt: 1e-6 (the default).`,
    });
  }
  return eps;
}

/** @internal Checks pool strides equal the pool size and padding is valid. */
export function checkStridesPadding(cls: string, pool: [number, number], strides: unknown, padding: unknown): void {
  if (strides != null) {
    const s = normalizePair(cls, 'strides', strides);
    if (s[0] !== pool[0] || s[1] !== pool[1]) {
      throw new LipnetOptionError({
        code: 'INVALID_OPTION',
        who: cls,
        option: 'strides',
        message:
          `expected \`strides\` to equal \`poolSize\` [${pool.join(', ')}], got [${s.join(', ')}]. ` +
          "Omit strides or pass strides: poolSize (deel-lip's bound needs non-overlapping windows).",
      });
    }
  }
  if (padding !== 'valid') {
    throw new LipnetOptionError({
      code: 'INVALID_OPTION',
      who: cls,
      option: 'padding',
      message:
        `expected \`padding\` 'valid', got '${String(padding)}'. ` +
        "Only padding: 'valid' is supported (as in deel-lip); crop or pad the input to a multiple of the pool size yourself.",
    });
  }
}

/** @internal The 4-D input shape of a layer, checked (rank 4, known spatial size). */
export function checkImageShape(cls: string, inputShape: Shape | Shape[]): Shape {
  const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
  if (shape.length !== 4) {
    throw new LipnetInputError({
      code: 'INVALID_SHAPE',
      who: cls,
      option: 'input',
      message:
        `expected a 4-D input (batch, height, width, channels), got shape [${shape.map(String).join(', ')}]. ` +
        'Reshape the input to NHWC.',
    });
  }
  return shape;
}

/** @internal Output shape of a valid, non-overlapping 2-D pooling. */
export function pooledShape(cls: string, shape: Shape, pool: [number, number]): Shape {
  const [b, h, w, c] = shape;
  for (const [dim, p, axis] of [
    [h, pool[0], 'height'],
    [w, pool[1], 'width'],
  ] as const) {
    if (dim != null && dim < p) {
      throw new LipnetInputError({
        code: 'INVALID_SHAPE',
        who: cls,
        option: 'input',
        message: `expected the input ${axis} ${dim} to be at least the pool size ${p}. Use a smaller poolSize or a larger input.`,
      });
    }
  }
  return [b ?? null, h == null ? null : Math.floor(h / pool[0]), w == null ? null : Math.floor(w / pool[1]), c ?? null];
}
