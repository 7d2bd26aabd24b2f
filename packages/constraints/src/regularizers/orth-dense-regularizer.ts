import * as tf from '@tensorflow/tfjs-core';
import { LipnetConfigError, fmt } from '../errors';
import { LipschitzRegularizer } from './lipschitz-regularizer';

/** Arguments of {@link OrthDenseRegularizer}. */
export interface OrthDenseRegularizerArgs {
  /** Weight λ ≥ 0 of the penalty. Default 1. */
  lambdaOrth?: number;
}

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
    const lam = args.lambdaOrth ?? 1;
    if (typeof lam !== 'number' || !Number.isFinite(lam) || lam < 0) {
      throw new LipnetConfigError(
        `OrthDenseRegularizer: expected \`lambdaOrth\` to be a finite number ≥ 0, got ${fmt(lam)}. Pass e.g. 1.`,
      );
    }
    this.lambdaOrth = lam;
  }

  apply(w: tf.Tensor): tf.Scalar {
    if (w.rank !== 2) {
      throw new LipnetConfigError(
        `OrthDenseRegularizer: expected a 2-D kernel [in, out], got shape [${w.shape}]. Use LorthRegularizer for convolution kernels.`,
      );
    }
    return tf.tidy(() => {
      const [rows, cols] = w.shape as [number, number];
      const gram = rows <= cols ? tf.matMul(w, w, false, true) : tf.matMul(w, w, true, false);
      const d = tf.sub(gram, tf.eye(gram.shape[0]!));
      return tf.mul(tf.sum(tf.square(d)), this.lambdaOrth) as tf.Scalar;
    });
  }

  getConfig(): tf.serialization.ConfigDict {
    return { lambdaOrth: this.lambdaOrth };
  }
}
tf.serialization.registerClass(OrthDenseRegularizer);
