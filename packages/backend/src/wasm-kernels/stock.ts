/**
 * Access to the WebAssembly backend's own kernels (the "stock" ones that
 * `@tensorflow/tfjs-backend-wasm` registers on import) at the TensorInfo level,
 * so that lipnet's training kernels can be written as compositions of the fast
 * XNNPACK-backed ones (Conv2D, DepthwiseConv2dNative, non-transposed
 * BatchMatMul, Add, Multiply) plus C++ data movement (Transpose, Reverse).
 *
 * Only public API is used: `tf.getKernel(name, 'wasm')` returns the registered
 * config, whose `kernelFunc` takes `{inputs, attrs, backend}` and returns a
 * TensorInfo owned by the caller. The stock configs are captured once, before
 * lipnet overrides any of them, so an override can still call the original.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { WasmKernelsError } from '../errors';

export type TensorInfo = tf.TensorInfo;

/** The attributes tfjs passes to both convolution-gradient kernels (Conv2DBackpropFilter / Conv2DBackpropInput). */
export interface Conv2DGradAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}
type KernelConfig = tf.KernelConfig;

const stockConfigs = new Map<string, KernelConfig>();

/** Remembers the currently registered wasm config of `name` as the stock one (first call wins). */
export function captureStock(name: string): KernelConfig | undefined {
  if (!stockConfigs.has(name)) {
    const cfg = tf.getKernel(name, 'wasm');
    if (cfg) stockConfigs.set(name, { ...cfg });
  }
  return stockConfigs.get(name);
}

/** The stock config of `name` captured by {@link captureStock}, if any. */
export function stockConfig(name: string): KernelConfig | undefined {
  return stockConfigs.get(name);
}

/**
 * Runs the stock wasm kernel `name`. Throws a named error when the wasm
 * package did not register it (which would mean a different tfjs version).
 */
export function runStock(
  name: string,
  backend: BackendWasm,
  inputs: Record<string, TensorInfo>,
  attrs: Record<string, unknown> = {},
): TensorInfo {
  const cfg = stockConfigs.get(name) ?? captureStock(name);
  if (!cfg) {
    throw new WasmKernelsError(
      `@lipnet/backend: the wasm backend has no '${name}' kernel to build on; expected @tensorflow/tfjs-backend-wasm 4.22.0.`,
    );
  }
  const out = cfg.kernelFunc({ inputs: inputs, attrs: attrs as tf.NamedAttrMap, backend });
  if (Array.isArray(out))
    throw new WasmKernelsError(`@lipnet/backend: stock kernel '${name}' returned several outputs`);
  return out;
}

/** Frees an intermediate TensorInfo made by a stock kernel (reference counted). */
export function release(backend: BackendWasm, ...infos: TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/** A view of `x` with another shape sharing its data (reference count +1; release it). */
export function reshapeInfo(backend: BackendWasm, x: TensorInfo, shape: number[]): TensorInfo {
  if (tf.util.sizeFromShape(shape) !== tf.util.sizeFromShape(x.shape)) {
    throw new WasmKernelsError(`@lipnet/backend: cannot view shape [${x.shape.join(', ')}] as [${shape.join(', ')}]`);
  }
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape, dtype: x.dtype };
}

/** The largest factor f of n with 2 ≤ f ≤ √n (so n = f·g with both > 1), or 0 when n is prime or < 4. */
export function splitFactor(n: number): number {
  for (let f = Math.floor(Math.sqrt(n)); f >= 2; f--) if (n % f === 0) return f;
  return 0;
}

/**
 * Transpose through the stock C++ kernel. Measured on tfjs-backend-wasm 4.22:
 * its rank-2 path is 3–4× slower than its rank-3/4 paths for the same data
 * ([M,16]→[16,M]: 11.7 ms vs 3.2 ms at M = 200,704), so a transpose that
 * reduces to two non-unit axes is re-expressed as a rank-3 one by splitting an
 * axis into two factors (the output data is identical).
 */
export function transposeInfo(backend: BackendWasm, x: TensorInfo, perm: number[]): TensorInfo {
  const outShape = perm.map((p) => x.shape[p] as number);
  const kept = perm.filter((p) => (x.shape[p] as number) !== 1);
  if (kept.length === 2 && kept[0]! > kept[1]!) {
    // A genuine 2-D transpose [A, B] → [B, A] (A, B the two non-unit axes, in order).
    const a = x.shape[kept[1]!] as number;
    const b = x.shape[kept[0]!] as number;
    const fa = splitFactor(a);
    const fb = splitFactor(b);
    let view: number[] | undefined;
    let perm3: number[] | undefined;
    if (fa) {
      view = [fa, a / fa, b];
      perm3 = [2, 0, 1];
    } else if (fb) {
      view = [a, fb, b / fb];
      perm3 = [1, 2, 0];
    }
    if (view && perm3) {
      const x3 = reshapeInfo(backend, x, view);
      const t = runStock('Transpose', backend, { x: x3 }, { perm: perm3 });
      release(backend, x3);
      return { dataId: t.dataId, shape: outShape, dtype: t.dtype };
    }
  }
  return runStock('Transpose', backend, { x }, { perm });
}

/** A float32 tensor filled with `value` (typed-array fill, no JS loop). */
export function filledInfo(backend: BackendWasm, shape: number[], value: number): TensorInfo {
  const out = backend.makeOutput(shape, 'float32');
  (backend.typedArrayFromHeap(out) as Float32Array).fill(value);
  return out;
}

/** A copy of `x` with its own data id. */
export function copyInfo(backend: BackendWasm, x: TensorInfo): TensorInfo {
  const out = backend.makeOutput(x.shape.slice(), x.dtype);
  (backend.typedArrayFromHeap(out) as Float32Array).set(backend.typedArrayFromHeap(x));
  return out;
}

/**
 * The stock wasm BatchMatMul hands the right operand to XNNPACK's fully
 * connected operator and caches that operator under the operand's tensor id
 * only (not its shape). A tensor used as the right operand under two different
 * 2-D views would silently reuse the first packing. lipnet's kernels record the
 * view each data id was used with and copy the operand when a different view
 * comes along.
 */
const rhsViews = new WeakMap<object, string>();

/** Non-transposed single-batch GEMM `a[m,k]·b[k,n]` on XNNPACK (returns [m, n]). */
export function gemmInfo(backend: BackendWasm, a: TensorInfo, b: TensorInfo): TensorInfo {
  const [m, k] = a.shape as [number, number];
  const [k2, n] = b.shape as [number, number];
  if (k !== k2)
    throw new WasmKernelsError(
      `@lipnet/backend: GEMM inner sizes differ, [${a.shape.join(', ')}]·[${b.shape.join(', ')}]`,
    );
  const view = `${k}x${n}`;
  const seen = rhsViews.get(b.dataId);
  let rhs = b;
  let copied = false;
  if (seen !== undefined && seen !== view) {
    rhs = copyInfo(backend, b);
    copied = true;
  }
  rhsViews.set(rhs.dataId, view);
  const a3 = reshapeInfo(backend, a, [1, m, k]);
  const b3 = reshapeInfo(backend, rhs, [1, k, n]);
  const out = runStock('BatchMatMul', backend, { a: a3, b: b3 }, { transposeA: false, transposeB: false });
  release(backend, a3, b3);
  if (copied) release(backend, rhs);
  return { dataId: out.dataId, shape: [m, n], dtype: out.dtype };
}

/** Records that `b`'s data id is used as a stock BatchMatMul right operand under view [k, n]. */
export function noteRhsView(b: TensorInfo, k: number, n: number): boolean {
  const view = `${k}x${n}`;
  const seen = rhsViews.get(b.dataId);
  if (seen !== undefined && seen !== view) return false;
  rhsViews.set(b.dataId, view);
  return true;
}
