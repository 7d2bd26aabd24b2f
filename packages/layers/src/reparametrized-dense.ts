import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import { ReparametrizedLayer } from './reparametrized-layer';
import { LipnetInputError, formatValue } from '@lipnet/core';

/**
 * Common base of the reparametrised dense layers ({@link SpectralDense},
 * {@link FrobeniusDense}): the affine map `y = x·W̄ + b` on the last axis, with a kernel
 * W ∈ ℝ^{features × units} whose normalisation W̄ the subclass gives (`normalize`).
 * Holds the input check (last dimension known), the kernel shape, the matrix product
 * (inputs of rank > 2 are flattened to 2-D and back), the output shape and the plain
 * `tf.layers.dense` of `vanillaExport()` (deel-lip's `vanilla_export` to `Dense`).
 * Subclasses declare and set `units`.
 */
export abstract class ReparametrizedDense extends ReparametrizedLayer {
  /** Number of outputs (≥ 1). */
  abstract readonly units: number;

  protected override validateInputShape(shape: (number | null)[]): void {
    const last = shape[shape.length - 1];
    if (!(typeof last === 'number' && last > 0)) {
      throw new LipnetInputError({
        code: 'INVALID_SHAPE',
        who: this.getClassName(),
        option: 'input',
        message: `the last input dimension must be known, got input shape ${formatValue(shape)}. Pass inputShape: [features].`,
      });
    }
  }

  protected kernelShape(shape: (number | null)[]): number[] {
    return [shape[shape.length - 1]!, this.units];
  }

  protected outputChannels(): number {
    return this.units;
  }

  protected linear(x: tf.Tensor, w: tf.Tensor): tf.Tensor {
    if (x.rank === 2) return tf.matMul(x, w);
    const lead = x.shape.slice(0, -1);
    return tf.reshape(tf.matMul(tf.reshape(x, [-1, x.shape[x.rank - 1]!]) as tf.Tensor2D, w as tf.Tensor2D), [
      ...lead,
      this.units,
    ]);
  }

  protected linearOutputShape(shape: (number | null)[]): (number | null)[] {
    return [...shape.slice(0, -1), this.units];
  }

  protected plainLayer(activation: string | undefined): tfl.layers.Layer {
    return tfl.layers.dense({
      units: this.units,
      activation: activation as 'relu',
      useBias: this.useBias,
      name: this.name,
    });
  }
}
