/**
 * `BatchMatMul` for the wasm backend. The stock kernel runs XNNPACK only when
 * neither operand is transposed and both batches are 1, and a scalar C++ loop
 * otherwise — which is what every dense-layer gradient (dW = xᵀ·dy,
 * dx = dy·Wᵀ) and the Björck / power iterations of Lipschitz layers hit.
 *
 * Here transposed operands are materialised first with the C++ Transpose, and
 * a batched left operand times a single right matrix is folded into one GEMM
 * ([B·m, k]·[k, n]); the product itself then runs on XNNPACK. Same maths as
 * tf.matMul(a, b, transposeA, transposeB).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { WasmKernelsError } from '../errors';
import { TensorInfo, copyInfo, gemmInfo, noteRhsView, release, reshapeInfo, runStock, transposeInfo } from './stock';
import { gemmModuleBytes, packBytes } from './gemm-simd';
import { memoryOffset, moduleOnBackendMemory, relaxedSimdEnabled } from './wasm-encoding';
import type { KernelArgs } from '../kernel-args';

/** Multiply-adds below which a product stays on XNNPACK (the generated module's call and packing cost more). */
const DIRECT_MIN_WORK = 1 << 15;

/**
 * `a[m,k]·b[k,n]` (contiguous, float32) on lipnet's generated SIMD GEMM
 * (gemm-simd.ts) when n is a multiple of 4 and the product is not tiny; else undefined.
 */
export function directGemm(backend: BackendWasm, a: TensorInfo, b: TensorInfo): TensorInfo | undefined {
  const [m, k] = a.shape as [number, number];
  const n = b.shape[1] as number;
  if (n % 4 !== 0 || m * k * n < DIRECT_MIN_WORK) return undefined;
  const relaxed = relaxedSimdEnabled();
  const key = `LipnetGemm ${k},${n}${relaxed ? ' relaxed' : ''}`;
  const gemm = moduleOnBackendMemory(backend, key, () => gemmModuleBytes(k, n, relaxed)).exports['gemm'] as (
    ...args: number[]
  ) => void;
  const pack = backend.makeOutput([packBytes(k) / 4], 'float32');
  const out = backend.makeOutput([m, n], 'float32');
  gemm(memoryOffset(backend, a), memoryOffset(backend, b), memoryOffset(backend, out), m, memoryOffset(backend, pack));
  release(backend, pack);
  return out;
}

/** `a[m,k]·b[k,n]`: {@link directGemm}, else XNNPACK. */
function product(backend: BackendWasm, a: TensorInfo, b: TensorInfo): TensorInfo {
  return directGemm(backend, a, b) ?? gemmInfo(backend, a, b);
}

function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 1] = rank - 2;
  perm[rank - 2] = rank - 1;
  return perm;
}

/** Kernel function of `BatchMatMul` for 'wasm' (inputs a, b; attrs transposeA, transposeB). */
export function batchMatMulWasm(args: KernelArgs): TensorInfo {
  const backend = args.backend as BackendWasm;
  const a = args.inputs['a'] as TensorInfo;
  const b = args.inputs['b'] as TensorInfo;
  const transposeA = Boolean(args.attrs['transposeA']);
  const transposeB = Boolean(args.attrs['transposeB']);
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) {
    return runStock('BatchMatMul', backend, { a, b }, { transposeA, transposeB });
  }
  const ra = a.shape.length;
  const rb = b.shape.length;
  const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2));
  const batchB = tf.util.sizeFromShape(b.shape.slice(0, -2));
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const m = transposeA ? (a.shape[ra - 1] as number) : (a.shape[ra - 2] as number);
  const ka = transposeA ? (a.shape[ra - 2] as number) : (a.shape[ra - 1] as number);
  const kb = transposeB ? (b.shape[rb - 1] as number) : (b.shape[rb - 2] as number);
  const n = transposeB ? (b.shape[rb - 2] as number) : (b.shape[rb - 1] as number);
  if (ka !== kb) {
    throw new WasmKernelsError(
      `@lipnet/backend BatchMatMul (wasm): inner sizes differ, a [${a.shape.join(', ')}] (transposeA ${transposeA}) · b [${b.shape.join(', ')}] (transposeB ${transposeB}).`,
    );
  }
  const outShape = [...outer, m, n];

  if (transposeA && !transposeB && batchA === 1 && batchB === 1 && m % 4 === 0 && ka * m > (ka + m) * n) {
    // Aᵀ·B = (Bᵀ·A)ᵀ: transposes B and the product (small) instead of A (large), e.g. a dense layer's xᵀ·dy.
    const a2 = reshapeInfo(backend, a, [ka, m]);
    // (a [kb, n] view of b needs no reference of its own: transposeInfo reads it and keeps nothing)
    const bT = transposeInfo(backend, { dataId: b.dataId, shape: [kb, n], dtype: b.dtype }, [1, 0]);
    const prodT = directGemm(backend, bT, a2);
    if (prodT) {
      release(backend, a2, bT);
      const prod = transposeInfo(backend, prodT, [1, 0]);
      release(backend, prodT);
      return { dataId: prod.dataId, shape: outShape, dtype: 'float32' };
    }
    release(backend, a2, bT);
  }

  const aa = transposeA ? transposeInfo(backend, a, swapLastTwo(ra)) : a;
  const bb = transposeB ? transposeInfo(backend, b, swapLastTwo(rb)) : b;
  let out: TensorInfo;
  if (batchB === 1) {
    // [batchA·m, k] · [k, n] in one XNNPACK GEMM (batchA = 1 is the plain case).
    const a2 = reshapeInfo(backend, aa, [batchA * m, ka]);
    const b2 = reshapeInfo(backend, bb, [kb, n]);
    const prod = product(backend, a2, b2);
    release(backend, a2, b2);
    out = { dataId: prod.dataId, shape: outShape, dtype: 'float32' };
  } else {
    // Several right matrices: the stock kernel on contiguous operands.
    let rhs = bb;
    if (!noteRhsView(bb, kb, n)) rhs = copyInfo(backend, bb);
    const prod = runStock('BatchMatMul', backend, { a: aa, b: rhs }, { transposeA: false, transposeB: false });
    if (rhs !== bb) release(backend, rhs);
    out = { dataId: prod.dataId, shape: outShape, dtype: 'float32' };
  }
  if (aa !== a) release(backend, aa);
  if (bb !== b) release(backend, bb);
  return out;
}
