/**
 * The glue between tfjs' convolution kernels and lipnet's Winograd F(2×2, 3×3)
 * WebAssembly SIMD convolution (winograd-simd.ts): when it applies, the filter
 * transform, the scratch (the zero padding is done in wasm, per block) and
 * the module instance on the backend's memory.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { release, type TensorInfo } from './stock';
import { memoryOffset, moduleOnBackendMemory, relaxedSimdEnabled } from './wasm-encoding';
import { winogradModuleBytes } from './winograd-simd';
import { winogradPlan, type WinogradGeometry } from './winograd-blocks';
import { winogradFilter, winogradFilterGrad } from './winograd-transforms';
import { winogradFilterGradModuleBytes } from './winograd-filter-grad-simd';

/** Whether the Winograd path runs: `auto` wherever it applies (see {@link winogradApplies}), `off` never. */
export type WinogradMode = 'auto' | 'off';

let mode: WinogradMode = 'auto';

/** Sets when 3×3 stride-1 convolutions use Winograd F(2×2, 3×3) (see {@link winogradApplies}); returns the previous mode. */
export function setConvWinograd(next: WinogradMode): WinogradMode {
  if (next !== 'auto' && next !== 'off') {
    throw new Error(`setConvWinograd: mode must be 'auto' or 'off', got '${String(next)}'`);
  }
  const prev = mode;
  mode = next;
  return prev;
}

/**
 * Whether a stride-1, undilated fh × fw convolution of C to K channels (and
 * its input and filter gradients) runs on Winograd: a 3×3 filter with C and K
 * multiples of 4 (the kernels' vectors), unless switched off. Measured against
 * the direct kernels at N = 2048 on one thread (bench/conv-winograd.js), it
 * was never slower: 1.6–1.9× at demo4's conv2 (forward, dx, dW), 1.3–2.4× at
 * C, K ≥ 8 up to 128, and 0.99–2.1× with C = 4 (even at 28×28, 4 → 32, where
 * the input transform weighs most against 4-channel GEMMs).
 */
export function winogradApplies(fh: number, fw: number, c: number, k: number): boolean {
  return mode !== 'off' && fh === 3 && fw === 3 && c % 4 === 0 && k % 4 === 0;
}

/** Whether the filter gradient of a stride-1, undilated fh × fw convolution of C to K channels runs on Winograd: as {@link winogradApplies} (dW 1.03–2.0× the direct kernel's speed). */
export function winogradFilterGradApplies(fh: number, fw: number, c: number, k: number): boolean {
  return winogradApplies(fh, fw, c, k);
}

/**
 * y[n, i, j, k] = Σ_{r,s,c} xpad[n, i + r, j + s, c] · w[r, s, c, k] for i < oh,
 * j < ow, xpad being x [N, H, W, C] placed at row `top`, column `left` of zeros:
 * the same convolution as directConv (conv-direct.ts), for a 3×3 filter w
 * [3, 3, C, K] with C, K multiples of 4, by Winograd F(2×2, 3×3). Returns
 * y [N, oh, ow, K].
 */
export function winogradConv(
  backend: BackendWasm,
  x: TensorInfo,
  w: TensorInfo,
  top: number,
  left: number,
  oh: number,
  ow: number,
): TensorInfo {
  const [n, h, wd, c] = x.shape as [number, number, number, number];
  const k = w.shape[3] as number;
  const g: WinogradGeometry = { oh, ow, c, k, h, w: wd, top, left };
  const relaxed = relaxedSimdEnabled();
  const key = `LipnetConvWinograd ${oh},${ow},${c},${k} from ${h},${wd} at ${top},${left}${relaxed ? ' relaxed' : ''}`;
  const conv = moduleOnBackendMemory(backend, key, () => winogradModuleBytes(g, undefined, relaxed)).exports[
    'conv'
  ] as (x: number, u: number, y: number, n: number, scratch: number) => void;
  const plan = winogradPlan(g);
  const uValues = winogradFilter(backend.typedArrayFromHeap(w) as Float32Array, c, k);
  const u = backend.makeOutput([16, c, k], 'float32');
  (backend.typedArrayFromHeap(u) as Float32Array).set(uValues);
  const scratch = backend.makeOutput([plan.scratchBytes / 4], 'float32');
  const y = backend.makeOutput([n, oh, ow, k], 'float32');
  if (n > 0 && oh > 0 && ow > 0)
    conv(
      memoryOffset(backend, x),
      memoryOffset(backend, u),
      memoryOffset(backend, y),
      n,
      memoryOffset(backend, scratch),
    );
  release(backend, u, scratch);
  return y;
}

/**
 * dW[r, s, c, k] = Σ_{n,i,j} xpad[n, i + r, j + s, c] · dy[n, i, j, k] for a
 * 3×3 filter (x [N, H, W, C] placed at row `top`, column `left` of zeros, dy
 * [N, oh, ow, K], C and K multiples of 4) by Winograd F(2×2, 3×3)
 * (winograd-filter-grad-simd.ts): Ŝ summed in wasm, Gᵀ Ŝ G in JS. Returns dW [3, 3, C, K].
 */
export function winogradFilterGradient(
  backend: BackendWasm,
  x: TensorInfo,
  dy: TensorInfo,
  top: number,
  left: number,
): TensorInfo {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const [, oh, ow, k] = dy.shape as [number, number, number, number];
  const g: WinogradGeometry = { oh, ow, c, k, h, w, top, left };
  const relaxed = relaxedSimdEnabled();
  const key = `LipnetConvWinogradFilterGrad ${oh},${ow},${c},${k} from ${h},${w} at ${top},${left}${relaxed ? ' relaxed' : ''}`;
  const dw = moduleOnBackendMemory(backend, key, () => winogradFilterGradModuleBytes(g, undefined, relaxed)).exports[
    'dw'
  ] as (x: number, dy: number, s: number, n: number, scratch: number) => void;
  const plan = winogradPlan(g);
  const s = backend.makeOutput([16, c, k], 'float32');
  const scratch = backend.makeOutput([plan.scratchBytes / 4], 'float32');
  (backend.typedArrayFromHeap(s) as Float32Array).fill(0);
  if (n > 0 && oh > 0 && ow > 0)
    dw(
      memoryOffset(backend, x),
      memoryOffset(backend, dy),
      memoryOffset(backend, s),
      n,
      memoryOffset(backend, scratch),
    );
  const dwValues = winogradFilterGrad(backend.typedArrayFromHeap(s) as Float32Array, c, k);
  release(backend, s, scratch);
  const out = backend.makeOutput([3, 3, c, k], 'float32');
  (backend.typedArrayFromHeap(out) as Float32Array).set(dwValues);
  return out;
}
