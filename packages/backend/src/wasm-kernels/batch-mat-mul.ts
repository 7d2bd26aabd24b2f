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

function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 1] = rank - 2;
  perm[rank - 2] = rank - 1;
  return perm;
}

/** Kernel function of `BatchMatMul` for 'wasm' (inputs a, b; attrs transposeA, transposeB). */
export function batchMatMulWasm(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs: tf.NamedAttrMap;
}): TensorInfo {
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

  const aa = transposeA ? transposeInfo(backend, a, swapLastTwo(ra)) : a;
  const bb = transposeB ? transposeInfo(backend, b, swapLastTwo(rb)) : b;
  let out: TensorInfo;
  if (batchB === 1) {
    // [batchA·m, k] · [k, n] in one XNNPACK GEMM (batchA = 1 is the plain case).
    const a2 = reshapeInfo(backend, aa, [batchA * m, ka]);
    const b2 = reshapeInfo(backend, bb, [kb, n]);
    const prod = gemmInfo(backend, a2, b2);
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
