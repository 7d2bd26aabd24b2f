import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  normalizerConfig,
  resolveNormalizerOptions,
  type ConvPadding,
  type NormalizerOptions,
  type ResolvedNormalizerOptions,
} from '@lipnet/constraints';
import type { ReparametrizedConv2DArgs } from '../reparametrized-conv2d';
import { RkoConv } from './rko-conv';
import { checkConvOptions } from '../conv-args';
import { layerOptions, CONV_SCHEMA, NORMALIZER_SCHEMA } from '../layer-options';
import {
  checkDeelLipConvGeometry,
  convNormalizationConfig,
  resolveConvNormalization,
  type ResolvedConvNormalization,
} from '../conv-normalization';
import { PadConv1D } from './pad-conv';
import { conv1dInput, conv1dPair, fromNHWC1d, fromNHWCShape1d, kernel4d1d, toNHWC1d } from './conv1d-layout';

/** Arguments of {@link SpectralConv1D}. */
export interface SpectralConv1DArgs
  extends Omit<ReparametrizedConv2DArgs, 'kernelSize' | 'dilationRate'>, NormalizerOptions {
  /** Kernel size k (odd unless padding is 'valid'). */
  kernelSize: number;
  /** Stride. Default 1. */
  strides?: number;
  /** Dilation, with stride 1. Default 1. */
  dilationRate?: number;
}

/** The options of SpectralConv1D, declared once (kernelSize, strides, dilationRate: one integer each). */
const OPTIONS = layerOptions('SpectralConv1D', { ...CONV_SCHEMA, ...NORMALIZER_SCHEMA });

/**
 * 1-D convolution (input [batch, length, channels], kernel [k, C_in, filters] as `tf.layers.conv1d`)
 * whose reshaped kernel (k·C_in) × filters is orthonormalised by RKO (power iteration + Björck, deel-lip's
 * normaliser and defaults) and scaled as `convNormalization` says:
 * - `'strict'` (default): × k_lip/√(⌈k/s⌉) for zero padding, proven, and the counted factor of the other
 *   paddings (see `strictConvCoefficient`; 'reflect' with k = 3: 1/2);
 * - `'exact'`: × k_lip/‖A‖₂ on the input length (Lanczos with a persistent `conv_u` [1, length, C_in];
 *   'circular' with a stride dividing the length: power iteration on its DFT blocks);
 * - `'deel-lip'` is refused: deel-lip has no 1-D convolution.
 * deel-torchlip's factor is 1/⌈k/s⌉ (its `compute_lconv_coef_1d` takes no square root): a bound too, but
 * loose by √⌈k/s⌉ (1/3 instead of 1/√3 for k = 3), so a model loaded from deel-torchlip serves its own
 * kernel until it trains and then uses this one. Padding: 'same' (default), 'valid', or 'constant',
 * 'reflect', 'symmetric', 'replicate', 'circular' (⌊k/2⌋ on each side, deel-torchlip's `padding_mode`);
 * `dilationRate` with stride 1. Exports to `tf.layers.conv1d` ('same'/'valid') or `PadConv1D`.
 * deel-torchlip: `SpectralConv1d`.
 *
 * @example
 * new SpectralConv1D({filters: 8, kernelSize: 5, padding: 'circular', inputShape: [64, 2]});
 */
export class SpectralConv1D extends RkoConv {
  static className = 'SpectralConv1D';
  readonly filters: number;
  /** [1, k]: the kernel as the 2-D geometry sees it (the config holds k). */
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: ConvPadding;
  readonly dilationRate: [number, number];
  protected readonly convNorm: ResolvedConvNormalization;
  readonly normalizer: ResolvedNormalizerOptions;

  constructor(args: SpectralConv1DArgs) {
    super(args);
    const owner = 'SpectralConv1D';
    OPTIONS.parse(args, owner);
    this.filters = args.filters;
    this.kernelSize = conv1dPair(owner, 'kernelSize', args.kernelSize, 'Pass an odd size such as 3.');
    this.strides = conv1dPair(owner, 'strides', args.strides ?? 1, 'Pass e.g. 1 or 2.');
    const dilationRate = conv1dPair(owner, 'dilationRate', args.dilationRate ?? 1, 'Pass e.g. 1 or 2.');
    const o = checkConvOptions(owner, { ...args, kernelSize: this.kernelSize, strides: this.strides, dilationRate });
    this.padding = o.padding;
    this.dilationRate = o.dilation;
    this.convNorm = resolveConvNormalization(owner, args);
    checkDeelLipConvGeometry(owner, this.convNorm.mode, { ...o, oneDimensional: true });
    this.normalizer = resolveNormalizerOptions(owner, args);
  }

  protected override convDilation(): [number, number] {
    return this.dilationRate;
  }

  protected override spatialInput(shape: (number | null)[]): [number, number, number] {
    return conv1dInput(this.getClassName(), shape);
  }
  protected override toNHWC(x: tf.Tensor): tf.Tensor4D {
    return toNHWC1d(x);
  }
  protected override kernel4d(w: tf.Tensor): tf.Tensor4D {
    return kernel4d1d(w);
  }
  protected override fromNHWC(y: tf.Tensor): tf.Tensor {
    return fromNHWC1d(y);
  }
  protected override fromNHWCShape(shape: number[]): number[] {
    return fromNHWCShape1d(shape);
  }

  protected override kernelShape(shape: (number | null)[]): number[] {
    return [this.kernelSize[1], shape[2]!, this.filters];
  }

  protected override plainLayer(activation: string | undefined): tfl.layers.Layer {
    const common = { filters: this.filters, strides: this.strides[1], useBias: this.useBias, name: this.name };
    if (this.padding === 'same' || this.padding === 'valid') {
      const kernelSize = this.exportKernelSize()[1];
      return tfl.layers.conv1d({ ...common, kernelSize, padding: this.padding, activation: activation as 'relu' });
    }
    const dilationRate = this.dilationRate[1];
    const k = this.kernelSize[1];
    return new PadConv1D({
      ...common,
      kernelSize: k,
      dilationRate,
      padding: this.padding,
      activation: activation ?? null,
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      filters: this.filters,
      kernelSize: this.kernelSize[1],
      strides: this.strides[1],
      padding: this.padding,
      dilationRate: this.dilationRate[1],
      ...convNormalizationConfig(this.convNorm),
      ...normalizerConfig(this.normalizer),
      ...this.baseConfig(),
    };
  }
}
tf.serialization.registerClass(SpectralConv1D);

/** Factory for {@link SpectralConv1D}. */
export function spectralConv1d(args: SpectralConv1DArgs): SpectralConv1D {
  return new SpectralConv1D(args);
}
