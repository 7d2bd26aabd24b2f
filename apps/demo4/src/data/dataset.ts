/**
 * Fashion-MNIST as the notebook feeds it to Keras: images `np.expand_dims(x, -1) / 255`
 * (float32, NHWC, values in [0, 1]) and `to_categorical(y)` one-hot labels.
 */
import * as tf from '@tensorflow/tfjs-core';
import { IMAGE_SIZE, NUM_CLASSES, type RawFashionMnist } from './fashion-mnist';

/** Pixels `u8 / 255` as float32 (exactly what NumPy computes for `x / 255` then casts). */
export function scaleImages(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = bytes[i]! / 255;
  return out;
}

/** One-hot rows of length `numClasses` (Keras `to_categorical`). */
export function oneHot(labels: Uint8Array, numClasses = NUM_CLASSES): Float32Array {
  const out = new Float32Array(labels.length * numClasses);
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i]!;
    if (c >= numClasses) throw new RangeError(`oneHot: label ${c} at index ${i} is ≥ numClasses ${numClasses}.`);
    out[i * numClasses + c] = 1;
  }
  return out;
}

/** The tensors one training run uses. Dispose with {@link disposeDataset}. */
export interface Dataset {
  xTrain: tf.Tensor4D; // [N, 28, 28, 1]
  yTrain: tf.Tensor2D; // [N, 10]
  xTest: tf.Tensor4D;
  yTest: tf.Tensor2D;
  /** Integer labels (kept for selection and reports). */
  trainLabels: Uint8Array;
  testLabels: Uint8Array;
}

/**
 * Builds the tensors. `trainLimit` keeps the first N training images (all when undefined).
 */
export function toDataset(raw: RawFashionMnist, trainLimit?: number): Dataset {
  const nTrain = trainLimit === undefined ? raw.nTrain : Math.min(trainLimit, raw.nTrain);
  const px = IMAGE_SIZE * IMAGE_SIZE;
  const trainBytes = raw.trainImages.subarray(0, nTrain * px);
  const trainLabels = raw.trainLabels.subarray(0, nTrain);
  return {
    xTrain: tf.tensor4d(scaleImages(trainBytes), [nTrain, IMAGE_SIZE, IMAGE_SIZE, 1]),
    yTrain: tf.tensor2d(oneHot(trainLabels), [nTrain, NUM_CLASSES]),
    xTest: tf.tensor4d(scaleImages(raw.testImages), [raw.nTest, IMAGE_SIZE, IMAGE_SIZE, 1]),
    yTest: tf.tensor2d(oneHot(raw.testLabels), [raw.nTest, NUM_CLASSES]),
    trainLabels: trainLabels.slice(),
    testLabels: raw.testLabels.slice(),
  };
}

/** Frees the tensors of a {@link Dataset}. */
export function disposeDataset(d: Dataset): void {
  tf.dispose([d.xTrain, d.yTrain, d.xTest, d.yTest]);
}
