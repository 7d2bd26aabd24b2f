/**
 * Certified robust accuracy of the exported model on the whole test set
 * (10,000 images), per radius ε, from the proven bound and — beside it — from
 * the notebook's nominal certificate `(top1 − top2)/2`
 * (`certifiedRobustAccuracy` of @lipnet/certificates).
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import {
  certifiedRobustAccuracy,
  DEFAULT_EPSILONS,
  type LipschitzBoundLike,
  type RobustAccuracyCurve,
} from '@lipnet/certificates';

/** The radii reported by name (36/255 is the notebook's and deel-lip's default ε). */
export const HIGHLIGHT_EPSILONS = [
  { label: '36/255', epsilon: 36 / 255 },
  { label: '0.25', epsilon: 0.25 },
  { label: '0.5', epsilon: 0.5 },
  { label: '1.0', epsilon: 1 },
] as const;

/** results.json `certifiedRobustAccuracy`: the curve, and its values at {@link HIGHLIGHT_EPSILONS}. */
export interface RobustAccuracyReport extends RobustAccuracyCurve {
  nominal: number[];
  highlights: { label: string; epsilon: number; proven: number; nominal: number }[];
  /** Wall seconds (predicting the test set included). */
  seconds: number;
}

/** Test images per forward pass. */
const CHUNK = 500;

/** Logits of every row of `x`, in chunks (bounded memory). */
function predictAll(model: tfl.LayersModel, x: tf.Tensor): tf.Tensor2D {
  const n = x.shape[0];
  const parts: tf.Tensor[] = [];
  for (let i = 0; i < n; i += CHUNK)
    parts.push(tf.tidy(() => model.predict(tf.slice(x, i, Math.min(CHUNK, n - i))) as tf.Tensor));
  const all = tf.concat(parts) as tf.Tensor2D;
  tf.dispose(parts);
  return all;
}

/** Certified robust accuracy of `model` on (`x`, `labels`) at {@link DEFAULT_EPSILONS}, proven and nominal. */
export function testSetRobustAccuracy(
  model: tfl.LayersModel,
  x: tf.Tensor,
  labels: Uint8Array,
  bound: LipschitzBoundLike,
): RobustAccuracyReport {
  const t0 = performance.now();
  const logits = predictAll(model, x);
  try {
    const c = certifiedRobustAccuracy(logits, Array.from(labels), {
      bound,
      epsilons: DEFAULT_EPSILONS,
      nominal: { disjointHeads: true },
    });
    const at = (s: number[], e: number) => s[c.epsilons.findIndex((v) => Math.abs(v - e) < 1e-12)]!;
    return {
      ...c,
      nominal: c.nominal!,
      highlights: HIGHLIGHT_EPSILONS.map((h) => ({
        label: h.label,
        epsilon: h.epsilon,
        proven: at(c.proven, h.epsilon),
        nominal: at(c.nominal!, h.epsilon),
      })),
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    logits.dispose();
  }
}
