/**
 * A bias followed by GroupSort(2), for the wasm backend, as one WebAssembly
 * SIMD pass each way: the `LipnetBiasPairSort` / `LipnetBiasPairSortGrad`
 * kernels of @lipnet/layers' `FUSED_KERNELS` contract (a Spectral or Frobenius
 * layer's bias and its GroupSort(2) activation), where the separate kernels
 * take an Add pass and a sort pass forward, and a sort pass and a Sum pass
 * (the bias gradient) back:
 *
 *   v = z + b;  y = each pair (a, c) of v → (c, a) iff a − c > 0
 *   dz = dy permuted as v's pairs;  db = Σ_rows dz
 *
 * Per 4 floats, as in pair-sort-simd.ts, with b's matching 4 channels added
 * (the channel offset wraps at C by a select, no branch). db is summed in
 * blocks of rows into a partial buffer that is added into db after each block
 * (a blocked summation, not one running sum over every row). C must be a
 * multiple of 4; other widths go through the stock Add, the pair sort and Sum.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { WasmKernelsError } from '../errors';
import { Locals, bumpBy, whileBelow } from './conv-tiles';
import { pairMask, pairSortGradWasm, pairSortWasm, permuted } from './pair-sort-simd';
import { release, runStock, type TensorInfo } from './stock';
import { sumWasm } from './sum';
import { I32, memoryOffset, moduleBytes, moduleOnBackendMemory, op } from './wasm-encoding';
import type { KernelArgs } from '../kernel-args';

/** Rows per block of the bias gradient's summation. */
export const BIAS_BLOCK_ROWS = 256;

/** co = co + 16, back to 0 at cBytes (the channel offset of the next 4 floats). */
const nextChannel = (co: number, cBytes: number): number[] => [
  ...op.i32Const(0),
  ...op.get(co),
  ...op.i32Const(16),
  ...op.i32Add,
  ...op.set(co),
  ...op.get(co),
  ...op.get(co),
  ...op.get(cBytes),
  ...op.i32Eq,
  ...op.select,
  ...op.set(co),
];

/** `forward(z, b, y, bytes, cBytes)`: y = pair sort of z + b, over `bytes` bytes of z (C·4 = cBytes). */
function forwardBody(): number[] {
  const [Z, B, Y, BYTES, CB] = [0, 1, 2, 3, 4];
  const L = new Locals(5, 2, 3);
  const { i, co } = L.named(['i', 'co'] as const);
  const [v, m, bv] = L.vec(3) as [number, number, number];
  return L.body([
    ...op.i32Const(0),
    ...op.set(i),
    ...op.i32Const(0),
    ...op.set(co),
    ...whileBelow(i, BYTES, [
      ...op.get(B),
      ...op.get(co),
      ...op.i32Add,
      ...op.v128Load,
      ...op.set(bv),
      ...op.get(Z),
      ...op.get(i),
      ...op.i32Add,
      ...op.v128Load,
      ...op.get(bv),
      ...op.f32x4Add,
      ...op.set(v),
      ...pairMask(v),
      ...op.set(m),
      ...op.get(Y),
      ...op.get(i),
      ...op.i32Add,
      ...permuted(v, m),
      ...op.v128Store,
      ...bumpBy(i, 16),
      ...nextChannel(co, CB),
    ]),
  ]);
}

/**
 * `backward(z, b, dy, dz, part, db, bytes, cBytes, blockBytes)`: dz = dy
 * permuted as z + b's pairs; db += Σ dz, summed in blocks of `blockBytes`
 * into `part` (zeroed here per block), then added into db.
 */
function backwardBody(): number[] {
  const [Z, B, DY, DZ, PART, DB, BYTES, CB, BLOCK] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const L = new Locals(9, 4, 3);
  const { i, co, end, j } = L.named(['i', 'co', 'end', 'j'] as const);
  const [v, m, g] = L.vec(3) as [number, number, number];
  const at = (base: number, index: number) => [...op.get(base), ...op.get(index), ...op.i32Add];
  /** part[co] (+)= x, or db[j] += part[j]. */
  const chunk = [
    ...at(Z, i),
    ...op.v128Load,
    ...at(B, co),
    ...op.v128Load,
    ...op.f32x4Add,
    ...op.set(v),
    ...pairMask(v),
    ...op.set(m),
    ...at(DY, i),
    ...op.v128Load,
    ...op.set(g),
    ...permuted(g, m),
    ...op.set(g),
    ...at(DZ, i),
    ...op.get(g),
    ...op.v128Store,
    ...at(PART, co),
    ...at(PART, co),
    ...op.v128Load,
    ...op.get(g),
    ...op.f32x4Add,
    ...op.v128Store,
    ...bumpBy(i, 16),
    ...nextChannel(co, CB),
  ];
  const flush = [
    ...op.i32Const(0),
    ...op.set(j),
    ...whileBelow(j, CB, [
      ...at(DB, j),
      ...at(DB, j),
      ...op.v128Load,
      ...at(PART, j),
      ...op.v128Load,
      ...op.f32x4Add,
      ...op.v128Store,
      ...at(PART, j),
      ...op.v128Zero,
      ...op.v128Store,
      ...bumpBy(j, 16),
    ]),
  ];
  return L.body([
    ...op.i32Const(0),
    ...op.set(i),
    ...op.i32Const(0),
    ...op.set(co),
    ...whileBelow(i, BYTES, [
      // end = min(i + block, bytes)
      ...op.get(i),
      ...op.get(BLOCK),
      ...op.i32Add,
      ...op.get(BYTES),
      ...op.get(i),
      ...op.get(BLOCK),
      ...op.i32Add,
      ...op.get(BYTES),
      ...op.i32LtU,
      ...op.select,
      ...op.set(end),
      ...whileBelow(i, end, chunk),
      ...flush,
    ]),
  ]);
}

/** The module: imports env.memory, exports `forward` and `backward` (all i32 byte addresses and sizes). */
export function biasPairSortModuleBytes(): Uint8Array<ArrayBuffer> {
  return moduleBytes([
    ['forward', new Array<number>(5).fill(I32), forwardBody()],
    ['backward', new Array<number>(9).fill(I32), backwardBody()],
  ]);
}

type Fn = (...args: number[]) => void;

function check(name: string, z: TensorInfo, b: TensorInfo, dy?: TensorInfo): number {
  const c = z.shape[z.shape.length - 1] ?? 0;
  const ok =
    z.dtype === 'float32' &&
    b.dtype === 'float32' &&
    z.shape.length > 0 &&
    c % 2 === 0 &&
    b.shape.length === 1 &&
    b.shape[0] === c &&
    (!dy || (dy.dtype === 'float32' && dy.shape.join() === z.shape.join()));
  if (!ok) {
    throw new WasmKernelsError(
      `${name} (wasm): expected float32 z [..., C] with C even, b [C]${dy ? " and dy of z's shape" : ''}; got z ${z.dtype} [${z.shape.join(', ')}], b ${b.dtype} [${b.shape.join(', ')}]${dy ? `, dy ${dy.dtype} [${dy.shape.join(', ')}]` : ''}.`,
    );
  }
  return c;
}

const exportsOf = (backend: BackendWasm) =>
  moduleOnBackendMemory(backend, 'LipnetBiasPairSort', biasPairSortModuleBytes).exports as Record<string, Fn>;

/** Kernel function of `LipnetBiasPairSort` for 'wasm' (inputs z, b). */
export function biasPairSortWasm(args: KernelArgs): TensorInfo {
  const backend = args.backend as BackendWasm;
  const z = args.inputs['z'] as TensorInfo;
  const b = args.inputs['b'] as TensorInfo;
  const c = check('LipnetBiasPairSort', z, b);
  if (c % 4 !== 0) {
    const v = runStock('Add', backend, { a: z, b }, {});
    const y = pairSortWasm({ inputs: { x: v }, backend, attrs: {} });
    release(backend, v);
    return y;
  }
  const y = backend.makeOutput(z.shape.slice(), 'float32');
  const n = tf.util.sizeFromShape(z.shape);
  if (n > 0)
    exportsOf(backend)['forward']!(
      memoryOffset(backend, z),
      memoryOffset(backend, b),
      memoryOffset(backend, y),
      4 * n,
      4 * c,
    );
  return y;
}

/** Kernel function of `LipnetBiasPairSortGrad` for 'wasm' (inputs z, b, dy): [dz, db]. */
export function biasPairSortGradWasm(args: KernelArgs): TensorInfo[] {
  const backend = args.backend as BackendWasm;
  const z = args.inputs['z'] as TensorInfo;
  const b = args.inputs['b'] as TensorInfo;
  const dy = args.inputs['dy'] as TensorInfo;
  const c = check('LipnetBiasPairSortGrad', z, b, dy);
  const rank = z.shape.length;
  if (c % 4 !== 0) {
    const v = runStock('Add', backend, { a: z, b }, {});
    const dz = pairSortGradWasm({ inputs: { x: v, dy }, backend, attrs: {} });
    release(backend, v);
    const axis = Array.from({ length: rank - 1 }, (_, i) => i);
    const db =
      rank === 1
        ? runStock('Identity', backend, { x: dz }, {})
        : sumWasm({ inputs: { x: dz }, backend, attrs: { axis, keepDims: false } });
    return [dz, db];
  }
  const dz = backend.makeOutput(z.shape.slice(), 'float32');
  const db = backend.makeOutput([c], 'float32');
  const part = backend.makeOutput([c], 'float32');
  (backend.typedArrayFromHeap(db) as Float32Array).fill(0);
  (backend.typedArrayFromHeap(part) as Float32Array).fill(0);
  const n = tf.util.sizeFromShape(z.shape);
  if (n > 0) {
    exportsOf(backend)['backward']!(
      memoryOffset(backend, z),
      memoryOffset(backend, b),
      memoryOffset(backend, dy),
      memoryOffset(backend, dz),
      memoryOffset(backend, part),
      memoryOffset(backend, db),
      4 * n,
      4 * c,
      4 * c * BIAS_BLOCK_ROWS,
    );
  }
  release(backend, part);
  return [dz, db];
}
