import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { certifiedConvNorm, conv2dOperator, convLipschitzCoefficient, type DeelLipVersion } from '@lipnet/constraints';
import { LipnetInputError } from '@lipnet/core';
import { ReparametrizedLayer, type ReparametrizedLayerArgs } from './reparametrized-layer';
import { checkConvInput } from './conv-args';
import type { ConvNormalizationArgs, ResolvedConvNormalization } from './conv-normalization';
import { ExactOperatorNormalizer, type ExportCertificate } from './exact-operator-normalizer';

/** Arguments shared by the reparametrised convolutions ({@link SpectralConv2D}, {@link FrobeniusConv2D}). */
export interface ReparametrizedConv2DArgs extends ReparametrizedLayerArgs, ConvNormalizationArgs {
  /** Number of output channels (≥ 1). */
  filters: number;
  /** Odd kernel size, `k` or `[kh, kw]`. */
  kernelSize: number | [number, number];
  /** Only `'same'` (zero padding), as deel-lip. Default 'same'. */
  padding?: 'same';
  /** Only 1. */
  dilationRate?: number | [number, number];
  /** Only 'channelsLast'. */
  dataFormat?: 'channelsLast';
}

/**
 * Common base of the reparametrised 2-D convolutions ({@link SpectralConv2D},
 * {@link FrobeniusConv2D}): `y = conv2d(x, W̄, strides, 'same') + b`, NHWC, with a kernel
 * W ∈ ℝ^{kh × kw × C_in × filters} whose normalisation V the subclass gives (`normalize`),
 * scaled as `convNormalization` says (see `ConvNormalization`): × k × 1/√(⌈kh/sh⌉⌈kw/sw⌉)
 * ('strict'), × k × deel-lip's `_compute_conv_lip_factor` ('deel-lip'; see
 * `convLipschitzCoefficient` in @lipnet/constraints), or × k/‖conv_V‖₂ on the input size
 * ('exact', {@link ExactOperatorNormalizer}), all found at build time from the input size.
 * Holds the input check, the coefficient, the kernel shape, the convolution, the output shape
 * `(b, ⌈H/sh⌉, ⌈W/sw⌉, filters)` and the plain `tf.layers.conv2d` of `vanillaExport()`.
 * Subclasses declare and set `filters`, `kernelSize`, `convNormalization`, and give
 * {@link convStrides} and {@link coefDeelLipVersion}.
 */
export abstract class ReparametrizedConv2D extends ReparametrizedLayer {
  /** Number of output channels (≥ 1). */
  abstract readonly filters: number;
  /** Odd kernel size [kh, kw]. */
  abstract readonly kernelSize: [number, number];
  /** The conv normalisation and, for 'exact', its power-iteration options. */
  protected abstract readonly convNorm: ResolvedConvNormalization;
  /** Conv coefficient computed at build time from the input size (1 with 'exact'). */
  protected convCoef: number | null = null;
  /** The state and steps of 'exact', created at build time. */
  private exact: ExactOperatorNormalizer | null = null;

  /** `'strict'`, `'exact'` or `'deel-lip'` (see `ConvNormalization`). */
  get convNormalization(): ResolvedConvNormalization['mode'] {
    return this.convNorm.mode;
  }

  /** With 'exact': the certificate of the last `vanillaExport` (proven ‖conv‖₂ bound, rescale); else null. */
  get exportCertificate(): ExportCertificate | null {
    return this.exact?.lastCertificate ?? null;
  }

  /** The conv coefficient (deel-lip `coef_lip`) found at build time from the layer's input size; null before build. */
  get convCoefficient(): number | null {
    return this.convCoef;
  }

  /** Strides [sh, sw] of the convolution. */
  protected abstract convStrides(): [number, number];

  /** deel-lip version whose conv-coefficient formula is used. */
  protected abstract coefDeelLipVersion(): DeelLipVersion;

  protected override validateInputShape(shape: (number | null)[]): void {
    const [h, w, cin] = checkConvInput(this.getClassName(), shape);
    const { mode, exact } = this.convNorm;
    if (exact) {
      this.convCoef = 1;
      this.exact = new ExactOperatorNormalizer(this.exactSpec(h, w, cin), exact);
      return;
    }
    this.convCoef = convLipschitzCoefficient({
      kernelSize: this.kernelSize,
      strides: this.convStrides(),
      inputSize: [h, w],
      deelLipVersion: this.coefDeelLipVersion(),
      mode: mode as 'deel-lip' | 'strict',
    });
  }

  /** What 'exact' needs: the conv on the h×w×cin input, its transpose, and its certified norm. */
  private exactSpec(h: number, w: number, cin: number) {
    const inputShape: [number, number, number, number] = [1, h, w, cin];
    const strides = this.convStrides();
    const [kh, kw] = this.kernelSize;
    const geometry = { inH: h, inW: w, kh, kw, cin, cout: this.filters, strides, padding: 'same' as const };
    return {
      inputShape,
      operator: conv2dOperator(inputShape, strides, 'same'),
      certify: (kernel: Float32Array, estimate: number, target: number) =>
        certifiedConvNorm(kernel, geometry, { estimate, target }),
      // ‖conv_E‖₂ ≤ √(windows per input pixel)·‖E‖_F (the 'strict' argument)
      frobeniusFactor: Math.sqrt(Math.ceil(kh / strides[0]) * Math.ceil(kw / strides[1])),
    };
  }

  protected override exactNormalizer(): ExactOperatorNormalizer | null {
    return this.exact;
  }

  protected override layerCoef(): number {
    if (this.convCoef === null) {
      throw new LipnetInputError({
        code: 'INVALID_ARGUMENT',
        who: this.getClassName(),
        message: `'${this.name}' is not built yet, so its conv coefficient is unknown. Call the layer on an input first.`,
      });
    }
    return this.convCoef;
  }

  protected kernelShape(shape: (number | null)[]): number[] {
    return [this.kernelSize[0], this.kernelSize[1], shape[3]!, this.filters];
  }

  protected outputChannels(): number {
    return this.filters;
  }

  protected linear(x: tf.Tensor, w: tf.Tensor): tf.Tensor {
    return tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, this.convStrides(), 'same');
  }

  protected linearOutputShape(shape: (number | null)[]): (number | null)[] {
    const [sh, sw] = this.convStrides();
    const out = (n: number | null | undefined, s: number) => (n == null ? null : Math.ceil(n / s));
    return [shape[0] ?? null, out(shape[1], sh), out(shape[2], sw), this.filters];
  }

  protected plainLayer(activation: string | undefined): tfl.layers.Layer {
    return tfl.layers.conv2d({
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.convStrides(),
      padding: 'same',
      activation: activation as 'relu',
      useBias: this.useBias,
      name: this.name,
    });
  }
}
