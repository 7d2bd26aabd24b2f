import * as tf from '@tensorflow/tfjs-core';
import { ScaledWindowPooling2D, type ScaledWindowPooling2DArgs } from './scaled-window-pooling2d';

/** Arguments of {@link ScaledAveragePooling2D}: those of {@link ScaledWindowPooling2DArgs}. */
export type ScaledAveragePooling2DArgs = ScaledWindowPooling2DArgs;

/**
 * Average pooling rescaled to be `kCoefLip`-Lipschitz:
 * `y = k · √(ph·pw) · avgpool(x)` with non-overlapping `ph×pw` windows and valid padding,
 * i.e. `k · (Σ_window x) / √(ph·pw)`. The averaging operator has norm 1/√(ph·pw)
 * (each output is a window mean, windows are disjoint), so the layer is exactly
 * `kCoefLip`-Lipschitz. deel-lip: `deel.lip.layers.ScaledAveragePooling2D(pool_size=(2,2))`
 * (strides must equal pool_size, padding 'valid').
 *
 * @example
 * scaledAveragePooling2D({poolSize: 2}).apply(ones([1, 2, 2, 1]))  // [[[[2]]]] (= 4 / √4)
 */
export class ScaledAveragePooling2D extends ScaledWindowPooling2D {
  static className = 'ScaledAveragePooling2D';

  constructor(args: ScaledAveragePooling2DArgs = {}) {
    super(args);
  }

  /** `k · √(ph·pw) · avgpool(x)`: √(ph·pw) undoes the 1/√(ph·pw) norm of averaging. */
  protected pool(x: tf.Tensor4D): tf.Tensor {
    const coef = this.kCoefLip * Math.sqrt(this.poolSize[0] * this.poolSize[1]);
    return tf.mul(tf.avgPool(x, this.poolSize, this.poolSize, 'valid'), tf.scalar(coef));
  }
}
tf.serialization.registerClass(ScaledAveragePooling2D);

/** Factory for {@link ScaledAveragePooling2D}. */
export function scaledAveragePooling2D(args: ScaledAveragePooling2DArgs = {}): ScaledAveragePooling2D {
  return new ScaledAveragePooling2D(args);
}
