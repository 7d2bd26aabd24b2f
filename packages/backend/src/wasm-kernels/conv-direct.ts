/**
 * The glue between tfjs' convolution kernels and lipnet's generated stride-1
 * WebAssembly SIMD convolution (conv-forward-simd.ts): the padded input, the
 * tap table and the module instance on the backend's memory.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { forwardModuleBytes, tapTable, type ForwardGeometry } from './conv-forward-simd';
import { paddedInput } from './conv-padding';
import { release, type TensorInfo } from './stock';
import { memoryOffset, moduleOnBackendMemory, relaxedSimdEnabled } from './wasm-encoding';

type ConvFn = (xp: number, w: number, y: number, n: number, table: number) => void;

/**
 * y[n, i, j, k] = Σ_{r,s,c} xpad[n, i + r, j + s, c] · w[r, s, c, k] for i < oh,
 * j < ow, where xpad is x [N, H, W, C] placed at row `top`, column `left` of
 * zeros (top, left ≥ 0): a stride-1 convolution with explicit padding. w is
 * [fh, fw, C, K] with K a multiple of 4. Returns y [N, oh, ow, K].
 */
export function directConv(
  backend: BackendWasm,
  x: TensorInfo,
  w: TensorInfo,
  top: number,
  left: number,
  oh: number,
  ow: number,
): TensorInfo {
  const [n, , , c] = x.shape as [number, number, number, number];
  const [fh, fw, , k] = w.shape as [number, number, number, number];
  const g: ForwardGeometry = { oh, ow, fh, fw, c, k };
  const relaxed = relaxedSimdEnabled();
  const key = `LipnetConvForward ${oh},${ow},${fh},${fw},${c},${k}${relaxed ? ' relaxed' : ''}`;
  const conv = moduleOnBackendMemory(backend, key, () => forwardModuleBytes(g, undefined, relaxed)).exports[
    'conv'
  ] as ConvFn;
  const entries = tapTable(g);
  const table = backend.makeOutput([entries.length], 'int32');
  (backend.typedArrayFromHeap(table) as Int32Array).set(entries);
  const xp = paddedInput(backend, x, top, left, oh + fh - 1, ow + fw - 1);
  const y = backend.makeOutput([n, oh, ow, k], 'float32');
  if (n > 0)
    conv(
      memoryOffset(backend, xp),
      memoryOffset(backend, w),
      memoryOffset(backend, y),
      n,
      memoryOffset(backend, table),
    );
  release(backend, xp, table);
  return y;
}
