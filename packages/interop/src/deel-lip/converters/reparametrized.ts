import {
  FrobeniusConv2D,
  FrobeniusDense,
  SpectralConv2D,
  SpectralConv2DTranspose,
  SpectralDense,
  type NormalizerOptions,
} from '@lipnet/layers';
import type { ConfigReader } from '../../keras/config-reader';
import { activationArg } from './activations';
import { DENSE_CONV_REFUSED, baseArgs, kernelBiasRegularizers, channelsLast, noRegularizers } from './common';
import { kernelBias, type ConverterContext, type LayerConverter, type WeightSlot } from './converter';

/**
 * Options shared by deel-lip's four reparametrised layers, regularizers included; initializers are not carried
 * (the weights are loaded).
 */
function reparametrizedArgs(r: ConfigReader, ctx: ConverterContext) {
  const args = {
    ...baseArgs(r),
    activation: activationArg(r, ctx),
    useBias: r.bool('use_bias', true),
    kCoefLip: r.number('k_coef_lip', 1, { min: Number.MIN_VALUE }),
    ...kernelBiasRegularizers(r),
  };
  r.ignore('kernel_initializer', 'bias_initializer');
  noRegularizers(r, DENSE_CONV_REFUSED);
  return args;
}

/**
 * deel-lip's RKO options (`eps_spectral`, `eps_bjorck`, `beta_bjorck`, `maxiter_spectral`, `maxiter_bjorck`,
 * defaults of 1.5) as lipnet's {@link NormalizerOptions}. `eps_bjorck=None` or `beta_bjorck=None` skip Björck
 * in deel-lip: lipnet's `maxIterBjorck: 0`.
 */
function normalizerArgs(r: ConfigReader): NormalizerOptions {
  const noBjorck = r.raw('eps_bjorck') === null || r.raw('beta_bjorck') === null;
  return {
    deelLipVersion: '1.5',
    epsSpectral: r.number('eps_spectral', 1e-3, { min: Number.MIN_VALUE }),
    epsBjorck: r.number('eps_bjorck', 1e-3, { min: Number.MIN_VALUE }),
    betaBjorck: r.number('beta_bjorck', 0.5, { min: Number.MIN_VALUE }),
    maxIterSpectral: r.number('maxiter_spectral', 10, { integer: true, min: 1 }),
    maxIterBjorck: noBjorck ? 0 : r.number('maxiter_bjorck', 15, { integer: true, min: 0 }),
  };
}

/** Reads `maxiter_bjorck` when Björck is skipped (its value is then irrelevant). */
function skipBjorckRest(r: ConfigReader): void {
  r.ignore('maxiter_bjorck');
}

/** deel-lip's convolution options as deel-lip restricts them: 'same' padding, no dilation, one group, NHWC. */
function convArgs(r: ConfigReader, cls: string, allowStrides: boolean) {
  channelsLast(r);
  r.only(
    'padding',
    ['same'],
    `deel-lip 1.5's ${cls} raises on any padding but 'same' (its conv coefficient assumes it), so the file is not deel-lip's. Build lipnet's ${cls} with that padding directly.`,
  );
  r.only('dilation_rate', [1, [1, 1]], `lipnet's ${cls} has no dilation (deel-lip 1.5 raises too).`);
  r.only('groups', [1], `lipnet's ${cls} has no grouped convolution.`);
  if (!allowStrides) r.only('strides', [1, [1, 1]], `lipnet's ${cls} has stride 1 only (as deel-lip).`);
  return {
    filters: r.number('filters', undefined, { integer: true, min: 1 }),
    kernelSize: r.pair('kernel_size'),
    strides: r.pair('strides', [1, 1]),
    // deel-lip's own factor (`_compute_conv_lip_factor`), not lipnet's default 'strict'
    convNormalization: 'deel-lip' as const,
  };
}

/** The slots of a spectral layer: kernel, bias, then deel-lip's `sn` (u), `sigma` and `Variable` (wbar). */
function spectralSlots(useBias: boolean): WeightSlot[] {
  return [
    ...kernelBias(useBias),
    { saved: 'sn', target: 'u' },
    { saved: 'sigma', target: 'sig' },
    { saved: 'Variable', target: 'wbar' },
  ];
}

const spectralDense: LayerConverter = (r, ctx) => {
  const args = {
    ...reparametrizedArgs(r, ctx),
    ...normalizerArgs(r),
    units: r.number('units', undefined, { integer: true, min: 1 }),
  };
  skipBjorckRest(r);
  return { layers: [new SpectralDense(args)], weights: spectralSlots(args.useBias) };
};

const frobeniusDense: LayerConverter = (r, ctx) => {
  const args = {
    ...reparametrizedArgs(r, ctx),
    units: r.number('units', undefined, { integer: true, min: 1 }),
    disjointNeurons: r.bool('disjoint_neurons', true),
  };
  return {
    layers: [new FrobeniusDense(args)],
    weights: [...kernelBias(args.useBias), { saved: 'Variable', target: 'wbar' }],
  };
};

const spectralConv2D: LayerConverter = (r, ctx) => {
  const args = { ...reparametrizedArgs(r, ctx), ...normalizerArgs(r), ...convArgs(r, 'SpectralConv2D', true) };
  skipBjorckRest(r);
  return { layers: [new SpectralConv2D(args)], weights: spectralSlots(args.useBias) };
};

const frobeniusConv2D: LayerConverter = (r, ctx) => {
  const { filters, kernelSize, convNormalization } = convArgs(r, 'FrobeniusConv2D', false);
  const args = { ...reparametrizedArgs(r, ctx), filters, kernelSize, convNormalization };
  return {
    layers: [new FrobeniusConv2D(args)],
    weights: [...kernelBias(args.useBias), { saved: 'Variable', target: 'wbar' }],
  };
};

/**
 * deel-lip's SpectralConv2DTranspose ('same' padding, no output padding: deel-lip raises otherwise) with deel-lip's
 * coefficient on the layer's input; its weights are saved as SpectralConv2D's (kernel [kh, kw, filters, cin]).
 */
const spectralConv2DTranspose: LayerConverter = (r, ctx) => {
  r.only('output_padding', [null], "lipnet's SpectralConv2DTranspose has no output padding (deel-lip raises too).");
  const args = {
    ...reparametrizedArgs(r, ctx),
    ...normalizerArgs(r),
    ...convArgs(r, 'SpectralConv2DTranspose', true),
  };
  skipBjorckRest(r);
  return { layers: [new SpectralConv2DTranspose(args)], weights: spectralSlots(args.useBias) };
};

/** Converters of deel-lip's reparametrised layers (deel-lip 1.5 defaults and conv coefficient). */
export const DEEL_LIP_REPARAMETRIZED: Record<string, LayerConverter> = {
  SpectralDense: spectralDense,
  FrobeniusDense: frobeniusDense,
  SpectralConv2D: spectralConv2D,
  FrobeniusConv2D: frobeniusConv2D,
  SpectralConv2DTranspose: spectralConv2DTranspose,
};
