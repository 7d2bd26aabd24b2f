import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  certifiedConvNorm,
  convLipschitzCoefficient,
  circularSpectrum,
  convMaps,
  convOutputAndPadding,
  dilatedKernel,
  strictConvCoefficient,
  type Conv2DGeometry,
  type ConvMaps,
  type ConvPadding,
  type DeelLipVersion,
} from '@lipnet/constraints';
import { LipnetInputError } from '@lipnet/core';
import { ReparametrizedLayer, type ReparametrizedLayerArgs } from './reparametrized-layer';
import { checkConvInput } from './conv-args';
import { PadConv2D } from './conv/pad-conv';
import type { ConvNormalizationArgs, ResolvedConvNormalization } from './conv-normalization';
import { ExactOperatorNormalizer, type ExactNormSpec, type ExportCertificate } from './exact-operator-normalizer';

/** Arguments shared by the reparametrised convolutions ({@link SpectralConv2D}, {@link FrobeniusConv2D}, …). */
export interface ReparametrizedConv2DArgs extends ReparametrizedLayerArgs, ConvNormalizationArgs {
  /** Number of output channels (≥ 1). */
  filters: number;
  /** Kernel size, `k` or `[kh, kw]` (odd unless padding is 'valid'). */
  kernelSize: number | [number, number];
  /**
   * 'same' (default, deel-lip's only one), 'valid', or deel-lip `PadConv2D` / deel-torchlip `padding_mode`
   * padding of ⌊k/2⌋ pixels: 'constant' (zeros), 'reflect', 'symmetric', 'replicate', 'circular'.
   * Each mode gets its own proven 'strict' factor (see `strictConvCoefficient` in @lipnet/constraints).
   */
  padding?: ConvPadding;
  /** Dilation `d` or `[dh, dw]`, with strides 1 (tfjs refuses both). Default 1. */
  dilationRate?: number | [number, number];
  /** Only 'channelsLast'. */
  dataFormat?: 'channelsLast';
}

/**
 * Common base of the reparametrised convolutions ({@link SpectralConv2D}, {@link FrobeniusConv2D},
 * `SpectralConv2DTranspose`, `SpectralConv1D`): `y = A(W̄) x + b`, NHWC, where A is the convolution of a
 * `Conv2DGeometry` (@lipnet/constraints: padding, strides, dilation; a transposed convolution is the
 * adjoint of one) built at build time from the input size, and W̄ the subclass' normalised kernel
 * (`normalize`) scaled as `convNormalization` says (see `ConvNormalization`): × k × the proven factor
 * ('strict': `strictConvCoefficient`, 1/√(⌈kh/sh⌉⌈kw/sw⌉) for zero padding), × k × deel-lip's
 * `_compute_conv_lip_factor` ('deel-lip', 'same' padding only; see `convLipschitzCoefficient`), or
 * × k/‖A_V‖₂ on the input size ('exact', {@link ExactOperatorNormalizer}).
 * Holds the input check, the coefficient, the geometry, the convolution, the output shape and the plain
 * layer of `vanillaExport()`. Subclasses declare `filters`, `kernelSize`, `padding`, `convNorm`, and give
 * {@link convStrides} and {@link coefDeelLipVersion}; transposed and 1-D layers override the hooks below.
 */
export abstract class ReparametrizedConv2D extends ReparametrizedLayer {
  /** Number of output channels (≥ 1). */
  abstract readonly filters: number;
  /** Kernel size [kh, kw]. */
  abstract readonly kernelSize: [number, number];
  /** Padding of the convolution. */
  abstract readonly padding: ConvPadding;
  /** The conv normalisation and, for 'exact', its power-iteration options. */
  protected abstract readonly convNorm: ResolvedConvNormalization;
  /** Conv coefficient computed at build time from the input size (1 with 'exact'). */
  protected convCoef: number | null = null;
  /** The convolution (for a transposed layer: the convolution it is the adjoint of), set at build time. */
  protected geometry: Conv2DGeometry | null = null;
  private maps: ConvMaps | null = null;
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

  /** Dilation [dh, dw] of the convolution. Default [1, 1]. */
  protected convDilation(): [number, number] {
    return [1, 1];
  }

  /** deel-lip version whose conv-coefficient formula is used. */
  protected abstract coefDeelLipVersion(): DeelLipVersion;

  /** Whether the layer is the transposed convolution of its geometry (y = Aᵀx). Default false. */
  protected get transposed(): boolean {
    return false;
  }

  /** [h, w, cin] of the layer's input (a 1-D layer reads [length, cin] as [1, length, cin]). */
  protected spatialInput(shape: (number | null)[]): [number, number, number] {
    return checkConvInput(this.getClassName(), shape);
  }

  /** The layer's input as NHWC (1-D layers add the height axis). */
  protected toNHWC(x: tf.Tensor): tf.Tensor4D {
    return x as tf.Tensor4D;
  }

  /** The NHWC output back in the layer's layout. */
  protected fromNHWC(y: tf.Tensor): tf.Tensor {
    return y;
  }

  /** The layer's kernel as a conv2d kernel [kh, kw, cin, cout] of the geometry. */
  protected kernel4d(w: tf.Tensor): tf.Tensor4D {
    return w as tf.Tensor4D;
  }

  /** The geometry for an input of [h, w, cin] (a transposed layer returns the convolution it is the adjoint of). */
  protected convGeometry(h: number, w: number, cin: number): Conv2DGeometry {
    const [kh, kw] = this.kernelSize;
    const g = { inH: h, inW: w, kh, kw, cin, cout: this.filters, padding: this.padding };
    return { ...g, strides: this.convStrides(), dilation: this.convDilation() };
  }

  /** The proven 'strict' factor of the geometry (see `strictConvCoefficient`). */
  protected strictCoefficient(g: Conv2DGeometry): number {
    return strictConvCoefficient(g);
  }

  protected override validateInputShape(shape: (number | null)[]): void {
    const [h, w, cin] = this.spatialInput(shape);
    const g = this.convGeometry(h, w, cin);
    this.maps = convMaps(g); // checks that the input is large enough for the kernel and padding
    this.geometry = g;
    const { mode, exact } = this.convNorm;
    if (exact) {
      this.convCoef = 1;
      this.exact = new ExactOperatorNormalizer(this.exactSpec(g, [h, w, cin]), exact);
      return;
    }
    this.convCoef =
      mode === 'strict'
        ? this.strictCoefficient(g)
        : convLipschitzCoefficient({
            kernelSize: this.kernelSize,
            strides: this.convStrides(),
            inputSize: [h, w],
            deelLipVersion: this.coefDeelLipVersion(),
          });
  }

  /** The layer's linear map x ↦ A(W)x (no bias) in its own layout. */
  private apply4d(x: tf.Tensor, w: tf.Tensor): tf.Tensor {
    const m = this.maps!;
    const x4 = this.toNHWC(x);
    const w4 = this.kernel4d(w);
    return this.fromNHWC(this.transposed ? m.adjoint(x4, w4) : m.forward(x4, w4));
  }

  /** The layer's adjoint map in its own layout (for 'exact'). */
  private adjoint4d(y: tf.Tensor, w: tf.Tensor): tf.Tensor {
    const m = this.maps!;
    const y4 = this.toNHWC(y);
    const w4 = this.kernel4d(w);
    return this.fromNHWC(this.transposed ? m.forward(y4, w4) : m.adjoint(y4, w4));
  }

  /** What 'exact' needs: the layer's map on its input size, its adjoint, and its certified norm. */
  private exactSpec(g: Conv2DGeometry, input: [number, number, number]): ExactNormSpec {
    const inputShape = this.fromNHWCShape([1, ...input]);
    const spectrum = this.transposed ? null : circularSpectrum(g);
    return {
      inputShape,
      operator: {
        forward: (x, w) => tf.tidy(() => this.apply4d(x, w)),
        adjoint: (y, w) => tf.tidy(() => this.adjoint4d(y, w)),
      },
      // ‖Aᵀ‖ = ‖A‖: a transposed layer is certified through its convolution, on the same kernel values
      certify: (kernel: Float32Array, estimate: number, target: number) =>
        certifiedConvNorm(kernel, g, { estimate, target }),
      // ‖A_E‖₂ ≤ √(reads per input pixel)·‖E‖_F (the 'strict' argument, with the padding's own count)
      frobeniusFactor: this.transposed ? Math.sqrt(g.kh * g.kw) : 1 / strictConvCoefficient(g),
      // circular padding: its DFT blocks where the strides divide the size (exact); else the Fourier
      // modes are still eigenvectors of every kernel's AᵀA (see restartNoise)
      spectrum,
      restartNoise: g.padding === 'circular' && !spectrum ? 1e-2 : 0,
    };
  }

  /** An NHWC shape in the layer's layout (1-D layers drop the height axis). */
  protected fromNHWCShape(shape: number[]): number[] {
    return shape;
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
    return this.apply4d(x, w);
  }

  protected linearOutputShape(shape: (number | null)[]): (number | null)[] {
    const [h, w, cin] = this.spatialInput(shape);
    const g = this.geometry ?? this.convGeometry(h, w, cin);
    const { outH, outW } = convOutputAndPadding(g);
    const out = this.transposed ? [g.inH, g.inW] : [outH, outW];
    return [shape[0] ?? null, ...this.fromNHWCShape([1, out[0]!, out[1]!, this.filters]).slice(1)];
  }

  /** Whether the export is a plain tfjs convolution with the dilation spread into the kernel (see {@link exportKernel}). */
  protected get spreadExport(): boolean {
    return (this.padding === 'same' || this.padding === 'valid') && this.convDilation().some((d) => d > 1);
  }

  /**
   * A dilated 'same'/'valid' convolution exports as the undilated one of kernel (k − 1)·d + 1 with zeros between
   * the taps (the same map): tfjs has no gradient for dilated `conv2d`, so a plain dilated Conv2D could not be
   * attacked or fine-tuned.
   */
  protected override exportKernel(w: tf.Tensor): tf.Tensor {
    if (!this.spreadExport) return w;
    const [dh, dw] = this.convDilation();
    return tf.tidy(() => {
      const spread = dilatedKernel(this.kernel4d(w), dh, dw);
      return w.rank === 3 ? tf.squeeze(spread, [0]) : spread;
    });
  }

  /** The kernel size of the export ((k − 1)·d + 1 when the dilation is spread into it). */
  protected exportKernelSize(): [number, number] {
    const [dh, dw] = this.spreadExport ? this.convDilation() : [1, 1];
    return [(this.kernelSize[0] - 1) * dh + 1, (this.kernelSize[1] - 1) * dw + 1];
  }

  protected plainLayer(activation: string | undefined): tfl.layers.Layer {
    const explicit = this.padding !== 'same' && this.padding !== 'valid';
    if (explicit) return this.paddedPlainLayer(activation);
    return tfl.layers.conv2d({
      filters: this.filters,
      kernelSize: this.exportKernelSize(),
      strides: this.convStrides(),
      padding: this.padding,
      activation: activation as 'relu',
      useBias: this.useBias,
      name: this.name,
    });
  }

  /** The plain layer of an explicit padding mode: @lipnet `PadConv2D` (deel-lip's export too). */
  protected paddedPlainLayer(activation: string | undefined): tfl.layers.Layer {
    return new PadConv2D({
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.convStrides(),
      dilationRate: this.convDilation(),
      padding: this.padding,
      activation: activation ?? null,
      useBias: this.useBias,
      name: this.name,
    });
  }
}
