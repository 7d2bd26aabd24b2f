import { defineOptions, opt, type OptionSchema, type OptionsDefinition } from '@lipnet/core';
import { NORMALIZER_OPTIONS } from '@lipnet/constraints';
import { initializerOption } from './initializer-spec';
import { regularizerOption } from './regularizer-spec';

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

/**
 * The options a layer class declares, as its `static options`: a base class parses
 * `(this.constructor as typeof Base).options`, so a subclass with more options (LPReLU, the
 * adaptive poolings) overrides it with `BASE_OPTIONS.extend(...)` and unknown keys are still refused.
 */
export type LayerOptionsDefinition = OptionsDefinition<OptionSchema>;

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
  kernelInitializer: initializerOption,
  biasInitializer: initializerOption,
  kernelRegularizer: regularizerOption,
  biasRegularizer: regularizerOption,
};

/**
 * Options of the reparametrised convolutions (`ReparametrizedConv2DArgs`), checked in detail by
 * `conv-args` and `resolveConvNormalization`.
 */
export const CONV_SCHEMA = {
  ...REPARAMETRIZED_SCHEMA,
  filters: opt.integer({ min: 1 }).required(),
  kernelSize: opt.any(),
  strides: opt.any(),
  padding: opt.any(),
  dilationRate: opt.any(),
  dataFormat: opt.any(),
  convLipCoef: opt.any(),
  convNormalization: opt.any(),
  epsConvNorm: opt.any(),
  maxIterConvNorm: opt.any(),
  convNormMargin: opt.any(),
};

/** The normaliser options (deelLipVersion, eps…/maxIter…/niter…, betaBjorck) of the spectral layers. */
export const NORMALIZER_SCHEMA = NORMALIZER_OPTIONS.schema;
