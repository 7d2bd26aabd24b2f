/**
 * The page's backend: WebGPU or WebGL when the browser has them, else
 * WebAssembly with lipnet's training kernels, else plain JavaScript (cpu).
 * Each backend package is loaded on demand (its own chunk), so the page only
 * downloads the one it uses. The tfjs wasm binaries are served from the app's
 * own `tfjs-wasm/` folder (copied there by the build), never from a CDN.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Backends the page can run on, fastest first. */
export const BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
/** One of {@link BACKENDS}. */
export type BackendName = (typeof BACKENDS)[number];

/** What {@link useBackend} and {@link autoBackend} report. */
export interface BackendInfo {
  name: BackendName;
  /** One line for people: what runs, with which kernels. */
  description: string;
}

/** A backend that cannot run in this browser, with the reason. */
export class BackendUnavailableError extends Error {
  constructor(
    readonly backend: string,
    reason: string,
  ) {
    super(`backend '${backend}' is not available in this browser: ${reason}`);
    this.name = 'BackendUnavailableError';
  }
}

/** Folder of the tfjs wasm binaries, relative to the page (see scripts/build.ts). */
export const WASM_DIR = 'tfjs-wasm/';

async function probeWebGpu(): Promise<string | null> {
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  if (!gpu) return 'navigator.gpu is missing (WebGPU disabled, or not a secure context)';
  try {
    return (await gpu.requestAdapter()) ? null : 'no WebGPU adapter';
  } catch (e) {
    return `requestAdapter failed: ${(e as Error).message}`;
  }
}

function probeWebGl(): string | null {
  const canvas = document.createElement('canvas');
  return canvas.getContext('webgl2') || canvas.getContext('webgl') ? null : 'no WebGL context';
}

async function loadWasm(): Promise<string> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  if (!tf.findBackend('wasm')) wasm.setWasmPaths(new URL(WASM_DIR, document.baseURI).href);
  // lipnet's training kernels (Conv2D gradients, GroupSort and L2 pooling in WebAssembly SIMD);
  // the browser-safe part of @lipnet/backend only (see scripts/build.ts).
  const { registerWasmTrainingKernels } = await import('@lipnet/backend/wasm-kernels');
  registerWasmTrainingKernels();
  return "WebAssembly with lipnet's training kernels";
}

async function load(name: BackendName): Promise<string> {
  switch (name) {
    case 'webgpu': {
      const why = await probeWebGpu();
      if (why) throw new BackendUnavailableError(name, why);
      await import('@tensorflow/tfjs-backend-webgpu');
      return 'WebGPU';
    }
    case 'webgl': {
      const why = probeWebGl();
      if (why) throw new BackendUnavailableError(name, why);
      await import('@tensorflow/tfjs-backend-webgl');
      return 'WebGL';
    }
    case 'wasm':
      return loadWasm();
    case 'cpu':
      await import('@tensorflow/tfjs-backend-cpu');
      return 'plain JavaScript (exact, slow)';
    default:
      throw new BackendUnavailableError(String(name), `unknown backend; use one of ${BACKENDS.join(', ')}`);
  }
}

async function describeWasm(base: string): Promise<string> {
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  return `${base}${simd ? ', SIMD' : ''}, ${threads ? 'multi-threaded' : '1 thread'}`;
}

/**
 * Switches tfjs to `name` (loading its package first). Tensors created on the
 * previous backend move over on first use.
 * @throws BackendUnavailableError when the browser cannot run it.
 */
export async function useBackend(name: BackendName): Promise<BackendInfo> {
  if (!(BACKENDS as readonly string[]).includes(name)) {
    throw new BackendUnavailableError(String(name), `unknown backend; use one of ${BACKENDS.join(', ')}`);
  }
  let description = await load(name);
  if (!(await tf.setBackend(name))) throw new BackendUnavailableError(name, 'it failed to initialise');
  await tf.ready();
  if (name === 'wasm') description = await describeWasm(description);
  return { name, description };
}

/**
 * The first backend of {@link BACKENDS} that works here (or `prefer` when given
 * and available); `skipped` lists the others tried, with the reason.
 */
export async function autoBackend(prefer?: BackendName): Promise<BackendInfo & { skipped: string[] }> {
  const skipped: string[] = [];
  const order = prefer ? [prefer, ...BACKENDS.filter((b) => b !== prefer)] : [...BACKENDS];
  for (const name of order) {
    try {
      return { ...(await useBackend(name)), skipped };
    } catch (e) {
      skipped.push(`${name}: ${(e as Error).message}`);
    }
  }
  throw new BackendUnavailableError('any', skipped.join('; '));
}
