/**
 * The notebook's choice of images to certify and attack: among the first
 * `pool` (300) test images keep the correctly classified ones, then the first
 * of each class.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/** The selected images: one correctly classified test image per class, in class order. */
export interface Selection {
  /** Indices into the test set, one per class in class order. */
  indices: number[];
  labels: number[];
  /** How many of the first `pool` were correctly classified. */
  correct: number;
  pool: number;
  /** Classes with no correctly classified image in the pool. */
  missingClasses: number[];
}

/** Picks the first correctly classified image of each class among the first `pool` test images. */
export async function selectSamples(
  model: tfl.LayersModel,
  xTest: tf.Tensor,
  labels: Uint8Array,
  pool = 300,
  numClasses = 10,
): Promise<Selection> {
  const n = Math.min(pool, xTest.shape[0]);
  const predT = tf.tidy(() => tf.argMax(model.predict(tf.slice(xTest, 0, n)) as tf.Tensor, -1));
  const pred = await predT.data();
  predT.dispose();
  let correct = 0;
  const firstOf = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    if (pred[i] !== labels[i]) continue;
    correct++;
    if (!firstOf.has(labels[i]!)) firstOf.set(labels[i]!, i);
  }
  const indices: number[] = [];
  const sel: number[] = [];
  const missingClasses: number[] = [];
  for (let c = 0; c < numClasses; c++) {
    const i = firstOf.get(c);
    if (i === undefined) missingClasses.push(c);
    else {
      indices.push(i);
      sel.push(c);
    }
  }
  return { indices, labels: sel, correct, pool: n, missingClasses };
}

/** The selected test images as one tensor [k, 28, 28, 1] (the caller disposes it). */
export function gatherSelection(xTest: tf.Tensor, selection: Selection): tf.Tensor {
  return tf.tidy(() => tf.gather(xTest, tf.tensor1d(selection.indices, 'int32')));
}
