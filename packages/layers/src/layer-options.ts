import { defineOptions, opt, type OptionSchema } from '@lipnet/core';
import { NORMALIZER_OPTIONS } from '@lipnet/constraints';

/**
 * tfjs-layers' own `LayerArgs` (checked by tfjs) and `customObjects`, which tfjs'
 * deserialiser adds to the config it revives a layer from: accepted by every
 * @lipnet layer without being checked here.
 */
export const TFJS_LAYER_KEYS = [
  'inputShape',
  'batchInputShape',
  'batchSize',
  'dtype',
  'name',
  'trainable',
  'weights',
  'inputDType',
  'customObjects',
] as const;

/**
 * Declares a layer's own options once; unknown keys are refused (with the
 * closest valid name) and tfjs' `LayerArgs` pass through. Options whose rule
 * lives elsewhere (a tfjs initializer, a shape checked at `build`) use `opt.any()`.
 *
 * @example
 * const OPTIONS = layerOptions('MaxMin', { dataFormat: opt.any(), kCoefLip: kCoefLipOption });
 */
export function layerOptions<S extends OptionSchema>(className: string, schema: S) {
  return defineOptions(className, schema, { passthrough: TFJS_LAYER_KEYS, argument: 'args' });
}

/** `kCoefLip`: a finite number > 0, default 1. */
export const kCoefLipOption = opt
  .number({ gt: 0 })
  .describedAs('a finite number > 0', 'Pass the Lipschitz constant of the layer, e.g. 1.')
  .default(1);

/** Options of every reparametrised layer (`ReparametrizedLayerArgs`). */
export const REPARAMETRIZED_SCHEMA = {
  kCoefLip: kCoefLipOption,
  activation: opt.any(),
  useBias: opt.boolean().default(true),
  kernelInitializer: opt.any(),
  biasInitializer: opt.any(),
};

/** Options of the reparametrised convolutions (`ReparametrizedConv2DArgs`), checked in detail by `conv-args`. */
export const CONV_SCHEMA = {
  ...REPARAMETRIZED_SCHEMA,
  filters: opt.integer({ min: 1 }).required(),
  kernelSize: opt.any(),
  strides: opt.any(),
  padding: opt.any(),
  dilationRate: opt.any(),
  dataFormat: opt.any(),
  convLipCoef: opt.any(),
};

/** The normaliser options (deelLipVersion, eps…/maxIter…/niter…, betaBjorck) of the spectral layers. */
export const NORMALIZER_SCHEMA = NORMALIZER_OPTIONS.schema;
