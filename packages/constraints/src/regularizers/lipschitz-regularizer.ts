import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

// tfjs-layers does not export its `Regularizer` base class, and `getRegularizer` only
// accepts `instanceof Regularizer`; reach it through a built-in subclass (L1L2).
const TflRegularizer = Object.getPrototypeOf(tfl.regularizers.l1().constructor) as typeof tf.serialization.Serializable;

/**
 * Base of the @lipnet weight regularizers: a serialisable tfjs-layers `Regularizer`
 * (`apply(w) → scalar penalty`, `getConfig`, `className`), usable as `kernelRegularizer`
 * of any tfjs layer (and of the @lipnet reparametrised layers), whose penalty `fit` adds
 * to the loss. deel-lip: `tf.keras.regularizers.Regularizer` subclasses in `deel.lip.regularizers`.
 */
export abstract class LipschitzRegularizer extends TflRegularizer {
  /** The penalty for the weights `w` (a scalar, differentiable in `w`). */
  abstract apply(w: tf.Tensor): tf.Scalar;
}
