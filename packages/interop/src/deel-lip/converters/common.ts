import * as tfl from '@tensorflow/tfjs-layers';
import { LorthRegularizer, OrthDenseRegularizer } from '@lipnet/constraints';
import type { Regularizer } from '@lipnet/layers';
import { ConfigReader as Reader } from '../../keras/config-reader';
import type { ConfigReader } from '../../keras/config-reader';
import { kernelBias, type ConvertedLayer } from './converter';

/** tfjs-layers' `LayerArgs` (not exported by tfjs-layers). */
export type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

/**
 * The options every Keras layer has: `name`, `trainable`, `dtype` (float32 only) and, on the first layer of a
 * Sequential without an InputLayer, `batch_input_shape`.
 */
export function baseArgs(r: ConfigReader): LayerArgs {
  const args: LayerArgs = { name: r.string('name', '') || undefined, trainable: r.bool('trainable', true) };
  const dtype = r.raw('dtype');
  const policy = (dtype as { config?: { name?: unknown } } | null)?.config?.name; // a mixed-precision Policy
  if (!(dtype === undefined || dtype === null || dtype === 'float32' || policy === 'float32')) {
    throw r.error(
      'dtype',
      'is not supported: lipnet computes in float32. Save the model with dtype float32.',
      'UNSUPPORTED_CONFIGURATION',
    );
  }
  const bis = r.raw('batch_input_shape');
  if (bis !== undefined && bis !== null) {
    if (!Array.isArray(bis) || !bis.every((d) => d === null || (Number.isInteger(d) && d > 0))) {
      throw r.error('batch_input_shape', 'is not a list of positive integers or null. The file is corrupt.');
    }
    args.batchInputShape = bis as (number | null)[];
  }
  return args;
}

/** Keras' and deel-lip's saved regularizers and how to build lipnet's (all penalise the raw kernel). */
const REGULARIZERS: Record<string, (c: Reader) => Regularizer> = {
  L1: (c) => tfl.regularizers.l1({ l1: c.number('l1', 0.01, { min: 0 }) }),
  L2: (c) => tfl.regularizers.l2({ l2: c.number('l2', 0.01, { min: 0 }) }),
  L1L2: (c) => tfl.regularizers.l1l2({ l1: c.number('l1', 0, { min: 0 }), l2: c.number('l2', 0, { min: 0 }) }),
  LorthRegularizer: (c) => {
    const shape = c.raw('kernel_shape');
    return new LorthRegularizer({
      kernelShape: Array.isArray(shape) ? (shape as number[]) : undefined,
      stride: c.number('stride', 1, { integer: true, min: 1 }),
      lambdaLorth: c.number('lambda_lorth', 1, { min: 0 }),
      dim: c.number('dim', 2, { integer: true }),
      convTranspose: c.bool('conv_transpose', false),
    });
  },
  OrthDenseRegularizer: (c) => new OrthDenseRegularizer({ lambdaOrth: c.number('lambda_orth', 1, { min: 0 }) }),
};

/**
 * A layer's `kernel_regularizer` / `bias_regularizer`: Keras' L1, L2, L1L2 and deel-lip's LorthRegularizer and
 * OrthDenseRegularizer become the same penalties in lipnet (`undefined` when none); any other is refused.
 */
export function regularizerArg(r: ConfigReader, key: string): Regularizer | undefined {
  const v = r.raw(key) as { class_name?: unknown; config?: unknown } | null | undefined;
  if (v === undefined || v === null) return undefined;
  const make = typeof v.class_name === 'string' ? REGULARIZERS[v.class_name] : undefined;
  if (!make || typeof v.config !== 'object' || v.config === null) {
    throw r.error(
      key,
      `is not supported: lipnet reproduces ${Object.keys(REGULARIZERS).join(', ')} only, and dropping it would change training.`,
      'UNSUPPORTED_CONFIGURATION',
    );
  }
  const c = new Reader(r.fn, `${r.where}: ${key}`, v.config as Record<string, unknown>);
  const reg = make(c);
  c.finish();
  return reg;
}

/** Checks that no regularizer or constraint is set (they change training, so they cannot be dropped). */
export function noRegularizers(r: ConfigReader, keys: string[]): void {
  for (const k of keys) {
    r.only(
      k,
      [null],
      'lipnet does not reproduce it on this layer, and dropping it would change training. Remove it before saving, or load a model trained without it.',
    );
  }
}

/** What Keras' Dense/Conv2D (and deel-lip's layers built on them) may not set: lipnet has no counterpart. */
export const DENSE_CONV_REFUSED = ['activity_regularizer', 'kernel_constraint', 'bias_constraint'];

/** The kernel and bias regularizers of Keras' Dense/Conv2D and deel-lip's layers, as lipnet layer options. */
export function kernelBiasRegularizers(r: ConfigReader) {
  return {
    kernelRegularizer: regularizerArg(r, 'kernel_regularizer'),
    biasRegularizer: regularizerArg(r, 'bias_regularizer'),
  };
}

/** Keras activation names and the tfjs names of the same functions. */
const KERAS_TO_TFJS_ACTIVATION: Record<string, string> = {
  linear: 'linear',
  relu: 'relu',
  sigmoid: 'sigmoid',
  tanh: 'tanh',
  softmax: 'softmax',
  elu: 'elu',
  selu: 'selu',
  softplus: 'softplus',
  softsign: 'softsign',
  relu6: 'relu6',
  swish: 'swish',
  silu: 'swish',
  gelu: 'gelu',
  hard_sigmoid: 'hardSigmoid',
  mish: 'mish',
};

/** The tfjs name of a Keras activation name, or a {@link ModelImportError} for option `key`. */
export function tfjsActivationName(r: ConfigReader, key: string, name: string): string {
  const t = KERAS_TO_TFJS_ACTIVATION[name];
  if (t === undefined) {
    throw r.error(
      key,
      `is not supported: tfjs has no activation '${name}'. Supported: ${Object.keys(KERAS_TO_TFJS_ACTIVATION).join(', ')}.`,
      'UNSUPPORTED_CONFIGURATION',
    );
  }
  return t;
}

/** `'channels_last'` (or absent/null, Keras' default) → ok; anything else is refused. */
export function channelsLast(r: ConfigReader): void {
  r.only(
    'data_format',
    [null, 'channels_last'],
    "lipnet's layers are channels-last (NHWC). Save the model with data_format='channels_last'.",
  );
}

/**
 * How a converted Keras layer with a kernel and an optional bias ends: initializers are not carried (the
 * weights are loaded), a regularizer tfjs cannot hold is refused, and the layer (then its activation layers,
 * if any) takes the saved kernel and bias.
 */
export function kernelBiasLayer(
  r: ConfigReader,
  layer: tfl.layers.Layer,
  after: tfl.layers.Layer[],
  useBias: boolean,
): ConvertedLayer {
  r.ignore('kernel_initializer', 'bias_initializer');
  noRegularizers(r, DENSE_CONV_REFUSED);
  return { layers: [layer, ...after], weights: kernelBias(useBias) };
}
