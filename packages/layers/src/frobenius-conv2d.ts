import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  LipnetConfigError,
  assertInteger,
  convLipschitzCoefficient,
  fmt,
  frobeniusNormalization,
  type ConvLipCoefMode,
  type DeelLipVersion,
} from '@lipnet/constraints';
import { ReparametrizedLayer, type NormalizedKernel, type ReparametrizedLayerArgs } from './reparametrized-layer';
import { checkConvInput, checkConvOptions, pair } from './conv-args';

/** Arguments of {@link FrobeniusConv2D}. */
export interface FrobeniusConv2DArgs extends ReparametrizedLayerArgs {
  /** Number of output channels (≥ 1). */
  filters: number;
  /** Odd kernel size, `k` or `[kh, kw]`. */
  kernelSize: number | [number, number];
  /** Only 1 (deel-lip raises on strides). */
  strides?: number | [number, number];
  /** Only 'same'. */
  padding?: 'same';
  /** Only 1. */
  dilationRate?: number | [number, number];
  /** Only 'channelsLast'. */
  dataFormat?: 'channelsLast';
  /** `'deel-lip'` (default) or `'strict'` conv coefficient (see SpectralConv2D). */
  convLipCoef?: ConvLipCoefMode;
  /** Selects the deel-lip conv-coefficient formula; stride is 1 here so both agree. Default '1.5'. */
  deelLipVersion?: DeelLipVersion;
}

/**
 * 2-D convolution ('same', stride 1) with W̄ = k·coef·W/‖W‖_F (σ_max of the
 * reshaped kernel ≤ ‖W‖_F = 1, so a ≤ k bound without power iteration or
 * Björck; coef as in SpectralConv2D). deel-lip: `deel.lip.layers.FrobeniusConv2D`.
 *
 * @example
 * frobeniusConv2d({filters: 8, kernelSize: 3, inputShape: [14, 14, 4]});
 */
export class FrobeniusConv2D extends ReparametrizedLayer {
  static className = 'FrobeniusConv2D';
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly convLipCoef: ConvLipCoefMode;
  readonly deelLipVersion: DeelLipVersion;
  protected convCoef: number | null = null;

  constructor(args: FrobeniusConv2DArgs) {
    super(args);
    const owner = 'FrobeniusConv2D';
    assertInteger(owner, 'filters', args.filters, 1, 'Pass an integer ≥ 1.');
    this.filters = args.filters;
    this.kernelSize = pair(owner, 'kernelSize', args.kernelSize, 'Pass an odd size such as 3 or [3, 3].');
    const strides = pair(owner, 'strides', args.strides ?? 1, 'Pass 1.');
    if (strides[0] !== 1 || strides[1] !== 1) {
      throw new LipnetConfigError(`FrobeniusConv2D: \`strides\` must be 1, got ${fmt(args.strides)} (deel-lip raises too). Use SpectralConv2D for strided convolutions.`);
    }
    checkConvOptions(owner, { padding: args.padding, kernelSize: this.kernelSize, dilationRate: args.dilationRate, dataFormat: args.dataFormat });
    this.convLipCoef = args.convLipCoef ?? 'deel-lip';
    if (this.convLipCoef !== 'deel-lip' && this.convLipCoef !== 'strict') {
      throw new LipnetConfigError(`FrobeniusConv2D: expected \`convLipCoef\` 'deel-lip' or 'strict', got ${fmt(this.convLipCoef)}. Pass one of them.`);
    }
    this.deelLipVersion = args.deelLipVersion ?? '1.5';
  }

  protected override validateInputShape(shape: (number | null)[]): void {
    const [h, w] = checkConvInput('FrobeniusConv2D', shape);
    this.convCoef = convLipschitzCoefficient({ kernelSize: this.kernelSize, inputSize: [h, w], deelLipVersion: this.deelLipVersion, mode: this.convLipCoef });
  }

  protected override layerCoef(): number {
    if (this.convCoef === null) {
      throw new LipnetConfigError(`FrobeniusConv2D: '${this.name}' is not built yet, so its conv coefficient is unknown. Call the layer on an input first.`);
    }
    return this.convCoef;
  }

  protected kernelShape(shape: (number | null)[]): number[] {
    return [this.kernelSize[0], this.kernelSize[1], shape[3]!, this.filters];
  }

  protected outputChannels(): number {
    return this.filters;
  }

  protected normalize(kernel: tf.Tensor): NormalizedKernel {
    return tf.tidy(() => ({ w: tf.mul(frobeniusNormalization(kernel), this.lipCoef()) }));
  }

  protected linear(x: tf.Tensor, w: tf.Tensor): tf.Tensor {
    return tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same');
  }

  protected linearOutputShape(shape: (number | null)[]): (number | null)[] {
    return [shape[0] ?? null, shape[1] ?? null, shape[2] ?? null, this.filters];
  }

  protected plainLayer(activation: string | undefined): tfl.layers.Layer {
    return tfl.layers.conv2d({ filters: this.filters, kernelSize: this.kernelSize, padding: 'same', activation: activation as 'relu', useBias: this.useBias, name: this.name });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: [1, 1],
      padding: 'same',
      convLipCoef: this.convLipCoef,
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
