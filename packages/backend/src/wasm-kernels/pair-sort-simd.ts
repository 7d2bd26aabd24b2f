/**
 * GroupSort(2) for the wasm backend as one WebAssembly SIMD pass each way:
 * the `LipnetPairSort` / `LipnetPairSortGrad` kernels of @lipnet/layers'
 * `FUSED_KERNELS` contract. Each pair (a, b) of the last axis becomes (b, a)
 * iff a − b > 0 (exactly the permutation of the stock composition; a −0 stays
 * −0), and the gradient applies the same permutation, read from x, to dy.
 * The stock composition takes six passes each way on wasm (two GEMMs, Step,
 * Mul, Sub, Add).
 *
 * The module is a few hundred bytes of WebAssembly written out below with
 * `wasm-encoding` and runs in place on the tfjs wasm backend's own memory, so
 * inputs and outputs are read and written where tfjs keeps them, without
 * copies. Per 4 floats (two pairs):
 *
 *   d = [a₀, a₀, a₁, a₁] − [b₀, b₀, b₁, b₁];  m = d > 0;  y = m ? [b₀, a₀, b₁, a₁] : v
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { TensorInfo } from './stock';
import { WasmKernelsError } from '../errors';
import {
  F32,
  I32,
  V128,
  forLoop,
  funcBody,
  memoryOffset,
  moduleBytes,
  moduleOnBackendMemory,
  op,
} from './wasm-encoding';
import { FUSED_KERNELS } from '@lipnet/core';
import type { KernelArgs } from '../kernel-args';

/** Lanes (of f32) of [a₀, a₀, a₁, a₁], [b₀, b₀, b₁, b₁] and the swapped pairs [b₀, a₀, b₁, a₁]. */
export const FIRSTS = [0, 0, 2, 2];
const SECONDS = [1, 1, 3, 3];
export const SWAPPED = [1, 0, 3, 2];

/** Pushes m = ([a₀, a₀, a₁, a₁] − [b₀, b₀, b₁, b₁]) > 0 for the pairs in the v128 local v. */
export const pairMask = (v: number): number[] => [
  ...op.get(v),
  ...op.get(v),
  ...op.shuffle(FIRSTS),
  ...op.get(v),
  ...op.get(v),
  ...op.shuffle(SECONDS),
  ...op.f32x4Sub,
  ...op.v128Zero,
  ...op.f32x4Gt,
];

/** dst = the v128 local src with every pair swapped ([b₀, a₀, b₁, a₁]). */
export const swapPairsInto = (src: number, dst: number): number[] => [
  ...op.get(src),
  ...op.get(src),
  ...op.shuffle(SWAPPED),
  ...op.set(dst),
];

/** Pushes the v128 local src with its pairs swapped where the mask local m is set. */
export const permuted = (src: number, m: number): number[] => [
  ...op.get(src),
  ...op.get(src),
  ...op.shuffle(SWAPPED),
  ...op.get(src),
  ...op.get(m),
  ...op.bitselect,
];

/**
 * `permute(order, src, dst, n)`: dst = src with each pair swapped where
 * order's pair has a − b > 0; n floats (even), byte addresses. Locals: 4 i,
 * 5 end, 6 m (v128), 7 v (v128), 8 a, 9 b, 10 g0, 11 g1 (f32).
 */
function permuteBody(): number[] {
  const [order, src, dst, n, i, end, m, v, a, b, g0, g1] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const at = (base: number, index: number) => [...op.get(base), ...op.get(index), ...op.i32Add];
  const chunk = [
    // m = ([a₀, a₀, a₁, a₁] − [b₀, b₀, b₁, b₁]) > 0 from order's chunk
    ...at(order, i),
    ...op.v128Load,
    ...op.set(v),
    ...pairMask(v),
    ...op.set(m),
    // dst chunk = m ? swapped src : src
    ...at(dst, i),
    ...at(src, i),
    ...op.v128Load,
    ...op.set(v),
    ...permuted(v, m),
    ...op.v128Store,
  ];
  // The last pair when n is not a multiple of 4, with scalar ops.
  const swapTest = [...op.get(a), ...op.get(b), ...op.f32Sub, ...op.f32Const(0), ...op.f32Gt];
  const tail = [
    ...at(order, end),
    ...op.f32Load(0),
    ...op.set(a),
    ...at(order, end),
    ...op.f32Load(4),
    ...op.set(b),
    ...at(src, end),
    ...op.f32Load(0),
    ...op.set(g0),
    ...at(src, end),
    ...op.f32Load(4),
    ...op.set(g1),
    ...at(dst, end),
    ...op.get(g1),
    ...op.get(g0),
    ...swapTest,
    ...op.select,
    ...op.f32Store(0),
    ...at(dst, end),
    ...op.get(g0),
    ...op.get(g1),
    ...swapTest,
    ...op.select,
    ...op.f32Store(4),
  ];
  return funcBody(
    [
      [2, I32],
      [2, V128],
      [4, F32],
    ],
    [
      // end = (n & ~3) · 4: the bytes of whole 4-float chunks
      ...op.get(n),
      ...op.i32Const(-4),
      ...op.i32And,
      ...op.i32Const(2),
      ...op.i32Shl,
      ...op.set(end),
      ...forLoop(i, end, 16, chunk),
      ...op.get(n),
      ...op.i32Const(3),
      ...op.i32And,
      ...op.if,
      ...tail,
      ...op.end,
    ],
  );
}

/** The module: imports env.memory, exports `permute(order, src, dst, n)`. */
export function pairSortModuleBytes(): Uint8Array<ArrayBuffer> {
  return moduleBytes([['permute', [I32, I32, I32, I32], permuteBody()]]);
}

type Permute = (order: number, src: number, dst: number, n: number) => void;

function permuteFor(backend: BackendWasm): Permute {
  return moduleOnBackendMemory(backend, FUSED_KERNELS.pairSort, pairSortModuleBytes).exports['permute'] as Permute;
}

function checkEven(name: string, x: TensorInfo): void {
  const c = x.shape[x.shape.length - 1] ?? 0;
  if (x.shape.length === 0 || c % 2 !== 0 || x.dtype !== 'float32') {
    throw new WasmKernelsError(
      `${name} (wasm): expected a float32 tensor with an even last axis, got ${x.dtype} of shape [${x.shape.join(', ')}].`,
    );
  }
}

function run(backend: BackendWasm, order: TensorInfo, src: TensorInfo): TensorInfo {
  const out = backend.makeOutput(src.shape.slice(), 'float32');
  const n = tf.util.sizeFromShape(src.shape);
  if (n === 0) return out;
  permuteFor(backend)(memoryOffset(backend, order), memoryOffset(backend, src), memoryOffset(backend, out), n);
  return out;
}

/** Kernel function of `LipnetPairSort` for 'wasm' (input x). */
export function pairSortWasm(args: KernelArgs): TensorInfo {
  const x = args.inputs['x'] as TensorInfo;
  checkEven(FUSED_KERNELS.pairSort, x);
  return run(args.backend as BackendWasm, x, x);
}

/** Kernel function of `LipnetPairSortGrad` for 'wasm' (inputs x, dy): dy permuted as x's pairs. */
export function pairSortGradWasm(args: KernelArgs): TensorInfo {
  const x = args.inputs['x'] as TensorInfo;
  const dy = args.inputs['dy'] as TensorInfo;
  checkEven(FUSED_KERNELS.pairSortGrad, x);
  if (dy.shape.join() !== x.shape.join() || dy.dtype !== 'float32') {
    throw new WasmKernelsError(
      `LipnetPairSortGrad (wasm): dy must be float32 of x's shape [${x.shape.join(', ')}], got ${dy.dtype} [${dy.shape.join(', ')}].`,
    );
  }
  return run(args.backend as BackendWasm, x, dy);
}
