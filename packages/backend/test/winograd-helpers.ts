/** Helpers of the Winograd tests: geometries, the zero-padded reference input, running a generated module. */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { WinogradGeometry } from '../src/wasm-kernels/winograd-blocks';
import { memoryOffset } from '../src/wasm-kernels/wasm-encoding';

/** Winograd F(2×2, 3×3)'s filter-transform matrix G (Lavin & Gray 2015), written out for the closed-form checks. */
export const WINOGRAD_G = [
  [1, 0, 0],
  [0.5, 0.5, 0.5],
  [0.5, -0.5, 0.5],
  [0, 0, 1],
];

/** A Winograd geometry: output oH × oW, C → K, input h × w at row `top`, column `left` of the padded input. */
export function geometry(
  oh: number,
  ow: number,
  c: number,
  k: number,
  h: number,
  w: number,
  top: number,
  left: number,
): WinogradGeometry {
  return { oh, ow, c, k, h, w, top, left };
}

/** x [n, h, w, C] zero-padded as the module pads it, cut to the (oH + 2) × (oW + 2) a 'valid' 3×3 conv reads. */
export function paddedForValid(x: Float32Array, n: number, g: WinogradGeometry): tf.Tensor4D {
  const bottom = Math.max(0, g.oh + 2 - g.h - g.top);
  const right = Math.max(0, g.ow + 2 - g.w - g.left);
  const xp = tf.pad(tf.tensor4d(x, [n, g.h, g.w, g.c]), [
    [0, 0],
    [g.top, bottom],
    [g.left, right],
    [0, 0],
  ]);
  return tf.slice(xp, [0, 0, 0, 0], [n, g.oh + 2, g.ow + 2, g.c]);
}

/**
 * Instantiates `bytes` on the wasm backend's memory and calls its export
 * `name` as name(a, b, out, n, scratch) with the addresses of the tensors
 * `make()` returns ([a, b, out, scratch], made on wasm); returns out's values
 * after the call. Disposes them and leaves cpu active.
 */
export async function callOnWasm(
  bytes: Uint8Array<ArrayBuffer>,
  name: string,
  n: number,
  make: () => [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor],
): Promise<Float32Array> {
  await tf.setBackend('wasm');
  const backend = tf.backend() as BackendWasm;
  const memory = (backend.wasm as unknown as { asm: { memory: WebAssembly.Memory } }).asm.memory;
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
  const [a, b, out, scratch] = make();
  (inst.exports[name] as (...args: number[]) => void)(
    memoryOffset(backend, a),
    memoryOffset(backend, b),
    memoryOffset(backend, out),
    n,
    memoryOffset(backend, scratch),
  );
  const values = Float32Array.from(out.dataSync());
  tf.dispose([a, b, out, scratch]);
  await tf.setBackend('cpu');
  return values;
}
