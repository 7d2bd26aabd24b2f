import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { convLipschitzCoefficient, type ConvLipCoefMode, type DeelLipVersion } from '@lipnet/constraints';
import { ReparametrizedLayer, type ReparametrizedLayerArgs } from './reparametrized-layer';
import { checkConvInput } from './conv-args';
import { LipnetInputError } from '@lipnet/core';

/** Arguments shared by the reparametrised convolutions ({@link SpectralConv2D}, {@link FrobeniusConv2D}). */
export interface ReparametrizedConv2DArgs extends ReparametrizedLayerArgs {
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
  /**
   * Conv coefficient: `'deel-lip'` (default; deel-lip's formula for the chosen
   * `deelLipVersion`) or `'strict'` (1/√(⌈kh/sh⌉⌈kw/sw⌉), a guaranteed bound).
   * See `convLipschitzCoefficient` in @lipnet/constraints.
   */
  convLipCoef?: ConvLipCoefMode;
}

/**
 * Common base of the reparametrised 2-D convolutions ({@link SpectralConv2D},
 * {@link FrobeniusConv2D}): `y = conv2d(x, W̄, strides, 'same') + b`, NHWC, with a kernel
 * W ∈ ℝ^{kh × kw × C_in × filters} whose normalisation W̄ the subclass gives (`normalize`),
 * multiplied by k × the conv coefficient (deel-lip `_compute_conv_lip_factor`, see
 * `convLipschitzCoefficient` in @lipnet/constraints) found at build time from the input size.
 * Holds the input check, the coefficient, the kernel shape, the convolution, the output shape
 * `(b, ⌈H/sh⌉, ⌈W/sw⌉, filters)` and the plain `tf.layers.conv2d` of `vanillaExport()`.
 * Subclasses declare and set `filters`, `kernelSize`, `convLipCoef`, and give
 * {@link convStrides} and {@link coefDeelLipVersion}.
 */
export abstract class ReparametrizedConv2D extends ReparametrizedLayer {
  /** Number of output channels (≥ 1). */
  abstract readonly filters: number;
  /** Odd kernel size [kh, kw]. */
  abstract readonly kernelSize: [number, number];
  /** `'deel-lip'` or `'strict'` conv coefficient. */
  abstract readonly convLipCoef: ConvLipCoefMode;
  /** Conv coefficient computed at build time from the input size. */
  protected convCoef: number | null = null;

  /** Strides [sh, sw] of the convolution. */
  protected abstract convStrides(): [number, number];

  /** deel-lip version whose conv-coefficient formula is used. */
  protected abstract coefDeelLipVersion(): DeelLipVersion;

  protected override validateInputShape(shape: (number | null)[]): void {
    const [h, w] = checkConvInput(this.getClassName(), shape);
    this.convCoef = convLipschitzCoefficient({
      kernelSize: this.kernelSize,
      strides: this.convStrides(),
      inputSize: [h, w],
      deelLipVersion: this.coefDeelLipVersion(),
      mode: this.convLipCoef,
    });
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
