import * as tf from '@tensorflow/tfjs-core';
import { frobeniusNormalization, frobeniusNormalizationPerNeuron } from '@lipnet/constraints';
import { ReparametrizedDense } from './reparametrized-dense';
import type { NormalizedKernel, ReparametrizedLayerArgs } from './reparametrized-layer';
import { LipnetOptionError, formatValue, opt } from '@lipnet/core';
import { layerOptions, REPARAMETRIZED_SCHEMA } from './layer-options';

/** Arguments of {@link FrobeniusDense}. */
export interface FrobeniusDenseArgs extends ReparametrizedLayerArgs {
  /** Number of outputs (≥ 1). */
  units: number;
  /**
   * true (default, as deel-lip): each output column is scaled to norm k, so each
   * output is k-Lipschitz on its own (the notebook's 10 one-vs-all heads;
   * certificates divide the margin by 2). false: the whole kernel is scaled to
   * Frobenius norm k (σ_max ≤ k for the whole layer).
   */
  disjointNeurons?: boolean;
}

/** The options of FrobeniusDense, declared once. */
const OPTIONS = layerOptions('FrobeniusDense', {
  ...REPARAMETRIZED_SCHEMA,
  units: opt.integer({ min: 1 }).required(),
  disjointNeurons: opt.boolean(),
});

/**
 * Dense layer y = x·W̄ + b with W̄ = k·W[:, j]/‖W[:, j]‖₂ per output neuron
 * (`disjointNeurons: true`, default) or W̄ = k·W/‖W‖_F. Cheap (no power
 * iteration), exact for a single output. Computed in `call()` and cached for
 * inference like the spectral layers. deel-lip: `deel.lip.layers.FrobeniusDense`.
 *
 * @example
 * frobeniusDense({units: 10, useBias: false}); // the notebook's output layer
 */
export class FrobeniusDense extends ReparametrizedDense {
  static className = 'FrobeniusDense';
  readonly units: number;
  readonly disjointNeurons: boolean;

  constructor(args: FrobeniusDenseArgs) {
    super(args);
    OPTIONS.parse(args, this.getClassName());
    this.units = args.units;
    this.disjointNeurons = args.disjointNeurons ?? true;
    if (typeof this.disjointNeurons !== 'boolean') {
      throw new LipnetOptionError({
        code: 'INVALID_OPTION',
        who: 'FrobeniusDense',
        option: 'disjointNeurons',
        message: `expected \`disjointNeurons\` to be a boolean, got ${formatValue(this.disjointNeurons)}. Pass true or false.`,
      });
    }
  }

  protected normalize(kernel: tf.Tensor): NormalizedKernel {
    return tf.tidy(() => {
      const n = this.disjointNeurons ? frobeniusNormalizationPerNeuron(kernel) : frobeniusNormalization(kernel);
      return { w: tf.mul(n, this.lipCoef()) };
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { units: this.units, disjointNeurons: this.disjointNeurons, ...this.baseConfig() };
  }
}
tf.serialization.registerClass(FrobeniusDense);

/** Factory for {@link FrobeniusDense}. */
export function frobeniusDense(args: FrobeniusDenseArgs): FrobeniusDense {
  return new FrobeniusDense(args);
}
