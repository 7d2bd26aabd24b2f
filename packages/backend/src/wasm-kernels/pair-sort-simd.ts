/**
 * GroupSort(2) for the wasm backend as one WebAssembly SIMD pass each way:
 * the `LipnetPairSort` / `LipnetPairSortGrad` kernels of @lipnet/layers'
 * `FUSED_KERNELS` contract. Each pair (a, b) of the last axis becomes (b, a)
 * iff a − b > 0 (exactly the permutation of the stock composition; a −0 stays
 * −0), and the gradient applies the same permutation, read from x, to dy.
 * The stock composition takes six passes each way on wasm (two GEMMs, Step,
 * Mul, Sub, Add).
 *
 * The module is a few hundred bytes of WebAssembly written out below (there
 * is no C-to-wasm compiler in the toolchain) and runs in place on the tfjs
 * wasm backend's own memory: it imports the `WebAssembly.Memory` that the
 * backend's module exports, so inputs and outputs are read and written where
 * tfjs keeps them, without copies. One instance per backend memory (each
 * worker thread has its own). Per 4 floats (two pairs):
 *
 *   d = [a₀, a₀, a₁, a₁] − [b₀, b₀, b₁, b₁];  m = d > 0;  y = m ? [b₀, a₀, b₁, a₁] : v
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { TensorInfo } from './stock';
import { WasmKernelsError } from '../errors';

// ------------------------------------------------------------- encoding
const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const str = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];

/** Instructions (only those used here). */
const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  if: [0x04, 0x40],
  end: [0x0b],
  br: (d: number) => [0x0c, ...uleb(d)],
  brIf: (d: number) => [0x0d, ...uleb(d)],
  select: [0x1b],
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  f32Load: (offset: number) => [0x2a, 0x02, ...uleb(offset)],
  f32Store: (offset: number) => [0x38, 0x02, ...uleb(offset)],
  i32Const: (v: number) => [0x41, ...sleb(v)],
  f32Zero: [0x43, 0, 0, 0, 0],
  i32GeU: [0x4f],
  f32Gt: [0x5e],
  i32Add: [0x6a],
  i32And: [0x71],
  i32Shl: [0x74],
  f32Sub: [0x93],
  v128Load: [0xfd, ...uleb(0x00), 0x00, 0x00],
  v128Store: [0xfd, ...uleb(0x0b), 0x00, 0x00],
  v128Zero: [0xfd, ...uleb(0x0c), ...new Array<number>(16).fill(0)],
  shuffle: (lanes: number[]) => [0xfd, ...uleb(0x0d), ...lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3])],
  f32x4Gt: [0xfd, ...uleb(0x44)],
  bitselect: [0xfd, ...uleb(0x52)],
  f32x4Sub: [0xfd, ...uleb(0xe5)],
};

/** Lanes (of f32) of [a₀, a₀, a₁, a₁], [b₀, b₀, b₁, b₁] and the swapped pairs [b₀, a₀, b₁, a₁]. */
const FIRSTS = [0, 0, 2, 2];
const SECONDS = [1, 1, 3, 3];
const SWAPPED = [1, 0, 3, 2];

/**
 * Body of `(order, src, dst, n)`: dst = src with each pair swapped where
 * order's pair has a − b > 0; n floats (even). Locals: 4 i, 5 end, 6 m (v128),
 * 7 v (v128), 8 a, 9 b, 10 g0, 11 g1 (f32).
 */
function permuteBody(): number[] {
  const [order, src, dst, n, i, end, m, v, a, b, g0, g1] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const mask = [
    ...op.get(order), ...op.get(i), ...op.i32Add, ...op.v128Load, ...op.set(v),
    ...op.get(v), ...op.get(v), ...op.shuffle(FIRSTS),
    ...op.get(v), ...op.get(v), ...op.shuffle(SECONDS),
    ...op.f32x4Sub, ...op.v128Zero, ...op.f32x4Gt, ...op.set(m),
  ];
  const store = [
    ...op.get(dst), ...op.get(i), ...op.i32Add,
    ...op.get(src), ...op.get(i), ...op.i32Add, ...op.v128Load, ...op.set(v),
    ...op.get(v), ...op.get(v), ...op.shuffle(SWAPPED), ...op.get(v), ...op.get(m), ...op.bitselect,
    ...op.v128Store,
  ];
  // The last pair when n is not a multiple of 4, with scalar ops.
  const tail = [
    ...op.get(order), ...op.get(end), ...op.i32Add, ...op.f32Load(0), ...op.set(a),
    ...op.get(order), ...op.get(end), ...op.i32Add, ...op.f32Load(4), ...op.set(b),
    ...op.get(src), ...op.get(end), ...op.i32Add, ...op.f32Load(0), ...op.set(g0),
    ...op.get(src), ...op.get(end), ...op.i32Add, ...op.f32Load(4), ...op.set(g1),
    // dst[0] = a − b > 0 ? g1 : g0;  dst[1] = a − b > 0 ? g0 : g1
    ...op.get(dst), ...op.get(end), ...op.i32Add,
    ...op.get(g1), ...op.get(g0), ...op.get(a), ...op.get(b), ...op.f32Sub, ...op.f32Zero, ...op.f32Gt, ...op.select,
    ...op.f32Store(0),
    ...op.get(dst), ...op.get(end), ...op.i32Add,
    ...op.get(g0), ...op.get(g1), ...op.get(a), ...op.get(b), ...op.f32Sub, ...op.f32Zero, ...op.f32Gt, ...op.select,
    ...op.f32Store(4),
  ];
  const code = [
    // end = (n & ~3) · 4: bytes of whole 4-float chunks
    ...op.get(n), ...op.i32Const(-4), ...op.i32And, ...op.i32Const(2), ...op.i32Shl, ...op.set(end),
    ...op.block, ...op.loop,
    ...op.get(i), ...op.get(end), ...op.i32GeU, ...op.brIf(1),
    ...mask, ...store,
    ...op.get(i), ...op.i32Const(16), ...op.i32Add, ...op.set(i),
    ...op.br(0),
    ...op.end, ...op.end,
    ...op.get(n), ...op.i32Const(3), ...op.i32And, ...op.if, ...tail, ...op.end,
    ...op.end,
  ];
  const locals = vec([[2, I32], [2, V128], [4, F32]].map(([count, type]) => [...uleb(count!), type!]));
  const body = [...locals, ...code];
  return [...uleb(body.length), ...body];
}

/** The module: imports env.memory, exports `permute(order, src, dst, n)`. */
export function pairSortModuleBytes(): Uint8Array<ArrayBuffer> {
  const type = section(1, vec([[0x60, ...vec([[I32], [I32], [I32], [I32]]), ...vec([])]]));
  const imports = section(2, vec([[...str('env'), ...str('memory'), 0x02, 0x00, ...uleb(1)]]));
  const funcs = section(3, vec([uleb(0)]));
  const exports = section(7, vec([[...str('permute'), 0x00, ...uleb(0)]]));
  const code = section(10, vec([permuteBody()]));
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...type, ...imports, ...funcs, ...exports, ...code]);
}

// ------------------------------------------------------------- instances
type Permute = (order: number, src: number, dst: number, n: number) => void;
const instances = new WeakMap<WebAssembly.Memory, Permute>();
let compiled: WebAssembly.Module | undefined;

function permuteFor(backend: BackendWasm): Permute {
  const memory = (backend.wasm as unknown as { asm?: Record<string, unknown> }).asm?.['memory'];
  if (!(memory instanceof WebAssembly.Memory)) {
    throw new WasmKernelsError(
      'LipnetPairSort (wasm): the wasm backend does not export its WebAssembly.Memory (asm.memory) in this tfjs-backend-wasm version. Unregister the kernel with unregisterWasmTrainingKernels() to use the stock composition.',
    );
  }
  let fn = instances.get(memory);
  if (!fn) {
    compiled ??= new WebAssembly.Module(pairSortModuleBytes());
    fn = new WebAssembly.Instance(compiled, { env: { memory } }).exports['permute'] as Permute;
    instances.set(memory, fn);
  }
  return fn;
}

function checkEven(name: string, x: TensorInfo): void {
  const c = x.shape[x.shape.length - 1] ?? 0;
  if (x.shape.length === 0 || c % 2 !== 0 || x.dtype !== 'float32') {
    throw new WasmKernelsError(`${name} (wasm): expected a float32 tensor with an even last axis, got ${x.dtype} of shape [${x.shape.join(', ')}].`);
  }
}

type Args = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap };

function run(backend: BackendWasm, order: TensorInfo, src: TensorInfo): TensorInfo {
  const out = backend.makeOutput(src.shape.slice(), 'float32');
  const n = tf.util.sizeFromShape(src.shape);
  if (n === 0) return out;
  const offset = (t: TensorInfo) => backend.dataIdMap.get(t.dataId)!.memoryOffset;
  permuteFor(backend)(offset(order), offset(src), offset(out), n);
  return out;
}

/** Kernel function of `LipnetPairSort` for 'wasm' (input x). */
export function pairSortWasm(args: Args): TensorInfo {
  const x = args.inputs['x'] as TensorInfo;
  checkEven('LipnetPairSort', x);
  return run(args.backend as BackendWasm, x, x);
}

/** Kernel function of `LipnetPairSortGrad` for 'wasm' (inputs x, dy): dy permuted as x's pairs. */
export function pairSortGradWasm(args: Args): TensorInfo {
  const x = args.inputs['x'] as TensorInfo;
  const dy = args.inputs['dy'] as TensorInfo;
  checkEven('LipnetPairSortGrad', x);
  if (dy.shape.join() !== x.shape.join() || dy.dtype !== 'float32') {
    throw new WasmKernelsError(`LipnetPairSortGrad (wasm): dy must be float32 of x's shape [${x.shape.join(', ')}], got ${dy.dtype} [${dy.shape.join(', ')}].`);
  }
  return run(args.backend as BackendWasm, x, dy);
}
