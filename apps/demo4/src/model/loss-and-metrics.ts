/**
 * The notebook's loss and metrics, named as Keras logs them:
 * `MulticlassHKR(alpha=100, min_margin=0.25)` (deel-lip 1.2.0: full margin,
 * batch scalar), `"accuracy"` and `MulticlassKR`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { MulticlassHKR, MulticlassKR } from '@lipnet/losses';
import { NOTEBOOK } from './hkr-model';

/** `(yTrue, yPred) => scalar`, the shape of a Keras loss or metric. */
export type LossOrMetric = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;

/** Categorical accuracy: mean of `argmax(yTrue) == argmax(yPred)` (Keras' `"accuracy"` with one-hot labels). */
export function categoricalAccuracy(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(yTrue, -1), tf.argMax(yPred, -1)), 'float32')) as tf.Scalar);
}

/** The loss and metric of the notebook, named as Keras logs them. */
export function notebookLossAndMetrics(): {
  loss: { name: string; fn: LossOrMetric };
  metrics: { name: string; fn: LossOrMetric }[];
} {
  const hkr = MulticlassHKR({ alpha: NOTEBOOK.alpha, minMargin: NOTEBOOK.minMargin, deelLipVersion: '1.2' });
  // The metric reads the labels and logits the loss has just checked (every call pairs them): checked once.
  const kr = MulticlassKR({ deelLipVersion: '1.2', validate: false });
  return {
    loss: { name: 'loss', fn: hkr },
    metrics: [
      { name: 'accuracy', fn: categoricalAccuracy },
      { name: 'MulticlassKR', fn: kr },
    ],
  };
}
