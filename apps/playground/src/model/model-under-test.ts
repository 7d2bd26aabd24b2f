/**
 * A model the page certifies and attacks (the shipped demo4 model, or one
 * trained in the page): the model, its proven Lipschitz bound, and the
 * certificate of every loaded test image.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { lipschitzUpperBound, type LipschitzUpperBound } from '@lipnet/certificates';
import type { PackedImages } from '../data/packed-images';
import { radiiFromBound } from './certificate';

/** A certified model and its certificates on the test set. */
export interface ModelUnderTest {
  /** Shown in the model selector. */
  name: string;
  /** A plain (vanilla-exported) tfjs model: 28×28×1 images in [0, 1] → 10 logits. */
  model: tfl.LayersModel;
  /** `lipschitzUpperBound(model)`: the proven bound, per layer and per head. */
  bound: LipschitzUpperBound;
  /** Milliseconds the bound took. */
  boundMs: number;
  /** Per test image: certified radius (float32, from the bound; 0 where two logits tie). */
  radii: Float32Array;
  /** Per test image: 1 when the prediction equals the label. */
  correct: Uint8Array;
}

/** Test images `[n, 28, 28, 1]` in [0, 1] (caller disposes). */
export function testTensor(data: PackedImages): tf.Tensor4D {
  return tf.tidy(() =>
    tf.div(tf.cast(tf.tensor4d(data.pixels, [data.n, data.rows, data.cols, 1], 'int32'), 'float32'), 255),
  ) as tf.Tensor4D;
}

/** Logits of `x` in batches of `batch` (caller disposes). */
export function predictInBatches(model: tfl.LayersModel, x: tf.Tensor, batch = 100): tf.Tensor2D {
  return tf.tidy(() => {
    const n = x.shape[0]!;
    const parts: tf.Tensor[] = [];
    for (let s = 0; s < n; s += batch) {
      parts.push(model.predict(tf.slice(x, s, Math.min(batch, n - s))) as tf.Tensor);
    }
    return tf.concat(parts) as tf.Tensor2D;
  });
}

/** Computes the proven bound of `model` and the certificates of the test set. */
export async function certifyModel(name: string, model: tfl.LayersModel, test: PackedImages): Promise<ModelUnderTest> {
  const t0 = performance.now();
  const bound = lipschitzUpperBound(model);
  const boundMs = performance.now() - t0;
  const x = testTensor(test);
  const logits = predictInBatches(model, x);
  const radiiT = radiiFromBound(logits, bound);
  const predT = tf.argMax(logits, 1);
  const [radii, pred] = await Promise.all([radiiT.data(), predT.data()]);
  tf.dispose([x, logits, radiiT, predT]);
  const correct = Uint8Array.from(pred as Int32Array, (p, i) => (p === test.labels[i] ? 1 : 0));
  return { name, model, bound, boundMs, radii: radii as Float32Array, correct };
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
