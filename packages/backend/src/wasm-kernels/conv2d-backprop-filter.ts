/**
 * `Conv2DBackpropFilter` for the wasm backend, which does not ship one.
 *
 * dW[r,s,c,k] = Σ_{n,i,j} x[n, i·S + r − pT, j·S + s − pL, c] · dy[n,i,j,k]
 *
 * 3×3 stride-1 ones where {@link winogradFilterGradApplies} says so (demo4's
 * conv2) run Winograd F(2×2, 3×3) (winograd-filter-grad-simd.ts). Other
 * stride-1 ones with K a multiple of 4 (demo4's layers) run lipnet's direct
 * WebAssembly SIMD kernel (conv-filter-grad-simd.ts: register tiles over x
 * zero-padded once, ≈ 40 GFLOP/s on one thread against 15–17 for the
 * compositions below at demo4's conv2, 10–15× faster at its conv1). Otherwise
 * three exact reformulations onto the backend's XNNPACK kernels, chosen by
 * shape (or forced with {@link setBackpropFilterRoute}):
 * - general: a forward convolution with batch and channel axes swapped —
 *   xᵀ = x as [C, H, W, N] (batch C, channels N) convolved with the filter
 *   dyᵀ = dy as [oH, oW, N, K], stride 1, dilation S, explicit padding (pT, pL)
 *   gives [C, fh, fw, K], transposed to [fh, fw, C, K];
 * - stride 1 with fewer input than output values (N·H·W·C < N·oH·oW·K, e.g.
 *   demo4's second layer): the same with x as the filter instead, so XNNPACK
 *   packs the smaller operand — dyᵀ = dy as [K, oH, oW, N] convolved with
 *   xᵀ = x as [H, W, N, C], padding (fh−1−pT, H−oH+pT), gives [K, fh, fw, C]
 *   flipped in both spatial axes, transposed to [fh, fw, C, K]; run in chunks
 *   of samples whose x fits in cache (XNNPACK re-reads its packed filter per
 *   block of output rows), the partial sums added;
 * - thin inputs (C·fh·fw ≤ 16, e.g. a first layer on grey images): im2col by
 *   a forward convolution of x with a one-hot filter (XNNPACK), giving the
 *   patches P as [M, fh·fw·C] (M = N·oH·oW), transposed to [fh·fw·C, M], then
 *   GEMMs Pᵀ·dy[M, K] on XNNPACK over blocks of rows whose dy block (the
 *   operand XNNPACK packs) fits in cache, the partial sums added.
 * NHWC only, dilations 1 (the only case tfjs' conv2d gradient produces).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { WasmKernelsError } from '../errors';
import { Conv2DGradAttrs, TensorInfo, gemmInfo, release, reshapeInfo, runStock, transposeInfo } from './stock';
import { filterGradModuleBytes, tileShapeFor, tileTable } from './conv-filter-grad-simd';
import { paddedInput } from './conv-padding';
import { winogradFilterGradApplies, winogradFilterGradient } from './conv-winograd';
import { memoryOffset, moduleOnBackendMemory, relaxedSimdEnabled } from './wasm-encoding';
import type { KernelArgs } from '../kernel-args';

/** Default largest C·fh·fw for which the im2col + GEMM route is used. */
export const IM2COL_MAX_PATCH = 16;
let im2colMaxPatch = IM2COL_MAX_PATCH;

/**
 * Sets the largest patch size C·fh·fw that takes the im2col + GEMM route
 * (0: always the swapped convolution). Both routes are exact; this is for
 * benchmarks and for tests that check both on the same shapes. Returns the
 * previous value.
 */
export function setIm2colMaxPatch(patch: number): number {
  const prev = im2colMaxPatch;
  im2colMaxPatch = patch;
  return prev;
}

/** How Conv2DBackpropFilter is computed on wasm (all exact; `auto` picks by shape). */
export type BackpropFilterRoute = 'auto' | 'winograd' | 'direct' | 'im2col' | 'swapped' | 'x-as-filter';
let forcedRoute: BackpropFilterRoute = 'auto';

/**
 * Forces a Conv2DBackpropFilter route (`auto` restores the choice by shape);
 * `x-as-filter`, `direct` and `winograd` fall back to `swapped` where they do
 * not apply (stride > 1; `direct` also needs K a multiple of 4, `winograd` a
 * 3×3 filter and what {@link winogradFilterGradApplies} asks).
 * For benchmarks and tests. Returns the previous setting.
 */
export function setBackpropFilterRoute(route: BackpropFilterRoute): BackpropFilterRoute {
  const prev = forcedRoute;
  forcedRoute = route;
  return prev;
}

interface BackpropFilterAttrs extends Conv2DGradAttrs {
  filterShape: [number, number, number, number];
}

/** Kernel function of `Conv2DBackpropFilter` for 'wasm' (inputs x, dy; attrs as tfjs' conv2DBackpropFilter). */
export function conv2dBackpropFilterWasm(args: KernelArgs): TensorInfo {
  const backend = args.backend as BackendWasm;
  const x = args.inputs['x'] as TensorInfo;
  const dy = args.inputs['dy'] as TensorInfo;
  const attrs = args.attrs as unknown as BackpropFilterAttrs;
  if (attrs.dataFormat === 'NCHW') {
    throw new WasmKernelsError(
      "@lipnet/backend Conv2DBackpropFilter (wasm): dataFormat 'NCHW' is not supported; use 'NHWC' (channelsLast), the only layout the wasm backend runs.",
    );
  }
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const patch = info.inChannels * info.filterHeight * info.filterWidth;
  const xAsFilterOk =
    info.strideHeight === 1 &&
    info.strideWidth === 1 &&
    info.filterHeight - 1 - info.padInfo.top >= 0 &&
    info.filterWidth - 1 - info.padInfo.left >= 0 &&
    info.inHeight - info.outHeight + info.padInfo.top >= 0 &&
    info.inWidth - info.outWidth + info.padInfo.left >= 0;
  const directOk = info.strideHeight === 1 && info.strideWidth === 1 && info.outChannels % 4 === 0;
  const winogradOk =
    directOk && winogradFilterGradApplies(info.filterHeight, info.filterWidth, info.inChannels, info.outChannels);
  let route = forcedRoute;
  if (route === 'auto' && directOk) route = winogradOk ? 'winograd' : 'direct';
  if (route === 'auto') {
    const xSize = info.inHeight * info.inWidth * info.inChannels;
    const dySize = info.outHeight * info.outWidth * info.outChannels;
    if (patch <= im2colMaxPatch) route = 'im2col';
    else if (xAsFilterOk && xSize < dySize && info.inChannels >= 8) route = 'x-as-filter';
    else route = 'swapped';
  }
  if (route === 'winograd' && winogradOk)
    return winogradFilterGradient(backend, x, dy, info.padInfo.top, info.padInfo.left);
  if (route === 'direct' && directOk) return viaDirect(backend, x, dy, info);
  if (route === 'im2col') return viaIm2col(backend, x, dy, info);
  if (route === 'x-as-filter' && xAsFilterOk) return viaXAsFilter(backend, x, dy, info);
  return viaSwappedConv(backend, x, dy, info);
}

function explicitPad(top: number, bottom: number, left: number, right: number): tf.backend_util.ExplicitPadding {
  return [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ];
}

/** The direct WebAssembly SIMD kernel (conv-filter-grad-simd.ts) on x zero-padded so every tap is in bounds. */
function viaDirect(backend: BackendWasm, x: TensorInfo, dy: TensorInfo, info: tf.backend_util.Conv2DInfo): TensorInfo {
  const { batchSize: n, inChannels: c, outHeight: oh, outWidth: ow, outChannels: k } = info;
  const { filterHeight: fh, filterWidth: fw } = info;
  const g = { oh, ow, fh, fw, c, k };
  const relaxed = relaxedSimdEnabled();
  const key = `LipnetConvFilterGrad ${oh},${ow},${fh},${fw},${c},${k}${relaxed ? ' relaxed' : ''}`;
  const dw = moduleOnBackendMemory(backend, key, () => filterGradModuleBytes(g, undefined, undefined, relaxed)).exports[
    'dw'
  ] as (xp: number, dy: number, out: number, n: number, table: number) => void;
  const entries = tileTable(g, tileShapeFor(g));
  const table = backend.makeOutput([entries.length], 'int32');
  (backend.typedArrayFromHeap(table) as Int32Array).set(entries);
  const xp = paddedInput(backend, x, info.padInfo.top, info.padInfo.left, oh + fh - 1, ow + fw - 1);
  const out = backend.makeOutput([fh, fw, c, k], 'float32');
  (backend.typedArrayFromHeap(out) as Float32Array).fill(0);
  dw(memoryOffset(backend, xp), memoryOffset(backend, dy), memoryOffset(backend, out), n, memoryOffset(backend, table));
  release(backend, xp, table);
  return out;
}

function viaSwappedConv(
  backend: BackendWasm,
  x: TensorInfo,
  dy: TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): TensorInfo {
  const { inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow, outChannels: k } = info;
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  // Rows of the swapped convolution's output: h + top + bottom − ((oh − 1)·sh + 1) + 1 = fh.
  const needBottom = fh + (oh - 1) * sh - h - top;
  const needRight = fw + (ow - 1) * sw - w - left;
  const bottom = Math.max(0, needBottom);
  const right = Math.max(0, needRight);
  const xT = transposeInfo(backend, x, [3, 1, 2, 0]); // [C, H, W, N]
  const dyT = transposeInfo(backend, dy, [1, 2, 0, 3]); // [oH, oW, N, K]
  const conv = runStock(
    'Conv2D',
    backend,
    { x: xT, filter: dyT },
    {
      strides: [1, 1],
      pad: explicitPad(top, bottom, left, right),
      dilations: [sh, sw],
      dataFormat: 'NHWC',
      dimRoundingMode: undefined,
    },
  ); // [C, fh + extra, fw + extra, K]
  release(backend, xT, dyT);
  let cropped = conv;
  if (conv.shape[1] !== fh || conv.shape[2] !== fw) {
    cropped = runStock('Slice', backend, { x: conv }, { begin: [0, 0, 0, 0], size: [c, fh, fw, k] });
    release(backend, conv);
  }
  const out = transposeInfo(backend, cropped, [1, 2, 0, 3]); // [fh, fw, C, K]
  release(backend, cropped);
  return out;
}

/**
 * Samples per chunk of the x-as-filter route: XNNPACK re-reads its packed
 * filter once per block of output rows, so the filter (x's chunk, H·W·n·C
 * floats) is kept small enough to stay in cache — ≈ 128k floats (512 KB).
 */
function chunkSamples(n: number, perSample: number): number {
  const target = Math.max(1, Math.floor(131072 / perSample));
  if (target >= n) return n;
  for (let c = target; c >= 1; c--) if (n % c === 0) return c;
  return n;
}

/** Rows per GEMM chunk of the im2col route: dy's block (rows·K floats) ≈ 128k floats, a divisor of M. */
function chunkRows(m: number, k: number): number {
  const target = Math.max(1, Math.floor(131072 / k));
  if (target >= m) return m;
  for (let r = target; r >= Math.floor(target / 4); r--) if (m % r === 0) return r;
  return m;
}

/** A contiguous block `index` of `shape`'s size from the flat data of `t`, as its own tensor (one memcpy). */
function leadingBlock(backend: BackendWasm, t: TensorInfo, index: number, shape: number[]): TensorInfo {
  const size = tf.util.sizeFromShape(shape);
  const out = backend.makeOutput(shape, 'float32');
  // Views taken after the allocation (which may grow the heap and detach older views).
  const src = backend.typedArrayFromHeap(t) as Float32Array;
  (backend.typedArrayFromHeap(out) as Float32Array).set(src.subarray(index * size, (index + 1) * size));
  return out;
}

/** Chunk `index` of `chunks` of `t` as a `shape` tensor: a free reshape when there is one chunk, else {@link leadingBlock}. */
function chunkOf(backend: BackendWasm, t: TensorInfo, index: number, chunks: number, shape: number[]): TensorInfo {
  return chunks === 1 ? reshapeInfo(backend, t, shape) : leadingBlock(backend, t, index, shape);
}

/** `acc + part` (or `part` when there is no sum yet), releasing both inputs. */
function accumulate(backend: BackendWasm, acc: TensorInfo | undefined, part: TensorInfo): TensorInfo {
  if (!acc) return part;
  const sum = runStock('Add', backend, { a: acc, b: part }, {});
  release(backend, acc, part);
  return sum;
}

function viaXAsFilter(
  backend: BackendWasm,
  x: TensorInfo,
  dy: TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow, outChannels: k } = info;
  const { filterHeight: fh, filterWidth: fw } = info;
  const { top, left } = info.padInfo;
  const pad = explicitPad(fh - 1 - top, h - oh + top, fw - 1 - left, w - ow + left);
  const nc = chunkSamples(n, h * w * c);
  const chunks = n / nc;
  // Chunk-major layouts: dyᵀ as [chunks, K, oH·oW, nc] and xᵀ as [chunks, H·W, nc, C].
  const dy4 = reshapeInfo(backend, dy, [chunks, nc, oh * ow, k]);
  const dyT = transposeInfo(backend, dy4, [0, 3, 2, 1]);
  release(backend, dy4);
  const x4 = reshapeInfo(backend, x, [chunks, nc, h * w, c]);
  const xT = transposeInfo(backend, x4, [0, 2, 1, 3]);
  release(backend, x4);
  let acc: TensorInfo | undefined;
  for (let j = 0; j < chunks; j++) {
    const dyJ = chunkOf(backend, dyT, j, chunks, [k, oh, ow, nc]);
    const xJ = chunkOf(backend, xT, j, chunks, [h, w, nc, c]);
    // Σ over this chunk's samples and positions: [K, fh, fw, C], flipped in both spatial axes.
    const part = runStock(
      'Conv2D',
      backend,
      { x: dyJ, filter: xJ },
      { strides: [1, 1], pad, dilations: [1, 1], dataFormat: 'NHWC', dimRoundingMode: undefined },
    );
    release(backend, dyJ, xJ);
    acc = accumulate(backend, acc, part);
  }
  release(backend, dyT, xT);
  const flipped = runStock('Reverse', backend, { x: acc! }, { dims: [1, 2] });
  release(backend, acc!);
  const out = transposeInfo(backend, flipped, [1, 2, 3, 0]); // [fh, fw, C, K]
  release(backend, flipped);
  return out;
}

/** A one-hot filter [fh, fw, C, fh·fw·C] whose output channel (r, s, c) copies input (r, s, c). */
function oneHotFilter(backend: BackendWasm, fh: number, fw: number, c: number): TensorInfo {
  const p = fh * fw * c;
  const out = backend.makeOutput([fh, fw, c, p], 'float32');
  const vals = backend.typedArrayFromHeap(out) as Float32Array;
  vals.fill(0);
  // Row (r,s,c) of the [p, p] matrix is the unit vector e_(r,s,c): the diagonal.
  // p ≤ IM2COL_MAX_PATCH, so this is at most 16 writes, once per call.
  for (let i = 0; i < p; i++) vals[i * p + i] = 1;
  return out;
}

function viaIm2col(backend: BackendWasm, x: TensorInfo, dy: TensorInfo, info: tf.backend_util.Conv2DInfo): TensorInfo {
  const { batchSize: n, inChannels: c, outHeight: oh, outWidth: ow, outChannels: k } = info;
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
  const { top, bottom, left, right } = info.padInfo;
  const p = fh * fw * c;
  const m = n * oh * ow;
  const eye = oneHotFilter(backend, fh, fw, c);
  // Same geometry as the forward convolution, so the output grid is dy's.
  const patches = runStock(
    'Conv2D',
    backend,
    { x, filter: eye },
    {
      strides: [sh, sw],
      pad: explicitPad(top, bottom, left, right),
      dilations: [1, 1],
      dataFormat: 'NHWC',
      dimRoundingMode: undefined,
    },
  ); // [N, oH, oW, p]
  release(backend, eye);
  // GEMM Pᵀ·dy in chunks of rows whose dy block (XNNPACK's packed operand) stays in cache.
  const rowsPer = chunkRows(m, k);
  const chunks = m / rowsPer;
  const p3 = reshapeInfo(backend, patches, [chunks, rowsPer, p]);
  const pT = transposeInfo(backend, p3, [0, 2, 1]); // [chunks, p, rows]
  release(backend, patches, p3);
  let prod: TensorInfo | undefined;
  for (let j = 0; j < chunks; j++) {
    const a = chunkOf(backend, pT, j, chunks, [p, rowsPer]);
    const b = chunkOf(backend, dy, j, chunks, [rowsPer, k]);
    const part = gemmInfo(backend, a, b); // [p, K]
    release(backend, a, b);
    prod = accumulate(backend, prod, part);
  }
  release(backend, pT);
  return { dataId: prod!.dataId, shape: [fh, fw, c, k], dtype: 'float32' };
}
