import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { expectTensorsClose } from '@lipnet/test-utils';
import { registerWasmTrainingKernels, wasmDistDir } from '../src';

/** Initialises the wasm backend from node_modules and registers lipnet's kernels; leaves cpu active. */
export async function initWasm(): Promise<void> {
  setWasmPaths(wasmDistDir());
  registerWasmTrainingKernels();
  await tf.setBackend('wasm');
  await tf.ready();
  await tf.setBackend('cpu');
  // The cpu backend prints a "use tfjs-node" banner on first use; tests do not need it.
  (tf.findBackend('cpu') as unknown as { firstUse: boolean }).firstUse = false;
}

/** Runs `fn` on `backend` and returns its outputs as plain arrays with their shapes; leaks nothing. */
export async function runOn(
  backend: 'cpu' | 'wasm',
  fn: () => tf.Tensor | tf.Tensor[],
): Promise<{ values: Float32Array; shape: number[] }[]> {
  const prev = tf.getBackend();
  await tf.setBackend(backend);
  try {
    const out = tf.tidy(fn);
    const list = Array.isArray(out) ? out : [out];
    const res = list.map((t) => ({ values: Float32Array.from(t.dataSync()), shape: t.shape.slice() }));
    tf.dispose(list);
    return res;
  } finally {
    await tf.setBackend(prev);
  }
}

/**
 * |actual − expected| ≤ rel·(|expected| + max|expected|) element-wise: relative
 * error `rel` measured against each element and the tensor's scale (a gradient
 * entry near 0 is judged against the gradient's magnitude, not against 0).
 */
export function expectRelClose(
  actual: { values: Float32Array; shape: number[] },
  expected: { values: Float32Array; shape: number[] },
  rel: number,
): void {
  expect(actual.shape).toEqual(expected.shape);
  let scale = 0;
  for (const v of expected.values) scale = Math.max(scale, Math.abs(v));
  expect(scale).toBeGreaterThan(0);
  expectTensorsClose(actual.values, expected.values, { rtol: rel, atol: rel * scale });
}

/** Deterministic pseudo-random floats in [−1, 1) (mulberry32). */
export function randomArray(n: number, seed: number): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/** Deterministic integer in [lo, hi] from a seed. */
export function randInt(seed: number, lo: number, hi: number): number {
  const r = randomArray(1, seed)[0]!;
  return lo + Math.floor(((r + 1) / 2) * (hi - lo + 1));
}

/** Object.is equality per element (tells −0 from +0, NaN equals NaN); names the first difference. */
export function expectIdentical(a: ArrayLike<number>, b: ArrayLike<number>): void {
  expect(a.length).toBe(b.length);
  const bad = Array.from(a).findIndex((v, i) => !Object.is(v, b[i]));
  expect({ firstDifference: bad, got: a[bad], want: b[bad] }).toEqual({
    firstDifference: -1,
    got: undefined,
    want: undefined,
  });
}

/**
 * Calls `call` once (compiling modules, making cached constants), then twice
 * more, and expects the same tensor count and backend data ids after as before.
 */
export function expectNoLeak(call: () => void): void {
  call();
  const before = tf.memory().numTensors;
  const ids = tf.backend().numDataIds();
  call();
  call();
  expect(tf.memory().numTensors).toBe(before);
  expect(tf.backend().numDataIds()).toBe(ids);
}
