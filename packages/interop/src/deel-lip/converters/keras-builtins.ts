import * as tfl from '@tensorflow/tfjs-layers';
import type { ConfigReader } from '../../keras/config-reader';
import { activationArg } from './activations';
import { baseArgs, kernelBiasLayer, kernelBiasRegularizers, channelsLast, tfjsActivationName } from './common';
import type { ConverterContext, LayerConverter } from './converter';

type TfjsActivation = Parameters<typeof tfl.layers.dense>[0]['activation'];

/**
 * A Dense/Conv2D's activation: a name goes into the tfjs layer; a deel-lip activation layer (e.g. GroupSort2 in
 * a `vanilla_export()`) becomes a layer of its own right after it, which computes the same.
 */
export function split(
  r: ConfigReader,
  ctx: ConverterContext,
): { activation: TfjsActivation; after: tfl.layers.Layer[] } {
  const name = r.config['name'];
  const a = activationArg(r, ctx, `${typeof name === 'string' ? name : 'layer'}_activation`);
  return typeof a === 'string' ? { activation: a as TfjsActivation, after: [] } : { activation: 'linear', after: [a] };
}

/** Keras `Dense` (e.g. from deel-lip's `vanilla_export`) → tfjs `dense`; initializers are not carried. */
const dense: LayerConverter = (r, ctx) => {
  const { activation, after } = split(r, ctx);
  const useBias = r.bool('use_bias', true);
  const layer = tfl.layers.dense({
    ...baseArgs(r),
    ...kernelBiasRegularizers(r),
    units: r.number('units', undefined, { integer: true, min: 1 }),
    activation,
    useBias,
  });
  return kernelBiasLayer(r, layer, after, useBias);
};

/** Keras' `padding` where tfjs has it ('valid', the Keras default, or 'same'); any other is refused. */
function tfjsPadding(r: ConfigReader): 'valid' | 'same' {
  const padding = r.string('padding', 'valid');
  if (padding !== 'valid' && padding !== 'same')
    throw r.error('padding', "is not supported: tfjs pads 'valid' or 'same'.", 'UNSUPPORTED_CONFIGURATION');
  return padding;
}

/**
 * What Keras `Conv2D` and `Conv2DTranspose` give tfjs alike: channels last, one group, tfjs' padding, and the
 * filters, kernel size, strides, bias, regularizers and base options.
 */
function convArgs(r: ConfigReader) {
  channelsLast(r);
  r.only('groups', [1], 'tfjs has no grouped convolution.');
  return {
    padding: tfjsPadding(r),
    useBias: r.bool('use_bias', true),
    ...baseArgs(r),
    ...kernelBiasRegularizers(r),
    filters: r.number('filters', undefined, { integer: true, min: 1 }),
    kernelSize: r.pair('kernel_size'),
    strides: r.pair('strides', [1, 1]),
  };
}

/** Keras `Conv2D` → tfjs `conv2d` (any padding, strides, dilation; one group; NHWC). */
const conv2d: LayerConverter = (r, ctx) => {
  const { activation, after } = split(r, ctx);
  const args = convArgs(r);
  const layer = tfl.layers.conv2d({ ...args, dilationRate: r.pair('dilation_rate', [1, 1]), activation });
  return kernelBiasLayer(r, layer, after, args.useBias);
};

/** Keras `Conv2DTranspose` (deel-lip's SpectralConv2DTranspose.vanilla_export) → tfjs `conv2dTranspose`. */
const conv2dTranspose: LayerConverter = (r, ctx) => {
  const { activation, after } = split(r, ctx);
  const args = convArgs(r);
  r.only('output_padding', [null], 'tfjs infers the output size (no output padding).');
  r.only('dilation_rate', [1, [1, 1]], 'tfjs has no dilated transposed convolution.');
  const layer = tfl.layers.conv2dTranspose({ ...args, activation });
  return kernelBiasLayer(r, layer, after, args.useBias);
};

/** Keras `MaxPooling2D` (1-Lipschitz when pool ≤ strides, as deel-lip's `_is_supported_1lip_layer` says). */
const maxPooling2d: LayerConverter = (r) => {
  channelsLast(r);
  const padding = tfjsPadding(r);
  const poolSize = r.pair('pool_size', [2, 2]);
  const s = r.raw('strides');
  const strides = s === null || s === undefined ? poolSize : r.pair('strides');
  return { layers: [tfl.layers.maxPooling2d({ ...baseArgs(r), poolSize, strides, padding })], weights: [] };
};

/** Converters of the Keras layers lipnet loads (no weights unless said). */
export const KERAS_BUILTINS: Record<string, LayerConverter> = {
  Dense: dense,
  Conv2D: conv2d,
  Conv2DTranspose: conv2dTranspose,
  MaxPooling2D: maxPooling2d,
  Flatten: (r) => {
    channelsLast(r);
    return { layers: [tfl.layers.flatten(baseArgs(r))], weights: [] };
  },
  Reshape: (r) => {
    const t = r.raw('target_shape');
    if (!Array.isArray(t) || !t.every((d) => Number.isInteger(d) && (d > 0 || d === -1))) {
      throw r.error('target_shape', 'is not a list of positive integers (or -1). The file is corrupt.');
    }
    return { layers: [tfl.layers.reshape({ ...baseArgs(r), targetShape: t as number[] })], weights: [] };
  },
  Activation: (r) => {
    const name = r.string('activation', 'linear');
    const activation = tfjsActivationName(r, 'activation', name) as TfjsActivation;
    return { layers: [tfl.layers.activation({ ...baseArgs(r), activation: activation! })], weights: [] };
  },
  Add: (r) => ({ layers: [tfl.layers.add(baseArgs(r))], weights: [] }),
  Concatenate: (r) => {
    const axis = r.number('axis', -1, { integer: true });
    return { layers: [tfl.layers.concatenate({ ...baseArgs(r), axis })], weights: [] };
  },
};
