import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels, unregisterWasmTrainingKernels, wasmDistDir } from '@lipnet/backend';

/**
 * Runs the test file on the wasm backend with lipnet's kernels registered (as demo4 does), and
 * puts back the cpu backend and a fresh registration afterwards.
 */
export function useWasmWithLipnetKernels(): void {
  beforeAll(async () => {
    setWasmPaths(wasmDistDir());
    registerWasmTrainingKernels();
    await tf.setBackend('wasm');
    await tf.ready();
  });
  afterAll(async () => {
    unregisterWasmTrainingKernels();
    registerWasmTrainingKernels();
    await tf.setBackend('cpu');
  });
}

/** Deterministic values in [0, 1). */
export const ramp = (n: number, k: number): Float32Array =>
  Float32Array.from({ length: n }, (_, i) => ((i * k) % 1009) / 1009);
