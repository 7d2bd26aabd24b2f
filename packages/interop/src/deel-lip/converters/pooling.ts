import {
  InvertibleDownSampling,
  InvertibleUpSampling,
  ScaledAveragePooling2D,
  ScaledGlobalAveragePooling2D,
  ScaledGlobalL2NormPooling2D,
  ScaledL2NormPooling2D,
} from '@lipnet/layers';
import type { ConfigReader } from '../../keras/config-reader';
import { baseArgs, channelsLast } from './common';
import type { ConverterContext, LayerConverter } from './converter';

/** Options of deel-lip's window poolings (`pool_size`, `strides` = `pool_size` or null, 'valid' padding). */
function windowArgs(r: ConfigReader) {
  channelsLast(r);
  const poolSize = r.pair('pool_size', [2, 2]);
  const s = r.raw('strides');
  return {
    ...baseArgs(r),
    poolSize,
    strides: s === null || s === undefined ? null : r.pair('strides'),
    padding: r.string('padding', 'valid') as 'valid',
    kCoefLip: r.number('k_coef_lip', 1, { min: Number.MIN_VALUE }),
  };
}

/** Options of deel-lip's global poolings (no `keepdims`). */
function globalArgs(r: ConfigReader) {
  channelsLast(r);
  r.only('keepdims', [false], "lipnet's global poolings return [batch, channels]. Save the model with keepdims=False.");
  return { ...baseArgs(r), kCoefLip: r.number('k_coef_lip', 1, { min: Number.MIN_VALUE }) };
}

/** `eps_grad_sqrt` of the L2 poolings: deel-lip 1.5 does not save it (its default 1e-6 is used), read if present. */
function epsGradSqrt(r: ConfigReader): number {
  return r.number('eps_grad_sqrt', 1e-6, { min: 0 });
}

/** The InvertibleDown/UpSampling channel order, which the caller must give (deel-lip changed it in 1.5.1). */
function channelOrder(r: ConfigReader, ctx: ConverterContext) {
  if (ctx.invertibleChannelOrder === undefined) {
    throw r.error(
      'pool_size',
      "cannot be loaded without knowing the deel-lip version that saved it: deel-lip ≤ 1.5.0 orders the channels as TF's space_to_depth, 1.5.1 and later as PyTorch's pixel_unshuffle, and the file does not say which. Pass {invertibleChannelOrder: 'spacetodepth'} (deel-lip ≤ 1.5.0) or {invertibleChannelOrder: 'pixelshuffle'} (≥ 1.5.1).",
    );
  }
  return ctx.invertibleChannelOrder;
}

/** Converters of deel-lip's pooling and invertible sampling layers. */
export const DEEL_LIP_POOLING: Record<string, LayerConverter> = {
  ScaledAveragePooling2D: (r) => ({ layers: [new ScaledAveragePooling2D(windowArgs(r))], weights: [] }),
  ScaledL2NormPooling2D: (r) => ({
    layers: [new ScaledL2NormPooling2D({ ...windowArgs(r), epsGradSqrt: epsGradSqrt(r) })],
    weights: [],
  }),
  ScaledGlobalAveragePooling2D: (r) => ({ layers: [new ScaledGlobalAveragePooling2D(globalArgs(r))], weights: [] }),
  ScaledGlobalL2NormPooling2D: (r) => ({
    layers: [new ScaledGlobalL2NormPooling2D({ ...globalArgs(r), epsGradSqrt: epsGradSqrt(r) })],
    weights: [],
  }),
  InvertibleDownSampling: (r, ctx) => {
    channelsLast(r);
    const args = { ...baseArgs(r), poolSize: r.pair('pool_size'), channelOrder: channelOrder(r, ctx) };
    return { layers: [new InvertibleDownSampling(args)], weights: [] };
  },
  InvertibleUpSampling: (r, ctx) => {
    channelsLast(r);
    const args = { ...baseArgs(r), poolSize: r.pair('pool_size'), channelOrder: channelOrder(r, ctx) };
    return { layers: [new InvertibleUpSampling(args)], weights: [] };
  },
};
