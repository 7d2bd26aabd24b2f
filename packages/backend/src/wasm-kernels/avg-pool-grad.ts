/**
 * `AvgPoolGrad` for the wasm backend (the stock one is a scalar C++ loop), for
 * non-overlapping windows that tile the input exactly (filter = stride, no
 * padding, H = oH·S) — the 2×2/2 pooling of demo4:
 *
 * dx[n, i·S + u, j·S + v, c] = dy[n, i, j, c] / (fh·fw)
 *
 * computed as one broadcast multiply dy[N,oH,1,oW,1,C] · (1/(fh·fw))·1[1,S,1,S,1]
 * in C++. Every other geometry falls back to the stock kernel (exact).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { TensorInfo, filledInfo, release, reshapeInfo, runStock } from './stock';
import type { KernelArgs } from '../kernel-args';

/** Kernel function of `AvgPoolGrad` for 'wasm' (inputs dy, input; attrs filterSize, strides, pad). */
export function avgPoolGradWasm(args: KernelArgs): TensorInfo {
  const backend = args.backend as BackendWasm;
  const dy = args.inputs['dy'] as TensorInfo;
  const input = args.inputs['input'] as TensorInfo;
  const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as {
    filterSize: [number, number] | number;
    strides: [number, number] | number;
    pad: 'valid' | 'same' | number;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
  };
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw, padInfo } = info;
  const tiles =
    fh === sh &&
    fw === sw &&
    oh * sh === h &&
    ow * sw === w &&
    padInfo.top === 0 &&
    padInfo.left === 0 &&
    padInfo.bottom === 0 &&
    padInfo.right === 0 &&
    dy.dtype === 'float32';
  if (!tiles) return runStock('AvgPoolGrad', backend, args.inputs as Record<string, TensorInfo>, args.attrs);
  const dy6 = reshapeInfo(backend, dy, [n, oh, 1, ow, 1, c]);
  const scale = filledInfo(backend, [1, sh, 1, sw, 1], 1 / (fh * fw));
  const spread = runStock('Multiply', backend, { a: dy6, b: scale }, {}); // [N, oH, S, oW, S, C]
  release(backend, dy6, scale);
  return { dataId: spread.dataId, shape: [n, h, w, c], dtype: 'float32' };
}
