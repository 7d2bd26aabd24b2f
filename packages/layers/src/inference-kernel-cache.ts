import * as tf from '@tensorflow/tfjs-core';

/** The `dataId` of a tensor: tfjs gives a variable a new one at every `assign`. */
export function dataIdOf(v: tf.Tensor): object {
  return (v as unknown as { dataId: object }).dataId;
}

/**
 * The normalised kernel W̄ of a `ReparametrizedLayer`'s inference calls, kept for as long as
 * the raw weights it came from are the same tensors: keyed on the `dataId`s of the kernel, `u` and
 * the exact normaliser's vector (null where absent) and on the layer's coefficient. tfjs'
 * `Variable.assign` (optimiser steps, `setWeights`, `loadWeights`, `condense`) gives a variable a new
 * `dataId`, so no weight change can leave a stale W̄ (deel-lip's `wbar` can: deel-torchlip #17).
 */
export class InferenceKernelCache {
  private entry: { ids: (object | null)[]; coef: number; w: tf.Tensor } | null = null;

  /** The cached W̄ for these keys, or null. The tensor belongs to the cache: do not dispose it. */
  get(ids: (object | null)[], coef: number): tf.Tensor | null {
    const e = this.entry;
    return e && e.coef === coef && ids.every((id, i) => id === e.ids[i]) ? e.w : null;
  }

  /** Keeps `w` (tf.keep: it survives the caller's tidy) for these keys, dropping the previous one. */
  set(ids: (object | null)[], coef: number, w: tf.Tensor): tf.Tensor {
    this.drop();
    this.entry = { ids, coef, w: tf.keep(w) };
    return w;
  }

  /** Disposes the cached W̄. */
  drop(): void {
    this.entry?.w.dispose();
    this.entry = null;
  }
}
