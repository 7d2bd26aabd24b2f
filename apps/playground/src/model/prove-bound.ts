/**
 * Proves a model's Lipschitz bound (`lipschitzUpperBound` of @lipnet/certificates)
 * in the `bound-worker.js` Web Worker, so the page stays responsive while it
 * runs; in the page itself where workers are unavailable.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { lipschitzUpperBound } from '@lipnet/certificates';
import type { BoundRequest, BoundResponse, ProvenBound } from './bound-protocol';

/** A proven bound, how long it took and where it ran. */
export interface BoundResult {
  bound: ProvenBound;
  ms: number;
  /** 'worker (wasm)', 'worker (cpu)' or 'page (<backend>)'. */
  where: string;
}

let worker: Worker | null = null;
let nextId = 1;
const pending = new Map<number, { resolve: (r: BoundResult) => void; reject: (e: Error) => void }>();

function getWorker(): Worker | null {
  if (worker || typeof Worker === 'undefined') return worker;
  try {
    worker = new Worker(new URL('bound-worker.js', document.baseURI), { type: 'module' });
  } catch {
    return null;
  }
  worker.onmessage = (e: MessageEvent<BoundResponse>) => {
    const r = e.data;
    const p = pending.get(r.id);
    pending.delete(r.id);
    if (!p) return;
    if (r.ok) p.resolve({ bound: r.bound, ms: r.ms, where: `worker (${r.backend})` });
    else p.reject(new Error(`proving the Lipschitz bound failed: ${r.error}`));
  };
  worker.onerror = (e) => {
    for (const p of pending.values()) p.reject(new Error(`the bound worker failed: ${e.message}`));
    pending.clear();
  };
  return worker;
}

async function artifacts(model: tfl.LayersModel, id: number): Promise<BoundRequest> {
  let req: BoundRequest | null = null;
  await model.save(
    tf.io.withSaveHandler((a) => {
      const data = a.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(a.weightData);
      req = { id, modelTopology: a.modelTopology, weightSpecs: a.weightSpecs ?? [], weightData: data };
      return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' as const } });
    }),
  );
  return req!;
}

/** Proves the bound of `model` (in the worker when possible). */
export async function proveBound(model: tfl.LayersModel): Promise<BoundResult> {
  const w = getWorker();
  if (!w) {
    const t0 = performance.now();
    const { upperBound, estimate, layers, heads, outputs } = lipschitzUpperBound(model);
    return {
      bound: { upperBound, estimate, layers, outputs, ...(heads ? { heads } : {}) },
      ms: performance.now() - t0,
      where: `page (${tf.getBackend()})`,
    };
  }
  const id = nextId++;
  const req = await artifacts(model, id);
  return new Promise<BoundResult>((resolve, reject) => {
    pending.set(id, { resolve, reject });
    w.postMessage(req, [req.weightData]);
  });
}
