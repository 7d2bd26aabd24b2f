import * as tf from '@tensorflow/tfjs-core';
import {
  FrobeniusConv2D,
  SpectralConv1D,
  SpectralConv2D,
  SpectralConv2DTranspose,
  type ConvPadding,
} from '@lipnet/layers';
import type { ConfigReader } from '../keras/config-reader';
import { assignReparametrized, type TorchlipConverted } from './torchlip-layers';

/** OIHW (torch Conv2d) → HWIO (tfjs); ConvTranspose2d's [in, out, kh, kw] → [kh, kw, out, in] (the same permutation). */
const kernel2d = (w: tf.Tensor) => tf.transpose(w, [2, 3, 1, 0]);
/** [out, in, k] (torch Conv1d) → [k, in, out] (tfjs conv1d). */
const kernel1d = (w: tf.Tensor) => tf.transpose(w, [2, 1, 0]);

const MODES: Record<string, ConvPadding> = {
  zeros: 'constant',
  reflect: 'reflect',
  replicate: 'replicate',
  symmetric: 'symmetric',
  circular: 'circular',
};

/** torch's `padding` (an integer per axis, 'same' or 'valid') as given by export_torchlip.py. */
function paddingAmounts(r: ConfigReader, rank: number): number[] | 'same' | 'valid' {
  const v = r.raw('padding');
  if (v === 'same' || v === 'valid') return v;
  const p = typeof v === 'number' ? Array(rank).fill(v) : v;
  if (!Array.isArray(p) || p.length !== rank || !p.every((x) => Number.isInteger(x) && x >= 0)) {
    throw r.error('padding', "is not 'same', 'valid' or non-negative integers. The file is corrupt.");
  }
  return p as number[];
}

/**
 * torch's `padding` + deel-torchlip's `padding_mode` as a lipnet padding: 0 → 'valid'; (k−1)·d/2 on each side
 * → the mode ('zeros' → 'same' at stride 1, where tfjs pads the same, 'constant' otherwise, which pads
 * symmetrically as torch does at any stride). Other amounts are refused.
 */
function torchPadding(r: ConfigReader, kernel: number[], dilation: number[], strides: number[]): ConvPadding {
  const mode = r.string('paddingMode', 'zeros');
  if (!(mode in MODES)) throw r.error('paddingMode', `is not one of ${Object.keys(MODES).join(', ')}.`);
  const p = paddingAmounts(r, kernel.length);
  const half = kernel.map((k, i) => ((k - 1) * dilation[i]!) / 2);
  if (p === 'valid' || (Array.isArray(p) && p.every((x) => x === 0))) return 'valid';
  if (p !== 'same' && !p.every((x, i) => x === half[i])) {
    throw r.error(
      'padding',
      `is not supported: lipnet pads 0 ('valid') or (k − 1)·d/2 = ${JSON.stringify(half)} pixels on each side (deel-lip's PadConv2D), so that the padding modes keep the input size.`,
      'UNSUPPORTED_CONFIGURATION',
    );
  }
  if (kernel.some((k) => k % 2 === 0))
    throw r.error('kernelSize', 'is even with padding: lipnet pads odd kernels only.', 'UNSUPPORTED_CONFIGURATION');
  const m = MODES[mode]!;
  return m === 'constant' && strides.every((s) => s === 1) ? 'same' : m;
}

function common(r: ConfigReader) {
  r.only('groups', [1], 'lipnet has no grouped convolution.');
  return {
    name: r.string('name', ''),
    useBias: r.bool('bias', true),
    kCoefLip: r.number('kCoefLip', 1, { min: Number.MIN_VALUE }),
    convNormalization: 'strict' as const,
  };
}

/**
 * torchlip `SpectralConv2d` / `FrobeniusConv2d`: any padding mode with (k − 1)·d/2 pixels (or none), strides,
 * dilation with stride 1 → @lipnet convolution with the 'strict' factor (torchlip's for zero padding; smaller
 * for 'reflect' and 'replicate' beyond one pixel, whose torchlip factor is not a bound), serving torchlip's
 * eval kernel until it trains.
 */
export function conv2d(r: ConfigReader, spectral: boolean): TorchlipConverted {
  const c = common(r);
  const inC = r.number('inChannels', undefined, { integer: true, min: 1 });
  const filters = r.number('outChannels', undefined, { integer: true, min: 1 });
  const kernelSize = r.pair('kernelSize');
  const strides = r.pair('stride', [1, 1]);
  const dilationRate = r.pair('dilation', [1, 1]);
  const padding = torchPadding(r, kernelSize, dilationRate, strides);
  const args = { ...c, filters, kernelSize, strides, dilationRate, padding };
  if (!spectral && strides.some((s) => s > 1)) throw r.error('stride', 'is not 1: torchlip refuses strides here.');
  const layer = spectral ? new SpectralConv2D(args) : new FrobeniusConv2D(args);
  return {
    layers: [layer],
    assign: assignReparametrized(layer, c.name, [filters, inC, ...kernelSize], c.useBias, kernel2d, spectral),
  };
}

/** torchlip `SpectralConv1d` → @lipnet `SpectralConv1D` ('strict': 1/√⌈k/s⌉, where torchlip takes 1/⌈k/s⌉). */
export function conv1d(r: ConfigReader): TorchlipConverted {
  const c = common(r);
  const inC = r.number('inChannels', undefined, { integer: true, min: 1 });
  const filters = r.number('outChannels', undefined, { integer: true, min: 1 });
  const k = r.number('kernelSize', undefined, { integer: true, min: 1 });
  const s = r.number('stride', 1, { integer: true, min: 1 });
  const d = r.number('dilation', 1, { integer: true, min: 1 });
  const padding = torchPadding(r, [k], [d], [s]);
  const layer = new SpectralConv1D({ ...c, filters, kernelSize: k, strides: s, dilationRate: d, padding });
  return {
    layers: [layer],
    assign: assignReparametrized(layer, c.name, [filters, inC, k], c.useBias, kernel1d, true),
  };
}

/**
 * torchlip `SpectralConvTranspose2d` → @lipnet `SpectralConv2DTranspose`: torch padding 0 is Keras 'valid'
 * (when k ≥ s), (k − s)/2 is Keras 'same'; zero padding mode, no output padding, no dilation.
 */
export function convTranspose2d(r: ConfigReader): TorchlipConverted {
  const c = common(r);
  const inC = r.number('inChannels', undefined, { integer: true, min: 1 });
  const filters = r.number('outChannels', undefined, { integer: true, min: 1 });
  const kernelSize = r.pair('kernelSize');
  const strides = r.pair('stride', [1, 1]);
  r.only('paddingMode', ['zeros'], 'torch transposed convolutions pad with zeros only.');
  r.only('outputPadding', [[0, 0], 0, null], 'lipnet (as deel-lip and torchlip) has no output padding.');
  r.only('dilation', [[1, 1], 1], 'lipnet (as deel-lip and torchlip) has no dilated transposed convolution.');
  const p = paddingAmounts(r, 2);
  const same = kernelSize.map((k, i) => (k - strides[i]!) / 2);
  let padding: 'same' | 'valid';
  if (Array.isArray(p) && p.every((x) => x === 0) && kernelSize.every((k, i) => k >= strides[i]!)) padding = 'valid';
  else if (Array.isArray(p) && p.every((x, i) => x === same[i])) padding = 'same';
  else {
    throw r.error(
      'padding',
      `is not supported: lipnet's transposed convolution crops 0 ('valid', with k ≥ s) or (k − s)/2 = ${JSON.stringify(same)} ('same') pixels per side, as Keras.`,
      'UNSUPPORTED_CONFIGURATION',
    );
  }
  const layer = new SpectralConv2DTranspose({ ...c, filters, kernelSize, strides, padding });
  return {
    layers: [layer],
    assign: assignReparametrized(layer, c.name, [inC, filters, ...kernelSize], c.useBias, kernel2d, true, filters),
  };
}
