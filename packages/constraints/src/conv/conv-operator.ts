import * as tf from '@tensorflow/tfjs-core';
import type { LinearOperatorPair } from '../lanczos';
import { axisSource, convAxes, paddedLength, type ConvAxis, type Conv2DGeometry } from './conv-geometry';

/**
 * The kernel of a dilated convolution as an undilated one: taps spread on a
 * ((kh−1)·dh + 1) × ((kw−1)·dw + 1) grid with zeros between, built with differentiable ops
 * (tfjs has no gradient for dilated `conv2d`, and refuses dilation with strides).
 */
export function dilatedKernel(w: tf.Tensor4D, dh: number, dw: number): tf.Tensor4D {
  if (dh === 1 && dw === 1) return w;
  return tf.tidy(() => {
    let k = w;
    const [kh, kw, ci, co] = k.shape;
    if (dh > 1) {
      // [kh, kw, ci, co] → [kh, 1, kw, ci, co] → pad to [kh, dh, …] → [kh·dh, …] → first (kh−1)·dh + 1 rows
      const e = tf.pad(tf.reshape(k, [kh, 1, kw, ci, co]), [
        [0, 0],
        [0, dh - 1],
        [0, 0],
        [0, 0],
        [0, 0],
      ]);
      k = tf.slice(tf.reshape(e, [kh * dh, kw, ci, co]), [0, 0, 0, 0], [(kh - 1) * dh + 1, kw, ci, co]) as tf.Tensor4D;
    }
    if (dw > 1) {
      const h = k.shape[0];
      const e = tf.pad(tf.reshape(k, [h, kw, 1, ci, co]), [
        [0, 0],
        [0, 0],
        [0, dw - 1],
        [0, 0],
        [0, 0],
      ]);
      k = tf.slice(tf.reshape(e, [h, kw * dw, ci, co]), [0, 0, 0, 0], [h, (kw - 1) * dw + 1, ci, co]) as tf.Tensor4D;
    }
    return k;
  });
}

/** Padded-position → input-index tables of the explicit modes (null for zero padding). */
function sourceTable(ax: ConvAxis): Int32Array {
  return Int32Array.from({ length: paddedLength(ax) }, (_, t) => axisSource(ax, t));
}

/** P: x ↦ the padded input (gathers for the copying modes, zeros for 'constant'). */
function padInput(x: tf.Tensor4D, h: ConvAxis, w: ConvAxis, tables: [Int32Array, Int32Array]): tf.Tensor4D {
  if (h.padding === 'constant') {
    return tf.pad(x, [
      [0, 0],
      [h.padBefore, h.padAfter],
      [w.padBefore, w.padAfter],
      [0, 0],
    ]);
  }
  let y: tf.Tensor4D = x;
  if (h.padBefore + h.padAfter > 0) y = tf.gather(y, tf.tensor1d(tables[0], 'int32'), 1);
  if (w.padBefore + w.padAfter > 0) y = tf.gather(y, tf.tensor1d(tables[1], 'int32'), 2);
  return y;
}

/** Pᵀ along `axis` (1 or 2): sums each padded position into the input index it copies. */
function foldAxis(z: tf.Tensor4D, axis: 1 | 2, ax: ConvAxis, table: Int32Array): tf.Tensor4D {
  if (ax.padBefore + ax.padAfter === 0) return z;
  const perm = axis === 1 ? [1, 0, 2, 3] : [2, 1, 0, 3];
  const ids = tf.tensor1d(
    Int32Array.from(table, (i) => (i < 0 ? ax.n : i)),
    'int32',
  );
  const summed = tf.unsortedSegmentSum(tf.transpose(z, perm), ids, ax.n + 1);
  const kept = tf.slice(summed, 0, ax.n);
  return tf.transpose(kept, perm) as tf.Tensor4D;
}

/** Pᵀ: the adjoint of {@link padInput}. */
function foldPadding(z: tf.Tensor4D, h: ConvAxis, w: ConvAxis, tables: [Int32Array, Int32Array]): tf.Tensor4D {
  if (h.padding === 'constant') {
    const [n, , , c] = z.shape;
    return tf.slice(z, [0, h.padBefore, w.padBefore, 0], [n, h.n, w.n, c]);
  }
  return foldAxis(foldAxis(z, 1, h, tables[0]), 2, w, tables[1]);
}

/** The forward map and adjoint of a convolution geometry on batches of any size. */
export interface ConvMaps {
  /** y = A_W x: `[N, inH, inW, cin]` → `[N, outH, outW, cout]`, differentiable in x and W. */
  forward: (x: tf.Tensor, w: tf.Tensor) => tf.Tensor;
  /** x = A_Wᵀ y: `[N, outH, outW, cout]` → `[N, inH, inW, cin]`, differentiable in y and W. */
  adjoint: (y: tf.Tensor, w: tf.Tensor) => tf.Tensor;
}

/**
 * The convolution of a {@link Conv2DGeometry} as tfjs ops (NHWC, kernel [kh, kw, cin, cout]):
 * 'same'/'valid' by `tf.conv2d`, the explicit modes by padding (`tf.pad` or `tf.gather` of the
 * mirrored/replicated/wrapped indices) then a 'valid' `tf.conv2d`; dilation through
 * {@link dilatedKernel}. The adjoint is `tf.conv2dTranspose` (then, for the copying modes, the
 * padded border summed back into the pixels it copies: `tf.unsortedSegmentSum`).
 */
export function convMaps(g: Conv2DGeometry): ConvMaps {
  const [h, w] = convAxes(g, 'convMaps');
  const strides = g.strides ?? [1, 1];
  const [dh, dw] = g.dilation ?? [1, 1];
  const explicit = g.padding !== 'same' && g.padding !== 'valid';
  const tables: [Int32Array, Int32Array] = [sourceTable(h), sourceTable(w)];
  const pad = explicit ? 'valid' : (g.padding as 'same' | 'valid');
  return {
    forward: (x, k) =>
      tf.tidy(() => {
        const kd = dilatedKernel(k as tf.Tensor4D, dh, dw);
        const xp = explicit ? padInput(x as tf.Tensor4D, h, w, tables) : (x as tf.Tensor4D);
        return tf.conv2d(xp, kd, strides, pad);
      }),
    adjoint: (y, k) =>
      tf.tidy(() => {
        const kd = dilatedKernel(k as tf.Tensor4D, dh, dw);
        const n = y.shape[0];
        const shape: [number, number, number, number] = explicit
          ? [n, paddedLength(h), paddedLength(w), g.cin]
          : [n, g.inH, g.inW, g.cin];
        const z = tf.conv2dTranspose(y as tf.Tensor4D, kd, shape, strides, pad);
        return explicit ? foldPadding(z, h, w, tables) : z;
      }),
  };
}

/** The {@link LinearOperatorPair} (batch of one) of a convolution geometry, for `operatorNormalization`. */
export function convOperator(g: Conv2DGeometry): LinearOperatorPair {
  return convMaps(g);
}

/**
 * The {@link LinearOperatorPair} of the transposed convolution whose adjoint is the convolution `g`
 * (`tf.conv2dTranspose` with the same kernel, strides and padding, from g's output size to g's input size).
 */
export function transposedConvOperator(g: Conv2DGeometry): LinearOperatorPair {
  const m = convMaps(g);
  return { forward: m.adjoint, adjoint: m.forward };
}
