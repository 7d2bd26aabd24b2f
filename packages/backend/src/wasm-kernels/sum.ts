/**
 * `Sum` for the wasm backend when it reduces leading axes (bias gradients:
 * Σ over batch and space of dy, viewed as x[R, C]).
 *
 * The stock kernel first moves the reduced axes innermost with its C++
 * Transpose (≈ 2.4 ns per element at demo4 sizes) and then reduces. Here the
 * rows are instead summed in groups of 4 by XNNPACK's depthwise convolution
 * with a ones filter [4, 1, C, 1] (stride 4, its fast 4-tap kernel, ≈ 0.3 ns per
 * element), repeated while R is a multiple of 4; the few rows left go to the
 * stock Sum. Same value, summed pairwise-in-fours rather than sequentially.
 * Any other reduction (inner axes, int32, everything) goes to the stock kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { TensorInfo, release, reshapeInfo, runStock, splitFactor } from './stock';
import type { KernelArgs } from '../kernel-args';

/** Rows below which the stock Sum finishes the job. */
const CASCADE_MIN_ROWS = 64;

/** One persistent ones filter per channel count (XNNPACK then caches its packing too). */
const onesFilters = new Map<string, TensorInfo>();

function onesFilter(backend: BackendWasm, c: number): TensorInfo {
  const key = `${c}`;
  let f = onesFilters.get(key);
  if (!f || !backend.dataIdMap.has(f.dataId)) {
    f = backend.makeOutput([4, 1, c, 1], 'float32');
    (backend.typedArrayFromHeap(f) as Float32Array).fill(1);
    onesFilters.set(key, f);
  }
  return f;
}

/** Kernel function of `Sum` for 'wasm' (input x; attrs axis, keepDims). */
export function sumWasm(args: KernelArgs): TensorInfo {
  const backend = args.backend as BackendWasm;
  const x = args.inputs['x'] as TensorInfo;
  const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
  const rank = x.shape.length;
  const axes = tf.util
    .parseAxisParam(axis, x.shape)
    .slice()
    .sort((p, q) => p - q);
  const leading = axes.length > 0 && axes.length < rank && axes.every((ax, i) => ax === i);
  let rows = tf.util.sizeFromShape(x.shape.slice(0, axes.length));
  const cols = tf.util.sizeFromShape(x.shape.slice(axes.length));
  if (!leading || x.dtype !== 'float32' || cols === 1 || rows <= 1) {
    return runStock('Sum', backend, { x }, { axis, keepDims });
  }
  let cur = reshapeInfo(backend, x, [1, rows, 1, cols]);
  while (rows % 4 === 0 && rows >= CASCADE_MIN_ROWS) {
    const next = runStock(
      'DepthwiseConv2dNative',
      backend,
      { x: cur, filter: onesFilter(backend, cols) },
      { strides: [4, 1], pad: 'valid', dilations: [1, 1], dimRoundingMode: undefined, dataFormat: 'NHWC' },
    );
    release(backend, cur);
    cur = next;
    rows /= 4;
  }
  // The stock Sum transposes the reduced axis innermost; a rank-3 view [R1, R2, C]
  // makes that transpose take its fast path.
  const f = splitFactor(rows);
  const view = f ? [f, rows / f, cols] : [rows, cols];
  const x3 = reshapeInfo(backend, cur, view);
  release(backend, cur);
  const prod = runStock('Sum', backend, { x: x3 }, { axis: f ? [0, 1] : [0], keepDims: false });
  release(backend, x3);
  const rest = x.shape.slice(axes.length);
  const shape = keepDims ? [...axes.map(() => 1), ...rest] : rest;
  return { dataId: prod.dataId, shape, dtype: 'float32' };
}
