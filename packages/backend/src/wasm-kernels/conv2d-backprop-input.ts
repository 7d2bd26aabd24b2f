/**
 * `Conv2DBackpropInput` for the wasm backend (the stock one is a scalar C++
 * loop), as a forward convolution on XNNPACK.
 *
 * dx[n,p,q,c] = Σ_{r,s,k} ŷ[n, p + pT − r, q + pL − s, k] · W[r,s,c,k]
 *
 * where ŷ is dy with S−1 zeros inserted after each row and column (ŷ = dy for
 * stride 1). Re-indexing r' = fh−1−r turns this into a stride-1 forward
 * convolution of ŷ with the spatially flipped, in/out-transposed filter
 * W'[r',s',k,c] = W[fh−1−r', fw−1−s', c, k], padded by (fh−1−pT, fw−1−pL) on
 * the top/left and so that the output is exactly H×W (bottom/right: H + pT − oH·S). The zero insertion is a
 * broadcast multiply of dy[N,oH,1,oW,1,K] by a one-hot [S,1,S,1] mask (C++).
 * Stride 1 with C a multiple of 4 (demo4's conv2) runs that convolution on
 * lipnet's direct SIMD kernel (conv-forward-simd.ts) or, for 3×3 filters with
 * a multiple of 4 channels in dy, on its Winograd F(2×2, 3×3) kernel (conv-winograd.ts), W' built by a JS loop;
 * other strides on XNNPACK's Conv2D. NHWC only; falls back to the stock kernel
 * for geometries it does not cover.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { Conv2DGradAttrs, TensorInfo, release, reshapeInfo, runStock, transposeInfo } from './stock';
import { directConv } from './conv-direct';
import { winogradApplies, winogradConv } from './conv-winograd';
import type { KernelArgs } from '../kernel-args';

interface BackpropInputAttrs extends Conv2DGradAttrs {
  inputShape: [number, number, number, number];
}

/** Kernel function of `Conv2DBackpropInput` for 'wasm' (inputs dy, filter; attrs as tfjs' conv2DBackpropInput). */
export function conv2dBackpropInputWasm(args: KernelArgs): TensorInfo {
  const backend = args.backend as BackendWasm;
  const dy = args.inputs['dy'] as TensorInfo;
  const filter = args.inputs['filter'] as TensorInfo;
  const attrs = args.attrs as unknown as BackpropInputAttrs;
  if (attrs.dataFormat === 'NCHW') {
    return runStock('Conv2DBackpropInput', backend, args.inputs as Record<string, TensorInfo>, args.attrs);
  }
  const info = tf.backend_util.computeConv2DInfo(
    attrs.inputShape,
    filter.shape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const { batchSize: n, inHeight: h, inWidth: w, outHeight: oh, outWidth: ow, outChannels: k } = info;
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  // ŷ has oH·S rows (S − 1 trailing zero rows, harmless); bottom padding so the output has H rows.
  const upH = oh * sh;
  const upW = ow * sw;
  const padTop = fh - 1 - top;
  const padLeft = fw - 1 - left;
  const padBottom = h + top - upH;
  const padRight = w + left - upW;
  if (padTop < 0 || padLeft < 0 || padBottom < 0 || padRight < 0) {
    // e.g. a 1×1 filter with stride 2: not on the hot path, the stock kernel is exact.
    return runStock('Conv2DBackpropInput', backend, args.inputs as Record<string, TensorInfo>, args.attrs);
  }
  if (sh === 1 && sw === 1 && info.inChannels % 4 === 0) {
    // lipnet's Winograd or direct SIMD convolution of dy with W'.
    const wT = flippedTransposed(backend, filter);
    const conv = winogradApplies(fh, fw, k, info.inChannels) ? winogradConv : directConv;
    const dx = conv(backend, dy, wT, padTop, padLeft, h, w);
    release(backend, wT);
    return dx;
  }
  let up = dy;
  if (sh > 1 || sw > 1) {
    // ŷ[N, oH, S, oW, S, K] = dy[N,oH,1,oW,1,K] · mask[1,S,1,S,1], mask = e₀ ⊗ e₀ (broadcast multiply in C++).
    const mask = backend.makeOutput([1, sh, 1, sw, 1], 'float32');
    const mv = backend.typedArrayFromHeap(mask) as Float32Array;
    mv.fill(0);
    mv[0] = 1;
    const dy6 = reshapeInfo(backend, dy, [n, oh, 1, ow, 1, k]);
    const spread = runStock('Multiply', backend, { a: dy6, b: mask }, {});
    release(backend, dy6, mask);
    up = reshapeInfo(backend, spread, [n, upH, upW, k]);
    release(backend, spread);
  }
  const flipped = runStock('Reverse', backend, { x: filter }, { dims: [0, 1] });
  const wT = transposeInfo(backend, flipped, [0, 1, 3, 2]); // [fh, fw, K, C]
  release(backend, flipped);
  const pad: tf.backend_util.ExplicitPadding = [
    [0, 0],
    [padTop, padBottom],
    [padLeft, padRight],
    [0, 0],
  ];
  const dx = runStock(
    'Conv2D',
    backend,
    { x: up, filter: wT },
    { strides: [1, 1], pad, dilations: [1, 1], dataFormat: 'NHWC', dimRoundingMode: undefined },
  );
  release(backend, wT);
  if (up !== dy) release(backend, up);
  return dx;
}

/** W'[r', s', k, c] = W[fh−1−r', fw−1−s', c, k] as a new [fh, fw, K, C] tensor (a small filter: a JS loop). */
function flippedTransposed(backend: BackendWasm, filter: TensorInfo): TensorInfo {
  const [fh, fw, c, k] = filter.shape as [number, number, number, number];
  const out = backend.makeOutput([fh, fw, k, c], 'float32');
  const dst = backend.typedArrayFromHeap(out) as Float32Array;
  const src = backend.typedArrayFromHeap(filter) as Float32Array;
  for (let r = 0; r < fh; r++)
    for (let s = 0; s < fw; s++) {
      const from = ((fh - 1 - r) * fw + (fw - 1 - s)) * c * k;
      const to = (r * fw + s) * k * c;
      for (let ci = 0; ci < c; ci++) for (let ki = 0; ki < k; ki++) dst[to + ki * c + ci] = src[from + ci * k + ki]!;
    }
  return out;
}
