/**
 * `Sum` for the wasm backend when it reduces leading axes (bias gradients:
 * Σ over batch and space of dy). The stock kernel first transposes the reduced
 * axes innermost with a scalar C++ loop; here the sum is one XNNPACK GEMM with
 * a row of ones: out[c] = Σ_r 1·x[r, c] with x viewed as [R, C].
 * Any other reduction (inner axes, int32, everything) goes to the stock kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { TensorInfo, release, reshapeInfo, runStock, splitFactor } from './stock';

export function sumWasm(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap }): TensorInfo {
  const backend = args.backend as BackendWasm;
  const x = args.inputs['x'] as TensorInfo;
  const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
  const rank = x.shape.length;
  const axes = tf.util.parseAxisParam(axis, x.shape).slice().sort((p, q) => p - q);
  const leading = axes.length > 0 && axes.length < rank && axes.every((ax, i) => ax === i);
  const rows = tf.util.sizeFromShape(x.shape.slice(0, axes.length));
  const cols = tf.util.sizeFromShape(x.shape.slice(axes.length));
  if (!leading || x.dtype !== 'float32' || cols === 1 || rows <= 1) {
    return runStock('Sum', backend, { x }, { axis, keepDims });
  }
  // The stock Sum transposes the reduced axes innermost first; give it a rank-3
  // view [R1, R2, C] so that transpose takes the fast rank-3 path.
  const f = splitFactor(rows);
  const view = f ? [f, rows / f, cols] : [rows, cols];
  const x3 = reshapeInfo(backend, x, view);
  const prod = runStock('Sum', backend, { x: x3 }, { axis: f ? [0, 1] : [0], keepDims: false });
  release(backend, x3);
  const rest = x.shape.slice(axes.length);
  const shape = keepDims ? [...axes.map(() => 1), ...rest] : rest;
  return { dataId: prod.dataId, shape, dtype: 'float32' };
}
