import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  LipnetConfigError,
  assertInteger,
  fmt,
  normalizerConfig,
  reshapedKernelOrthogonalization,
  resolveNormalizerOptions,
  type NormalizerOptions,
  type ResolvedNormalizerOptions,
} from '@lipnet/constraints';
import { ReparametrizedLayer, type NormalizedKernel, type ReparametrizedLayerArgs } from './reparametrized-layer';

/** Arguments of {@link SpectralDense}. */
export interface SpectralDenseArgs extends ReparametrizedLayerArgs, NormalizerOptions {
  /** Number of outputs (≥ 1). */
  units: number;
}

/**
 * Dense layer with an orthogonal, k-Lipschitz kernel: y = x·W̄ + b with
 * W̄ = k · Björck(W / σ_max(W)) (reshaped kernel orthogonalisation, all singular
 * values = k), recomputed from the raw W in every training call and cached for
 * inference (see {@link ReparametrizedLayer}). Defaults of deel-lip 1.5
 * (`epsSpectral`, `epsBjorck` = 1e-3, `maxIterSpectral` = 10, `maxIterBjorck` = 15,
 * `betaBjorck` = 0.5), or `deelLipVersion: '1.2'` for 1.2.0 (`niterSpectral` = 3,
 * `niterBjorck` = 15, β = 0.25). Non-trainable weights: `u` [1, units] and `sig` [1, 1].
 * deel-lip: `deel.lip.layers.SpectralDense` (Serrurier et al., CVPR 2021; Anil et al., ICML 2019).
 *
 * @example
 * const layer = spectralDense({units: 64, activation: new GroupSort({n: 2}), inputShape: [1568]});
 */
export class SpectralDense extends ReparametrizedLayer {
  static className = 'SpectralDense';
  readonly units: number;
  readonly normalizer: ResolvedNormalizerOptions;

  constructor(args: SpectralDenseArgs) {
    super(args);
    if (args === undefined || args === null) {
      throw new LipnetConfigError('SpectralDense: missing arguments. Pass {units: n}.');
    }
    assertInteger('SpectralDense', 'units', args.units, 1, 'Pass an integer ≥ 1.');
    this.units = args.units;
    this.normalizer = resolveNormalizerOptions('SpectralDense', args);
  }

  protected override get hasPowerIteration(): boolean {
    return true;
  }

  protected override validateInputShape(shape: (number | null)[]): void {
    const last = shape[shape.length - 1];
    if (!(typeof last === 'number' && last > 0)) {
      throw new LipnetConfigError(`SpectralDense: the last input dimension must be known, got input shape ${fmt(shape)}. Pass inputShape: [features].`);
    }
  }

  protected kernelShape(shape: (number | null)[]): number[] {
    return [shape[shape.length - 1]!, this.units];
  }

  protected outputChannels(): number {
    return this.units;
  }

  protected normalize(kernel: tf.Tensor, u: tf.Tensor2D | null): NormalizedKernel {
    return reshapedKernelOrthogonalization(kernel, u, { ...normalizerConfig(this.normalizer), adjustmentCoef: this.lipCoef() });
  }

  protected linear(x: tf.Tensor, w: tf.Tensor): tf.Tensor {
    if (x.rank === 2) return tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D);
    const lead = x.shape.slice(0, -1);
    return tf.reshape(tf.matMul(tf.reshape(x, [-1, x.shape[x.rank - 1]!]) as tf.Tensor2D, w as tf.Tensor2D), [...lead, this.units]);
  }

  protected linearOutputShape(shape: (number | null)[]): (number | null)[] {
    return [...shape.slice(0, -1), this.units];
  }

  protected plainLayer(activation: string | undefined): tfl.layers.Layer {
    return tfl.layers.dense({ units: this.units, activation: activation as 'relu', useBias: this.useBias, name: this.name });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { units: this.units, ...normalizerConfig(this.normalizer), ...this.baseConfig() };
  }
}
tf.serialization.registerClass(SpectralDense);

/** Factory for {@link SpectralDense}. */
export function spectralDense(args: SpectralDenseArgs): SpectralDense {
  return new SpectralDense(args);
}
