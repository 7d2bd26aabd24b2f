/** Messages between the page and `bound-worker.ts`, which proves a model's Lipschitz bound off the main thread. */
import type * as tf from '@tensorflow/tfjs-core';
import type { LipschitzUpperBound } from '@lipnet/certificates';

/** A {@link LipschitzUpperBound} as plain data (what survives `postMessage`). */
export type ProvenBound = Omit<LipschitzUpperBound, 'toString'>;

/** Page → worker: a model in TF.js artifacts form. */
export interface BoundRequest {
  id: number;
  modelTopology: tf.io.ModelArtifacts['modelTopology'];
  weightSpecs: tf.io.WeightsManifestEntry[];
  weightData: ArrayBuffer;
}

/** Worker → page: the bound, or the error that prevented it. */
export type BoundResponse =
  { id: number; ok: true; bound: ProvenBound; ms: number; backend: string } | { id: number; ok: false; error: string };
