import * as tf from '@tensorflow/tfjs-core';
import {
  normalizerConfig,
  reshapedKernelOrthogonalization,
  type DeelLipVersion,
  type ResolvedNormalizerOptions,
} from '@lipnet/constraints';
import { ReparametrizedConv2D } from '../reparametrized-conv2d';
import type { NormalizedKernel } from '../reparametrized-layer';

/**
 * The part SpectralConv2D, SpectralConv1D and SpectralConv2DTranspose share: the reshaped kernel
 * (kh·kw·C_in) × filters is orthonormalised by RKO (power iteration on `u` + Björck, with the layer's
 * normaliser options) and multiplied by `lipCoef()`, the factor `convNormalization` chooses.
 * deel-lip: `reshaped_kernel_orthogonalization` in `SpectralConv2D.build`/`call`.
 */
export abstract class RkoConv extends ReparametrizedConv2D {
  abstract readonly strides: [number, number];
  /** The normaliser's options (power-iteration and Björck settings, deel-lip version), resolved once. */
  abstract readonly normalizer: ResolvedNormalizerOptions;

  protected override get hasPowerIteration(): boolean {
    return true;
  }

  protected convStrides(): [number, number] {
    return this.strides;
  }

  protected coefDeelLipVersion(): DeelLipVersion {
    return this.normalizer.deelLipVersion;
  }

  /** W̄ = lipCoef · RKO(W): Björck on the power-iteration-scaled reshaped kernel. */
  protected normalize(kernel: tf.Tensor, u: tf.Tensor2D | null): NormalizedKernel {
    return reshapedKernelOrthogonalization(kernel, u, {
      ...normalizerConfig(this.normalizer),
      adjustmentCoef: this.lipCoef(),
    });
  }
}
