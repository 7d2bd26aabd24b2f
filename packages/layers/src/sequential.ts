import { defineOptions, opt } from '@lipnet/core';
import * as tfl from '@tensorflow/tfjs-layers';

import { isLipschitzLayer } from './lipschitz-layer';

/** Arguments of {@link sequential}. */
export interface LipschitzSequentialArgs {
  /** The layers, in order (the first needs `inputShape`). */
  layers: tfl.layers.Layer[];
  /** Lipschitz constant of the whole model; each of the n Lipschitz layers gets k^(1/n). Default 1. */
  kCoefLip?: number;
  /** Model name. */
  name?: string;
  /** Called with each warning (default `console.warn`); pass `() => {}` to silence. */
  warn?: (message: string) => void;
}

const ONE_LIP_ACTIVATIONS = new Set(['linear', 'relu', 'sigmoid', 'tanh', 'softsign', 'relu6']);

/**
 * Whether a non-@lipnet layer is 1-Lipschitz by nature (deel-lip
 * `_is_supported_1lip_layer`): InputLayer, Flatten, Reshape, Softmax, Dropout,
 * MaxPooling2D with pool ≤ strides, ReLU with threshold 0, Activation with a
 * 1-Lipschitz function.
 */
export function isSupported1LipLayer(layer: tfl.layers.Layer): boolean {
  const cls = layer.getClassName();
  const cfg = layer.getConfig() as Record<string, unknown>;
  switch (cls) {
    case 'InputLayer':
    case 'Flatten':
    case 'Reshape':
    case 'Softmax':
    case 'Dropout':
    case 'Permute':
      return true;
    case 'MaxPooling2D': {
      const pool = cfg['poolSize'] as number[];
      const strides = (cfg['strides'] as number[] | null) ?? pool;
      return pool.every((p, i) => p <= (strides[i] ?? p));
    }
    case 'ReLU':
      return cfg['maxValue'] === undefined || cfg['maxValue'] === null || (cfg['maxValue'] as number) >= 0;
    case 'Activation':
      return ONE_LIP_ACTIVATIONS.has(String(cfg['activation']));
    default:
      return false;
  }
}

const SEQUENTIAL_OPTIONS = defineOptions('sequential', {
  layers: opt
    .arrayOf(opt.any())
    .describedAs('an array of layers', 'Pass e.g. { layers: [spectralDense({ units: 8, inputShape: [4] })] }.')
    .required(),
  kCoefLip: opt
    .number({ gt: 0 })
    .describedAs('a finite number > 0', 'Pass the Lipschitz constant of the model, e.g. 1.')
    .default(1),
  name: opt.string(),
  warn: opt.func(),
});

/**
 * A tfjs Sequential model whose Lipschitz layers share the model's constant:
 * with n layers implementing `LipschitzLayer` (spectral/Frobenius layers,
 * GroupSort, scaled poolings…), each gets `kCoefLip^(1/n)` through
 * `setKCoefLip`, so the model is kCoefLip-Lipschitz. Warns (like deel-lip) for
 * each layer that is neither a Lipschitz layer nor 1-Lipschitz by nature.
 * deel-lip: `deel.lip.model.Sequential(layers, name, k_coef_lip)`.
 *
 * @example
 * const model = sequential({layers: [spectralDense({units: 8, inputShape: [4]}), frobeniusDense({units: 2})], kCoefLip: 1});
 */
export function sequential(args: LipschitzSequentialArgs): tfl.Sequential {
  const { kCoefLip: k } = SEQUENTIAL_OPTIONS.parse(args);
  const warn = args.warn ?? ((m: string) => console.warn(m));
  const lip = args.layers.filter(isLipschitzLayer);
  const per = lip.length > 0 ? Math.pow(k, 1 / lip.length) : 1;
  for (const l of args.layers) {
    if (isLipschitzLayer(l)) l.setKCoefLip(per);
    else if (!isSupported1LipLayer(l)) {
      warn(
        `sequential: layer '${l.name}' (${l.getClassName()}) is not a Lipschitz layer; the model's Lipschitz constant k=${k} no longer holds. Use its @lipnet counterpart (e.g. SpectralDense for Dense).`,
      );
    }
  }
  return tfl.sequential({ layers: args.layers, name: args.name });
}
