import * as tf from '@tensorflow/tfjs-core';
import { LipnetInputError, LipnetOptionError, formatValue } from '@lipnet/core';

/**
 * The 1-D convolutions run as 2-D ones of height 1: input [N, L, C] → [N, 1, L, C], kernel
 * [k, cin, cout] (tfjs `conv1d` layout) → [1, k, cin, cout], so that every padding mode, the
 * 'exact' operator and the certified norms of the 2-D geometry apply unchanged.
 */

/** `kernelSize` / `strides` / `dilationRate` of a 1-D layer (an integer or [integer]) as the 2-D pair [1, n]. */
export function conv1dPair(owner: string, arg: string, v: unknown, fix: string): [number, number] {
  const n: unknown = Array.isArray(v) && v.length === 1 ? (v as unknown[])[0] : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
    throw new LipnetOptionError({
      code: 'INVALID_OPTION',
      who: owner,
      option: arg,
      message: `expected \`${arg}\` to be a positive integer, got ${formatValue(v)}. ${fix}`,
    });
  }
  return [1, n];
}

/** [1, length, cin] of a 1-D input [batch, length, channels]. */
export function conv1dInput(owner: string, shape: (number | null)[]): [number, number, number] {
  if (shape.length !== 3 || shape.slice(1).some((d) => d === null || !(d > 0))) {
    throw new LipnetInputError({
      code: 'INVALID_SHAPE',
      who: owner,
      option: 'input',
      message: `expected an input of shape [batch, length, channels] with known length and channels, got ${formatValue(shape)}. Pass inputShape: [length, channels] to the first layer.`,
    });
  }
  return [1, shape[1]!, shape[2]!];
}

/** [N, L, C] → [N, 1, L, C]. */
export const toNHWC1d = (x: tf.Tensor): tf.Tensor4D => tf.expandDims(x, 1) as tf.Tensor4D;
/** [k, cin, cout] → [1, k, cin, cout]. */
export const kernel4d1d = (w: tf.Tensor): tf.Tensor4D => tf.expandDims(w, 0) as tf.Tensor4D;
/** [N, 1, L, C] → [N, L, C]. */
export const fromNHWC1d = (y: tf.Tensor): tf.Tensor => tf.squeeze(y, [1]);
/** An NHWC shape without its height axis. */
export const fromNHWCShape1d = (s: number[]): number[] => [s[0]!, ...s.slice(2)];
