import * as tf from '@tensorflow/tfjs-core';
import {
  normalizerConfig,
  resolveNormalizerOptions,
  type ConvPadding,
  type NormalizerOptions,
  type ResolvedNormalizerOptions,
} from '@lipnet/constraints';
import type { ReparametrizedConv2DArgs } from './reparametrized-conv2d';
import { RkoConv } from './conv/rko-conv';
import { checkConvOptions, pair } from './conv-args';
import { layerOptions, CONV_SCHEMA, NORMALIZER_SCHEMA } from './layer-options';
import {
  checkDeelLipConvGeometry,
  convNormalizationConfig,
  resolveConvNormalization,
  type ResolvedConvNormalization,
} from './conv-normalization';

/** Arguments of {@link SpectralConv2D}. */
export interface SpectralConv2DArgs extends ReparametrizedConv2DArgs, NormalizerOptions {
  /** Strides, `s` or `[sh, sw]`. Default 1. */
  strides?: number | [number, number];
}

/** The options of SpectralConv2D, declared once. */
const OPTIONS = layerOptions('SpectralConv2D', { ...CONV_SCHEMA, ...NORMALIZER_SCHEMA });

/**
 * 2-D convolution whose reshaped kernel
 * W ∈ ℝ^{(kh·kw·C_in) × filters} is orthonormalised by RKO (power iteration +
 * Björck) and scaled so that the convolution is k-Lipschitz, as `convNormalization` says:
 * - `'strict'` (default): × k/√(⌈kh/sh⌉⌈kw/sw⌉) (1/3 for 3×3), proven: ‖conv‖₂ ≤ k;
 * - `'exact'`: × k/‖conv‖₂, the operator norm of this padded, strided conv on the input size
 *   (Lanczos with a persistent vector `conv_u`; for 'circular' padding whose strides divide the size,
 *   power iteration on its DFT blocks, exact by construction; certified by `vanillaExport`): ≤ k, ≈ k;
 * - `'deel-lip'`: × k × deel-lip's `_compute_conv_lip_factor` (28/82 for 3×3 on 28×28, 0.5 for
 *   3×3 stride 2), for parity. At stride 1 it uses the *average* pixel coverage, so
 *   ‖conv‖₂ ≤ k·coef·√(kh·kw) only (k·1.0244 for 3×3 at 28×28), a bound reached when
 *   kh·kw·C_in ≤ filters (e.g. the notebook's first layer).
 * Padding: 'same' (deel-lip's only one, default), 'valid', or deel-torchlip's / deel-lip `PadConv2D`'s
 * modes 'constant', 'reflect', 'symmetric', 'replicate', 'circular' ('strict' counts the pixels each
 * mode copies: 1/4 instead of 1/3 for 3×3 'reflect', which can increase the norm by 4/3 — deel-torchlip
 * keeps 1/3); `dilationRate` with stride 1 (deel-torchlip; deel-lip refuses it). 'deel-lip' needs 'same'
 * and no dilation.
 * Recomputed in each training call and cached for inference ({@link ReparametrizedLayer}).
 * Non-trainable weights: `u` [1, filters], `sig` [1, 1]; with 'exact' also `conv_u`
 * [1, h, w, C_in] ([frequencies, 2, m] with circular DFT blocks) and `conv_sig` [1, 1].
 * deel-lip: `deel.lip.layers.SpectralConv2D`.
 *
 * @example
 * spectralConv2d({filters: 16, kernelSize: 3, activation: new GroupSort({n: 2}), inputShape: [28, 28, 1]});
 */
export class SpectralConv2D extends RkoConv {
  static className = 'SpectralConv2D';
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: ConvPadding;
  readonly dilationRate: [number, number];
  protected readonly convNorm: ResolvedConvNormalization;
  readonly normalizer: ResolvedNormalizerOptions;

  constructor(args: SpectralConv2DArgs) {
    super(args);
    OPTIONS.parse(args, this.getClassName());
    const owner = (this.constructor as unknown as { className: string }).className;
    this.filters = args.filters;
    this.kernelSize = pair(owner, 'kernelSize', args.kernelSize, 'Pass an odd size such as 3 or [3, 3].');
    this.strides = pair(owner, 'strides', args.strides ?? 1, 'Pass e.g. 1 or [2, 2].');
    const o = checkConvOptions(owner, { ...args, kernelSize: this.kernelSize, strides: this.strides });
    this.padding = o.padding;
    this.dilationRate = o.dilation;
    this.convNorm = resolveConvNormalization(owner, args);
    checkDeelLipConvGeometry(owner, this.convNorm.mode, o);
    this.normalizer = resolveNormalizerOptions(owner, args);
  }

  protected override convDilation(): [number, number] {
    return this.dilationRate;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      dilationRate: this.dilationRate,
      ...convNormalizationConfig(this.convNorm),
      ...normalizerConfig(this.normalizer),
      ...this.baseConfig(),
    };
  }
}
tf.serialization.registerClass(SpectralConv2D);

/** Factory for {@link SpectralConv2D}. */
export function spectralConv2d(args: SpectralConv2DArgs): SpectralConv2D {
  return new SpectralConv2D(args);
}
