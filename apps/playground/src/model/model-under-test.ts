/**
 * A model the page certifies and attacks (the shipped demo4 model, or one
 * trained in the page): the model, its proven Lipschitz bound, and the
 * certificate of every loaded test image.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { PackedImages } from '../data/packed-images';
import type { ProvenBound } from './bound-protocol';
import { radiiFromBound } from './certificate';
import { proveBound } from './prove-bound';
import { yieldToPage } from '../yield';

/** A certified model and its certificates on the test set. */
export interface ModelUnderTest {
  /** Shown in the model selector. */
  name: string;
  /** A plain (vanilla-exported) tfjs model: 28×28×1 images in [0, 1] → 10 logits. */
  model: tfl.LayersModel;
  /** `lipschitzUpperBound(model)`: the proven bound, per layer and per head. */
  bound: ProvenBound;
  /** Milliseconds the bound took, and where it ran (worker or page, backend). */
  boundMs: number;
  boundWhere: string;
  /** Per test image: certified radius (float32, from the bound; 0 where two logits tie). */
  radii: Float32Array;
  /** Per test image: 1 when the prediction equals the label. */
  correct: Uint8Array;
}

/** Packed images as a tensor `[n, 28, 28, 1]` in [0, 1] (caller disposes). */
export function imagesTensor(data: PackedImages): tf.Tensor4D {
  return tf.tidy(() =>
    tf.div(tf.cast(tf.tensor4d(data.pixels, [data.n, data.rows, data.cols, 1], 'int32'), 'float32'), 255),
  ) as tf.Tensor4D;
}

/**
 * Logits of `x` in batches of `batch` (caller disposes), awaiting each batch so
 * the page keeps responding while a slow backend works through the test set.
 */
export async function predictInBatches(model: tfl.LayersModel, x: tf.Tensor, batch = 50): Promise<tf.Tensor2D> {
  const n = x.shape[0];
  const parts: tf.Tensor[] = [];
  try {
    for (let s = 0; s < n; s += batch) {
      const z = tf.tidy(() => model.predict(tf.slice(x, s, Math.min(batch, n - s))) as tf.Tensor);
      parts.push(z);
      await z.data();
      await yieldToPage();
    }
    return tf.concat(parts) as tf.Tensor2D;
  } finally {
    tf.dispose(parts);
  }
}

/** Computes the proven bound of `model` (in a worker) and the certificates of the test set. */
export async function certifyModel(name: string, model: tfl.LayersModel, test: PackedImages): Promise<ModelUnderTest> {
  const proving = proveBound(model);
  const x = imagesTensor(test);
  const logits = await predictInBatches(model, x);
  x.dispose();
  let proven: Awaited<typeof proving>;
  try {
    proven = await proving;
  } catch (e) {
    logits.dispose();
    throw e;
  }
  const { bound, ms: boundMs, where: boundWhere } = proven;
  const radiiT = radiiFromBound(logits, bound);
  const predT = tf.argMax(logits, 1);
  const [radii, pred] = await Promise.all([radiiT.data(), predT.data()]);
  tf.dispose([logits, radiiT, predT]);
  const correct = Uint8Array.from(pred as Int32Array, (p, i) => (p === test.labels[i] ? 1 : 0));
  return { name, model, bound, boundMs, boundWhere, radii: radii as Float32Array, correct };
}

/**
 * Certified robust accuracy at ε: the fraction of test images that are correctly
 * classified AND certified with radius > ε (deel-lip `CategoricalProvableRobustAccuracy`,
 * here with the proven per-pair constants instead of the nominal factor 2).
 */
export function certifiedAccuracy(m: Pick<ModelUnderTest, 'radii' | 'correct'>, epsilon: number): number {
  let k = 0;
  for (let i = 0; i < m.radii.length; i++) if (m.correct[i] && m.radii[i]! > epsilon) k++;
  return m.radii.length ? k / m.radii.length : 0;
}
