import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

type Step = (x: tf.Tensor) => tf.Tensor;

/** Activations a lean Conv2D / Dense step applies itself (others: the layer's own call). */
const ACTIVATIONS: Record<string, Step> = {
  linear: (x) => x,
  relu: (x) => tf.relu(x),
};

/** The step of an activation config when it is a name in {@link ACTIVATIONS}, else undefined. */
function activationStep(config: unknown): Step | undefined {
  return typeof config === 'string' ? ACTIVATIONS[config] : undefined;
}

/** The layer's variable whose name ends with `/<suffix>`, if any. */
function variable(layer: tfl.layers.Layer, suffix: string): tfl.LayerVariable | undefined {
  return layer.weights.find((w) => w.originalName.endsWith(`/${suffix}`) || w.originalName === suffix);
}

/** conv2d(x, W) + b, then the activation: Keras' Conv2D (channels last) in plain ops. */
function conv2dStep(layer: tfl.layers.Layer, cfg: tf.serialization.ConfigDict): Step | null {
  const act = activationStep(cfg['activation']);
  const kernel = variable(layer, 'kernel');
  const bias = cfg['useBias'] ? variable(layer, 'bias') : undefined;
  const padding = cfg['padding'];
  if (!act || !kernel || (cfg['useBias'] && !bias) || cfg['dataFormat'] !== 'channelsLast') return null;
  if (padding !== 'same' && padding !== 'valid') return null;
  const strides = cfg['strides'] as [number, number];
  const dilations = cfg['dilationRate'] as [number, number];
  return (x) => {
    const y = tf.conv2d(x as tf.Tensor4D, kernel.read() as tf.Tensor4D, strides, padding, 'NHWC', dilations);
    return act(bias ? tf.add(y, bias.read()) : y);
  };
}

/** x·W + b, then the activation: Keras' Dense on a batch of vectors in plain ops (other ranks: the layer). */
function denseStep(layer: tfl.layers.Layer, cfg: tf.serialization.ConfigDict): Step | null {
  const act = activationStep(cfg['activation']);
  const kernel = variable(layer, 'kernel');
  const bias = cfg['useBias'] ? variable(layer, 'bias') : undefined;
  if (!act || !kernel || (cfg['useBias'] && !bias)) return null;
  return (x) => {
    if (x.rank !== 2) return layer.apply(x, { training: false }) as tf.Tensor;
    const y = tf.matMul(x as tf.Tensor2D, kernel.read() as tf.Tensor2D);
    return act(bias ? tf.add(y, bias.read()) : y);
  };
}

function stepOf(layer: tfl.layers.Layer): Step {
  const cls = layer.getClassName();
  const cfg = layer.getConfig();
  const lean = cls === 'Conv2D' ? conv2dStep(layer, cfg) : cls === 'Dense' ? denseStep(layer, cfg) : null;
  return lean ?? ((x) => layer.apply(x, { training: false }) as tf.Tensor);
}

/**
 * The logits of a tfjs `Sequential` model for the gradient attacks: its layers in order, with
 * Keras' Conv2D and Dense (channels last; linear or relu activation) as plain `conv2d`/`matMul`
 * + bias ops, every other layer through its own call (`training: false`). The same function of
 * the input as `model.apply`, but the backward pass computes only the input's gradient: tfjs'
 * fused Conv2D / Dense ops (which those layers use) return the kernel's and bias' gradients too
 * (foolbox differentiates the model with respect to its input only). Weights are read at each
 * call. `null` for a model that is not a `Sequential`.
 */
export function leanSequentialForward(model: tfl.LayersModel): ((x: tf.Tensor) => tf.Tensor) | null {
  if (!(model instanceof tfl.Sequential)) return null;
  const steps = model.layers.filter((l) => l.getClassName() !== 'InputLayer').map(stepOf);
  return (x) => tf.tidy(() => steps.reduce((h, f) => f(h), x));
}
