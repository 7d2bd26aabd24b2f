import * as tf from '@tensorflow/tfjs-core';
import { defineOptions, opt } from '@lipnet/core';
import { withoutGradient } from './linalg';
import { lanczosOperatorNorm, type LinearOperatorPair } from './lanczos';

/** Default stopping tolerance of {@link operatorNormalization}: Ritz residual ≤ eps·θ (see `lanczosOperatorNorm`). */
export const DEFAULT_EPS_OPERATOR_NORM = 1e-5;
/**
 * Default maximum number of Lanczos steps per call of {@link operatorNormalization}: a cap for
 * calls after the weights jumped; on slowly moving weights the tolerance stops it after 1.
 */
export const DEFAULT_MAXITER_OPERATOR_NORM = 100;
/** Default safety margin of {@link operatorNormalization}: W̄ = W/(σ̂·(1 + margin)). */
export const DEFAULT_OPERATOR_NORM_MARGIN = 1e-3;

/** Options of {@link operatorNormalization} and {@link linearOperatorPowerIteration}. */
export interface OperatorNormalizationOptions {
  /** Stop when the Ritz residual is ≤ eps × the estimate of ‖A‖₂². Default 1e-5. */
  eps?: number;
  /** At most this many Lanczos steps (operator products) per call (≥ 1). Default 100. */
  maxIter?: number;
  /** W̄ = W/(σ̂·(1 + margin)), margin ≥ 0. Default 1e-3. */
  margin?: number;
}

/** The rules of {@link OperatorNormalizationOptions}, declared once (defaults applied). */
export const OPERATOR_NORMALIZATION_OPTIONS = defineOptions('operatorNormalization', {
  eps: opt
    .number({ min: 0 })
    .describedAs('a finite number ≥ 0', 'Pass e.g. 1e-5 (0 always runs all iterations).')
    .default(DEFAULT_EPS_OPERATOR_NORM),
  maxIter: opt
    .integer({ min: 1 })
    .describedAs('an integer ≥ 1', 'Pass the most Lanczos steps per call, e.g. 100.')
    .default(DEFAULT_MAXITER_OPERATOR_NORM),
  margin: opt
    .number({ min: 0, lt: 1 })
    .describedAs('a number in [0, 1)', 'Pass e.g. 1e-3.')
    .default(DEFAULT_OPERATOR_NORM_MARGIN),
});

/**
 * {@link OperatorNormalizationOptions} with every field resolved and validated; `owner` names the
 * API in errors, which name each option as `names` says (a layer's own argument names).
 * Unknown keys are refused.
 */
export function resolveOperatorNormalizationOptions(
  owner: string,
  o: OperatorNormalizationOptions = {},
  names: Record<keyof OperatorNormalizationOptions, string> = { eps: 'eps', maxIter: 'maxIter', margin: 'margin' },
): Required<OperatorNormalizationOptions> {
  const { schema } = OPERATOR_NORMALIZATION_OPTIONS;
  const named = names.eps === 'eps' && names.maxIter === 'maxIter' && names.margin === 'margin';
  if (named) return OPERATOR_NORMALIZATION_OPTIONS.parse(o, owner);
  return {
    eps: schema.eps.resolve(o.eps, { who: owner, path: names.eps }),
    maxIter: schema.maxIter.resolve(o.maxIter, { who: owner, path: names.maxIter }),
    margin: schema.margin.resolve(o.margin, { who: owner, path: names.margin }),
  };
}

/**
 * Normalises a kernel by the operator norm of the linear map it defines:
 * W̄ = W / (σ̂·(1 + margin)), σ̂ = ‖A_W v‖ where v is the persistent vector after
 * `lanczosOperatorNorm` (power iteration's Krylov acceleration) from the stored one, held as a
 * stop-gradient (deel-lip's `STOP_GRAD_SPECTRAL`): gradients flow through σ̂ and W, not through v.
 * σ̂ ≤ ‖A_W‖₂, so ‖A_W̄‖₂ = ‖A_W‖/(σ̂(1 + margin)) is ≤ 1 once the estimate is within `margin`
 * of the norm (spectral normalisation of the operator itself, Miyato et al. 2018, applied to
 * A_W instead of the reshaped kernel; deel-lip `spectral_normalization_conv`, which it uses only
 * in tests).
 * A null `v` must not be passed: callers keep `v` as layer state of the operator's input shape.
 *
 * @returns `w` (same shape as W), the new `u` (store it) and `sigma` = σ̂ of W, shape [1, 1].
 */
export function operatorNormalization(
  w: tf.Tensor,
  v: tf.Tensor,
  op: LinearOperatorPair,
  opts: OperatorNormalizationOptions = {},
): { w: tf.Tensor; u: tf.Tensor; sigma: tf.Tensor2D } {
  const o = resolveOperatorNormalizationOptions('operatorNormalization', opts);
  return tf.tidy(() => {
    const vStar = withoutGradient((ww, vv) => lanczosOperatorNorm(op, ww, vv, o.eps, o.maxIter).v, w, v);
    const sigma = tf.reshape(tf.norm(op.forward(vStar, w)), [1, 1]) as tf.Tensor2D;
    const scale = tf.mul(sigma, 1 + o.margin);
    return { w: tf.div(w, scale), u: vStar, sigma };
  });
}

/**
 * The {@link LinearOperatorPair} of a tfjs `conv2d` (NHWC, kernel [kh, kw, cin, cout], no
 * dilation) on inputs of size `inputShape` = [1, h, w, cin]: forward `tf.conv2d`, adjoint
 * `tf.conv2dTranspose` (TensorFlow's `Conv2DBackpropInput`, the conv's input gradient).
 */
export function conv2dOperator(
  inputShape: [number, number, number, number],
  strides: [number, number],
  padding: 'same' | 'valid',
): LinearOperatorPair {
  return {
    forward: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, strides, padding),
    adjoint: (y, w) => tf.conv2dTranspose(y as tf.Tensor4D, w as tf.Tensor4D, inputShape, strides, padding),
  };
}
