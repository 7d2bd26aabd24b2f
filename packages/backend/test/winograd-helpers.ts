import * as tf from '@tensorflow/tfjs-core';
import type { WinogradGeometry } from '../src/wasm-kernels/winograd-simd';

/** A Winograd geometry: output oH × oW, C → K, input h × w at row `top`, column `left` of the padded input. */
export function geometry(
  oh: number,
  ow: number,
  c: number,
  k: number,
  h: number,
  w: number,
  top: number,
  left: number,
): WinogradGeometry {
  return { oh, ow, c, k, h, w, top, left };
}

/** x [n, h, w, C] zero-padded as the module pads it, cut to the (oH + 2) × (oW + 2) a 'valid' 3×3 conv reads. */
export function paddedForValid(x: Float32Array, n: number, g: WinogradGeometry): tf.Tensor4D {
  const bottom = Math.max(0, g.oh + 2 - g.h - g.top);
  const right = Math.max(0, g.ow + 2 - g.w - g.left);
  const xp = tf.pad(tf.tensor4d(x, [n, g.h, g.w, g.c]), [
    [0, 0],
    [g.top, bottom],
    [g.left, right],
    [0, 0],
  ]);
  return tf.slice(xp, [0, 0, 0, 0], [n, g.oh + 2, g.ow + 2, g.c]);
}
