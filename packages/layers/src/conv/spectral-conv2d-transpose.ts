import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { LipnetOptionError, formatValue, opt } from '@lipnet/core';
import {
  normalizerConfig,
  reshapedKernelOrthogonalization,
  resolveNormalizerOptions,
  strictTransposedConvCoefficient,
  type Conv2DGeometry,
  type ConvPadding,
  type NormalizerOptions,
  type ResolvedNormalizerOptions,
} from '@lipnet/constraints';
import type { ReparametrizedConv2DArgs } from '../reparametrized-conv2d';
import { RkoConv } from './rko-conv';
import type { NormalizedKernel } from '../reparametrized-layer';
import { checkConvOptions, pair } from '../conv-args';
import { layerOptions, CONV_SCHEMA, NORMALIZER_SCHEMA } from '../layer-options';
import {
  checkDeelLipConvGeometry,
  convNormalizationConfig,
  resolveConvNormalization,
  type ResolvedConvNormalization,
} from '../conv-normalization';

/** Arguments of {@link SpectralConv2DTranspose}. */
export interface SpectralConv2DTransposeArgs
  extends Omit<ReparametrizedConv2DArgs, 'padding' | 'dilationRate'>, NormalizerOptions {
  /** Strides, `s` or `[sh, sw]` (the up-sampling factor). Default 1. */
  strides?: number | [number, number];
  /** 'same' (default, deel-lip's only one: output h·s) or 'valid' (output (h−1)·s + max(k, s); deel-torchlip padding 0). */
  padding?: 'same' | 'valid';
  /** Only null (deel-lip and deel-torchlip refuse an output padding). */
  outputPadding?: null;
  /** Only 1 (deel-lip and deel-torchlip refuse dilation). */
  dilationRate?: number | [number, number];
}

/** The options of SpectralConv2DTranspose, declared once. */
const OPTIONS = layerOptions('SpectralConv2DTranspose', {
  ...CONV_SCHEMA,
  ...NORMALIZER_SCHEMA,
  outputPadding: opt.any(),
});

/**
 * Transposed 2-D convolution (`tf.conv2dTranspose`, the adjoint of a strided convolution: learned
 * up-sampling) whose kernel W ∈ ℝ^{kh × kw × filters × C_in} is normalised as deel-lip does: transposed
 * to [kh, kw, C_in, filters], reshaped to (kh·kw·C_in) × filters, orthonormalised by RKO (power iteration
 * + Björck), transposed back, and scaled as `convNormalization` says:
 * - `'strict'` (default): × k/√(kh·kw) at every stride, proven (`strictTransposedConvCoefficient`): each
 *   input pixel feeds kh·kw (output, tap) pairs;
 * - `'exact'`: × k/‖Aᵀ‖₂ on the input size (Lanczos with a persistent `conv_u`, certified at export);
 * - `'deel-lip'`: × k × deel-lip's `_compute_conv_lip_factor` on the layer's input (28/82 for 3×3 on
 *   28×28, 1/2 for 3×3 stride 2), for parity. **Not a bound**: at stride 2 a 3×3 kernel from 1 channel
 *   to 9 filters reaches 1.5·k (the factor counts ⌈k/s⌉² taps per output, but each input pixel feeds
 *   all kh·kw of them).
 * Output `[b, h·sh, w·sw, filters]` ('same') or `[b, (h−1)·sh + max(kh, sh), …]` ('valid').
 * Non-trainable weights: `u` [1, filters], `sig` [1, 1]; with 'exact' also `conv_u` [1, h, w, C_in],
 * `conv_sig` [1, 1]. Exports to `tf.layers.conv2dTranspose`.
 * deel-lip: `deel.lip.layers.SpectralConv2DTranspose`; deel-torchlip: `SpectralConvTranspose2d`
 * (which orthonormalises the other reshape, (C_in) × (filters·kh·kw), and keeps 1/√(⌈kh/sh⌉⌈kw/sw⌉)).
 *
 * @example
 * new SpectralConv2DTranspose({filters: 8, kernelSize: 3, strides: 2, inputShape: [7, 7, 16]});
 */
export class SpectralConv2DTranspose extends RkoConv {
  static className = 'SpectralConv2DTranspose';
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: ConvPadding;
  protected readonly convNorm: ResolvedConvNormalization;
  readonly normalizer: ResolvedNormalizerOptions;

  constructor(args: SpectralConv2DTransposeArgs) {
    super(args);
    const owner = 'SpectralConv2DTranspose';
    OPTIONS.parse(args, owner);
    this.filters = args.filters;
    this.kernelSize = pair(owner, 'kernelSize', args.kernelSize, 'Pass e.g. 3 or [4, 4].');
    this.strides = pair(owner, 'strides', args.strides ?? 1, 'Pass e.g. 1 or [2, 2].');
    const o = checkConvOptions(
      owner,
      { ...args, kernelSize: this.kernelSize, strides: this.strides },
      {
        paddings: ['same', 'valid'],
        dilation: false,
        oddKernel: false,
        why: 'deel-lip and deel-torchlip transposed convolutions have zero padding and no dilation.',
      },
    );
    if (args.outputPadding != null) {
      throw new LipnetOptionError({
        code: 'INVALID_OPTION',
        who: owner,
        option: 'outputPadding',
        message: `\`outputPadding\` ${formatValue(args.outputPadding)} is not supported (deel-lip and deel-torchlip refuse it too). Pass null or leave it out.`,
      });
    }
    this.padding = o.padding;
    this.convNorm = resolveConvNormalization(owner, args);
    checkDeelLipConvGeometry(owner, this.convNorm.mode, o);
    this.normalizer = resolveNormalizerOptions(owner, args);
  }

  protected override get transposed(): boolean {
    return true;
  }

  /** The convolution this layer is the adjoint of: from the output size to the input size, filters → C_in. */
  protected override convGeometry(h: number, w: number, cin: number): Conv2DGeometry {
    const [kh, kw] = this.kernelSize;
    const [sh, sw] = this.strides;
    const up = (n: number, k: number, s: number) => (this.padding === 'same' ? n * s : n * s + Math.max(k - s, 0));
    const g = { inH: up(h, kh, sh), inW: up(w, kw, sw), kh, kw, cin: this.filters, cout: cin };
    return { ...g, strides: this.strides, dilation: [1, 1], padding: this.padding };
  }

  protected override strictCoefficient(): number {
    return strictTransposedConvCoefficient(this.kernelSize);
  }

  protected override kernelShape(shape: (number | null)[]): number[] {
    return [this.kernelSize[0], this.kernelSize[1], this.filters, shape[3]!];
  }

  protected override normalize(kernel: tf.Tensor, u: tf.Tensor2D | null): NormalizedKernel {
    return tf.tidy(() => {
      const r = reshapedKernelOrthogonalization(tf.transpose(kernel, [0, 1, 3, 2]), u, {
        ...normalizerConfig(this.normalizer),
        adjustmentCoef: this.lipCoef(),
      });
      return { ...r, w: tf.transpose(r.w, [0, 1, 3, 2]) };
    });
  }

  protected override plainLayer(activation: string | undefined): tfl.layers.Layer {
    return tfl.layers.conv2dTranspose({
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding as 'same' | 'valid',
      activation: activation as 'relu',
      useBias: this.useBias,
      name: this.name,
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      ...convNormalizationConfig(this.convNorm),
      ...normalizerConfig(this.normalizer),
      ...this.baseConfig(),
    };
  }
}
tf.serialization.registerClass(SpectralConv2DTranspose);

/** Factory for {@link SpectralConv2DTranspose}. */
export function spectralConv2dTranspose(args: SpectralConv2DTransposeArgs): SpectralConv2DTranspose {
  return new SpectralConv2DTranspose(args);
}
