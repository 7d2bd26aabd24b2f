import * as tf from '@tensorflow/tfjs-core';
import { LipnetInputError, checkTensor, defineOptions, formatShape, opt } from '@lipnet/core';
import { LipschitzRegularizer } from './lipschitz-regularizer';

/** Arguments of {@link OrthDenseRegularizer}. */
export interface OrthDenseRegularizerArgs {
  /** Weight λ ≥ 0 of the penalty. Default 1. */
  lambdaOrth?: number;
}

/** The options of {@link OrthDenseRegularizer}, declared once (tfjs' deserialiser adds `customObjects`). */
const ORTH_DENSE_OPTIONS = defineOptions(
  'OrthDenseRegularizer',
  { lambdaOrth: opt.number({ min: 0 }).describedAs('a finite number ≥ 0', 'Pass e.g. 1.').default(1) },
  { passthrough: ['customObjects'] },
);

/**
 * Penalty pushing a Dense kernel `W` (`[in, out]`) towards orthogonality (all singular values 1):
 * `λ · ‖G − I‖_F²` with the smaller Gram matrix, `G = W·Wᵀ` when in ≤ out, else `G = Wᵀ·W`.
 * deel-lip: `deel.lip.regularizers.OrthDenseRegularizer(lambda_orth=1.0)`.
 *
 * @example
 * tfl.layers.dense({units: 8, kernelRegularizer: new OrthDenseRegularizer({lambdaOrth: 0.1})})
 */
export class OrthDenseRegularizer extends LipschitzRegularizer {
  static className = 'OrthDenseRegularizer';
  readonly lambdaOrth: number;

  constructor(args: OrthDenseRegularizerArgs = {}) {
    super();
    this.lambdaOrth = ORTH_DENSE_OPTIONS.parse(args).lambdaOrth;
  }

  apply(w: tf.Tensor): tf.Scalar {
    checkTensor('OrthDenseRegularizer', 'kernel', w, { dtype: ['float32'] });
    if (w.rank !== 2) {
      throw new LipnetInputError({
        code: 'INVALID_SHAPE',
        who: 'OrthDenseRegularizer',
        option: 'kernel',
        message: `expected a 2-D kernel [in, out], got shape ${formatShape(w.shape)}. Use LorthRegularizer for convolution kernels.`,
      });
    }
    return tf.tidy(() => {
      const [rows, cols] = w.shape as [number, number];
      const gram = rows <= cols ? tf.matMul(w, w, false, true) : tf.matMul(w, w, true, false);
      const d = tf.sub(gram, tf.eye(gram.shape[0]));
      return tf.mul(tf.sum(tf.square(d)), this.lambdaOrth) as tf.Scalar;
    });
  }

  getConfig(): tf.serialization.ConfigDict {
    return { lambdaOrth: this.lambdaOrth };
  }
}
tf.serialization.registerClass(OrthDenseRegularizer);
