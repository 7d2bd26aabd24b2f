import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { LipnetConfigError, assertInteger, fmt, frobeniusNormalization, frobeniusNormalizationPerNeuron } from '@lipnet/constraints';
import { ReparametrizedLayer, type NormalizedKernel, type ReparametrizedLayerArgs } from './reparametrized-layer';

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

/**
 * Dense layer y = x·W̄ + b with W̄ = k·W[:, j]/‖W[:, j]‖₂ per output neuron
 * (`disjointNeurons: true`, default) or W̄ = k·W/‖W‖_F. Cheap (no power
 * iteration), exact for a single output. Computed in `call()` and cached for
 * inference like the spectral layers. deel-lip: `deel.lip.layers.FrobeniusDense`.
 *
 * @example
 * frobeniusDense({units: 10, useBias: false}); // the notebook's output layer
 */
export class FrobeniusDense extends ReparametrizedLayer {
  static className = 'FrobeniusDense';
  readonly units: number;
  readonly disjointNeurons: boolean;

  constructor(args: FrobeniusDenseArgs) {
    super(args);
    assertInteger('FrobeniusDense', 'units', args.units, 1, 'Pass an integer ≥ 1.');
    this.units = args.units;
    this.disjointNeurons = args.disjointNeurons ?? true;
    if (typeof this.disjointNeurons !== 'boolean') {
      throw new LipnetConfigError(`FrobeniusDense: expected \`disjointNeurons\` to be a boolean, got ${fmt(this.disjointNeurons)}. Pass true or false.`);
    }
  }

  protected override validateInputShape(shape: (number | null)[]): void {
    const last = shape[shape.length - 1];
    if (!(typeof last === 'number' && last > 0)) {
      throw new LipnetConfigError(`FrobeniusDense: the last input dimension must be known, got input shape ${fmt(shape)}. Pass inputShape: [features].`);
    }
  }

  protected kernelShape(shape: (number | null)[]): number[] {
    return [shape[shape.length - 1]!, this.units];
  }

  protected outputChannels(): number {
    return this.units;
  }

  protected normalize(kernel: tf.Tensor): NormalizedKernel {
    return tf.tidy(() => {
      const n = this.disjointNeurons ? frobeniusNormalizationPerNeuron(kernel) : frobeniusNormalization(kernel);
      return { w: tf.mul(n, this.lipCoef()) };
    });
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
    return { units: this.units, disjointNeurons: this.disjointNeurons, ...this.baseConfig() };
  }
}
tf.serialization.registerClass(FrobeniusDense);

/** Factory for {@link FrobeniusDense}. */
export function frobeniusDense(args: FrobeniusDenseArgs): FrobeniusDense {
  return new FrobeniusDense(args);
}
