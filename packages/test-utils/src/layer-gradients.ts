import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/**
 * One call of `layer` on `inputs` with the gradients of sum(y·dy) w.r.t. the inputs and each trainable
 * weight (by short name, e.g. 'kernel'): what the parity tests compare with the gradients deel-lip,
 * deel-torchlip and Keras give for the same cotangent. The caller disposes the returned tensors.
 */
export function forwardAndGrads(
  layer: tfl.layers.Layer,
  inputs: tf.Tensor[],
  dy: tf.Tensor,
  kwargs: Record<string, unknown> = {},
): { output: tf.Tensor; gradInputs: tf.Tensor[]; gradWeights: Record<string, tf.Tensor> } {
  const xs = inputs.map((x) => tf.variable(x));
  const weights = layer.trainableWeights.map((w) => w.read() as tf.Variable);
  let output: tf.Tensor | null = null;
  const { value, grads } = tf.variableGrads(() => {
    const y = layer.apply(xs.length === 1 ? xs[0]! : xs, kwargs) as tf.Tensor;
    output = tf.keep(y.clone());
    return tf.sum(tf.mul(y, dy)) as tf.Scalar;
  }, [...xs, ...weights]);
  const gradInputs = xs.map((x) => grads[x.name]!);
  const gradWeights: Record<string, tf.Tensor> = {};
  for (const w of layer.trainableWeights) {
    const short = w.originalName.split('/').pop()!;
    gradWeights[short] = grads[(w.read() as tf.Variable).name]!;
  }
  value.dispose();
  xs.forEach((x) => x.dispose());
  return { output: output!, gradInputs, gradWeights };
}
