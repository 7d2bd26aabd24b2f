import * as tf from '@tensorflow/tfjs-core';
import { frobeniusNormalization, type DeelLipVersion } from '@lipnet/constraints';
import { LipnetOptionError, deelLipVersionOption, formatValue } from '@lipnet/core';
import { layerOptions, CONV_SCHEMA } from './layer-options';
import { ReparametrizedConv2D, type ReparametrizedConv2DArgs } from './reparametrized-conv2d';
import type { NormalizedKernel } from './reparametrized-layer';
import { checkConvOptions, pair } from './conv-args';
import {
  convNormalizationConfig,
  resolveConvNormalization,
  type ResolvedConvNormalization,
} from './conv-normalization';

/** Arguments of {@link FrobeniusConv2D}. */
export interface FrobeniusConv2DArgs extends ReparametrizedConv2DArgs {
  /** Only 1 (deel-lip raises on strides). */
  strides?: number | [number, number];
  /** Selects the deel-lip conv-coefficient formula; stride is 1 here so both agree. Default '1.5'. */
  deelLipVersion?: DeelLipVersion;
}

/** The options of FrobeniusConv2D, declared once. */
const OPTIONS = layerOptions('FrobeniusConv2D', { ...CONV_SCHEMA, deelLipVersion: deelLipVersionOption });

/**
 * 2-D convolution ('same', stride 1) with W̄ = W/‖W‖_F scaled as `convNormalization` says
 * (σ_max of the reshaped kernel ≤ ‖W‖_F = 1, so a ≤ k bound without power iteration or
 * Björck): × k/3 for 3×3 ('strict', default), × k/‖conv‖₂ ('exact'), or × k × deel-lip's
 * coefficient ('deel-lip'); see SpectralConv2D. deel-lip: `deel.lip.layers.FrobeniusConv2D`.
 *
 * @example
 * frobeniusConv2d({filters: 8, kernelSize: 3, inputShape: [14, 14, 4]});
 */
export class FrobeniusConv2D extends ReparametrizedConv2D {
  static className = 'FrobeniusConv2D';
  readonly filters: number;
  readonly kernelSize: [number, number];
  protected readonly convNorm: ResolvedConvNormalization;
  readonly deelLipVersion: DeelLipVersion;

  constructor(args: FrobeniusConv2DArgs) {
    super(args);
    OPTIONS.parse(args, this.getClassName());
    const owner = 'FrobeniusConv2D';
    this.filters = args.filters;
    this.kernelSize = pair(owner, 'kernelSize', args.kernelSize, 'Pass an odd size such as 3 or [3, 3].');
    const strides = pair(owner, 'strides', args.strides ?? 1, 'Pass 1.');
    if (strides[0] !== 1 || strides[1] !== 1) {
      throw new LipnetOptionError({
        code: 'INVALID_OPTION',
        who: 'FrobeniusConv2D',
        option: 'strides',
        message: `\`strides\` must be 1, got ${formatValue(args.strides)} (deel-lip raises too). Use SpectralConv2D for strided convolutions.`,
      });
    }
    checkConvOptions(owner, {
      padding: args.padding,
      kernelSize: this.kernelSize,
      dilationRate: args.dilationRate,
      dataFormat: args.dataFormat,
    });
    this.convNorm = resolveConvNormalization(owner, args);
    this.deelLipVersion = args.deelLipVersion ?? '1.5';
  }

  /** Stride 1 only (deel-lip raises on strides). */
  protected convStrides(): [number, number] {
    return [1, 1];
  }

  protected coefDeelLipVersion(): DeelLipVersion {
    return this.deelLipVersion;
  }

  protected normalize(kernel: tf.Tensor): NormalizedKernel {
    return tf.tidy(() => ({ w: tf.mul(frobeniusNormalization(kernel), this.lipCoef()) }));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: [1, 1],
      padding: 'same',
      ...convNormalizationConfig(this.convNorm),
      deelLipVersion: this.deelLipVersion,
      ...this.baseConfig(),
    };
  }
}
tf.serialization.registerClass(FrobeniusConv2D);

/** Factory for {@link FrobeniusConv2D}. */
export function frobeniusConv2d(args: FrobeniusConv2DArgs): FrobeniusConv2D {
  return new FrobeniusConv2D(args);
}
