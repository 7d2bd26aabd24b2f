/**
 * lipnet's Winograd F(2×2, 3×3) convolution ops (tools/native/ops/winograd_ops.cc, built into
 * `lipnet_ops.node` by `pnpm native:setup`): the forward pass, input gradient and filter gradient of
 * a 3×3, stride-1, 'SAME', NHWC float32 convolution whose channel counts are multiples of 8 — the
 * same values as TensorFlow's Conv2D, Conv2DBackpropInput and Conv2DBackpropFilter (Lavin & Gray's
 * transform; float rounding differs, ~1e-7 relative), with 2.25× fewer multiplications. The training
 * graph uses them by name where {@link winogradTakes}; the functions below run them eagerly (tests,
 * benchmarks).
 */
import * as tf from '@tensorflow/tfjs-core';

import { nodeBackend } from '../node-backend';

/** The TensorFlow op names (graph ops, not tfjs kernels). */
export const WINOGRAD_OPS = {
  /** `LipnetWinogradConv2D(x [N,H,W,C], w [3,3,C,K]) → y [N,H,W,K]` = Conv2D(x, w, stride 1, 'SAME'). */
  forward: 'LipnetWinogradConv2D',
  /** `LipnetWinogradConv2DBackpropInput(w [3,3,C,K], dy [N,H,W,K]) → dx [N,H,W,C]` = Conv2DBackpropInput. */
  backpropInput: 'LipnetWinogradConv2DBackpropInput',
  /**
   * `LipnetWinogradConv2DBackpropFilter(x [N,H,W,C], dy [N,H,W,K]) → dw [3,3,C,K]` = Conv2DBackpropFilter.
   * Deterministic (bit-identical whatever the thread count).
   */
  backpropFilter: 'LipnetWinogradConv2DBackpropFilter',
} as const;

/** Whether a channel count is one the ops take: a positive multiple of 8. */
function channelsOk(c: number | undefined): boolean {
  return c !== undefined && c >= 8 && c % 8 === 0;
}

/**
 * Whether the Winograd ops compute a convolution of kernel shape `kernel` ([kh, kw, C, K]), `strides`,
 * `padding` and `dilations`: 3×3, stride 1, dilation 1, 'same', C and K multiples of 8.
 */
export function winogradTakes(
  kernel: readonly number[],
  strides: readonly number[],
  padding: string,
  dilations: readonly number[] = [1, 1],
): boolean {
  return (
    kernel.length === 4 &&
    kernel[0] === 3 &&
    kernel[1] === 3 &&
    channelsOk(kernel[2]) &&
    channelsOk(kernel[3]) &&
    strides.every((s) => s === 1) &&
    dilations.every((d) => d === 1) &&
    padding.toLowerCase() === 'same'
  );
}

const WHAT = 'Winograd conv ops';

/** Runs {@link WINOGRAD_OPS}.forward eagerly on tfjs-node's backend (the addon loaded): y [N,H,W,K]. */
export function winogradConv2d(x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D {
  return nodeBackend(WHAT).executeSingleOutput(WINOGRAD_OPS.forward, [], [x, w]) as tf.Tensor4D;
}

/** Runs {@link WINOGRAD_OPS}.backpropInput eagerly: dx [N,H,W,C] of y's gradient dy. */
export function winogradConv2dBackpropInput(w: tf.Tensor4D, dy: tf.Tensor4D): tf.Tensor4D {
  return nodeBackend(WHAT).executeSingleOutput(WINOGRAD_OPS.backpropInput, [], [w, dy]) as tf.Tensor4D;
}

/** Runs {@link WINOGRAD_OPS}.backpropFilter eagerly: dw [3,3,C,K] of y's gradient dy. */
export function winogradConv2dBackpropFilter(x: tf.Tensor4D, dy: tf.Tensor4D): tf.Tensor4D {
  return nodeBackend(WHAT).executeSingleOutput(WINOGRAD_OPS.backpropFilter, [], [x, dy]) as tf.Tensor4D;
}
