/**
 * Web Worker (bundled as dist/bound-worker.js) that proves a model's Lipschitz
 * bound with @lipnet/certificates' `lipschitzUpperBound`, which runs for
 * seconds and would otherwise freeze the page. It runs on tfjs' wasm backend
 * (binaries from the app's own tfjs-wasm/), or cpu if wasm cannot start.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@lipnet/layers'; // registers lipnet's layer classes for loading
import { lipschitzUpperBound } from '@lipnet/certificates';
import type { BoundRequest, BoundResponse } from './model/bound-protocol';

const scope = self as unknown as {
  location: { href: string };
  onmessage: ((e: MessageEvent<BoundRequest>) => void) | null;
  postMessage(m: BoundResponse): void;
};

let ready: Promise<string> | null = null;

async function startBackend(): Promise<string> {
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(new URL('tfjs-wasm/', scope.location.href).href);
    if (await tf.setBackend('wasm')) return 'wasm';
  } catch {
    // fall through to cpu
  }
  await import('@tensorflow/tfjs-backend-cpu');
  await tf.setBackend('cpu');
  return 'cpu';
}

async function prove(req: BoundRequest): Promise<BoundResponse> {
  const backend = await (ready ??= startBackend());
  const model = await tfl.loadLayersModel(
    tf.io.fromMemory({ modelTopology: req.modelTopology, weightSpecs: req.weightSpecs, weightData: req.weightData }),
  );
  try {
    const t0 = performance.now();
    const { upperBound, estimate, layers, heads, outputs } = lipschitzUpperBound(model);
    return {
      id: req.id,
      ok: true,
      bound: { upperBound, estimate, layers, outputs, ...(heads ? { heads } : {}) },
      ms: performance.now() - t0,
      backend,
    };
  } finally {
    model.dispose();
  }
}

scope.onmessage = (e) => {
  prove(e.data).then(
    (r) => scope.postMessage(r),
    (err: Error) => scope.postMessage({ id: e.data.id, ok: false, error: `${err.name}: ${err.message}` }),
  );
};
