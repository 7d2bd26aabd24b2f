import * as tf from '@tensorflow/tfjs-core';
import {
  normalizerConfig,
  reshapedKernelOrthogonalization,
  resolveNormalizerOptions,
  type NormalizerOptions,
  type ResolvedNormalizerOptions,
} from '@lipnet/constraints';
import { ReparametrizedDense } from './reparametrized-dense';
import type { NormalizedKernel, ReparametrizedLayerArgs } from './reparametrized-layer';
import { LipnetOptionError, opt } from '@lipnet/core';
import { layerOptions, REPARAMETRIZED_SCHEMA, NORMALIZER_SCHEMA } from './layer-options';

/** Arguments of {@link SpectralDense}. */
export interface SpectralDenseArgs extends ReparametrizedLayerArgs, NormalizerOptions {
  /** Number of outputs (≥ 1). */
  units: number;
}

/** The options of SpectralDense, declared once. */
const OPTIONS = layerOptions('SpectralDense', {
  ...REPARAMETRIZED_SCHEMA,
  ...NORMALIZER_SCHEMA,
  units: opt.integer({ min: 1 }).required(),
});

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
export class SpectralDense extends ReparametrizedDense {
  static className = 'SpectralDense';
  readonly units: number;
  readonly normalizer: ResolvedNormalizerOptions;

  constructor(args: SpectralDenseArgs) {
    super(args);
    OPTIONS.parse(args, this.getClassName());
    if (args === undefined || args === null) {
      throw new LipnetOptionError({
        code: 'MISSING_OPTION',
        who: 'SpectralDense',
        option: 'units',
        message: 'missing arguments. Pass {units: n}.',
      });
    }
    this.units = args.units;
    this.normalizer = resolveNormalizerOptions('SpectralDense', args);
  }

  protected override get hasPowerIteration(): boolean {
    return true;
  }

  protected normalize(kernel: tf.Tensor, u: tf.Tensor2D | null): NormalizedKernel {
    return reshapedKernelOrthogonalization(kernel, u, {
      ...normalizerConfig(this.normalizer),
      adjustmentCoef: this.lipCoef(),
    });
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
