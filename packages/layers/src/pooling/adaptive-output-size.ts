import * as tf from '@tensorflow/tfjs-core';
import { LipnetOptionError, formatValue, opt } from '@lipnet/core';

/** Checks torchlip's `output_size` of the scaled adaptive poolings: only (1, 1) keeps the Lipschitz coefficient. */
export function checkAdaptiveOutputSize(className: string, v: unknown): [1, 1] {
  const ok = v === 1 || (Array.isArray(v) && v.length === 2 && v[0] === 1 && v[1] === 1);
  if (!ok) {
    throw new LipnetOptionError({
      code: 'INVALID_OPTION',
      who: className,
      option: 'outputSize',
      message:
        `expected \`outputSize\` [1, 1], got ${formatValue(v)}. ` +
        'Only a global (1, 1) output is supported, as in deel-torchlip (its Lipschitz coefficient needs it).',
    });
  }
  return [1, 1];
}

/** The `outputSize` option of the scaled adaptive poolings: 1 or [1, 1] (the default). */
export const outputSizeOption = opt
  .custom<[1, 1]>('1 or [1, 1]', (v, ctx) => checkAdaptiveOutputSize(ctx.who, v))
  .default([1, 1]);

type Shape = Array<number | null>;

/** `[N, C]` → `[N, 1, 1, C]`: a global pooling's output with torch's kept 1×1 spatial axes (channels last). */
export function unitSpatialShape([n, c]: Shape): Shape {
  return [n ?? null, 1, 1, c ?? null];
}

/** Reshapes a global pooling's `[N, C]` output to `[N, 1, 1, C]`. */
export function withUnitSpatialAxes(y: tf.Tensor): tf.Tensor {
  return tf.reshape(y, [y.shape[0], 1, 1, y.shape[1]!]);
}
