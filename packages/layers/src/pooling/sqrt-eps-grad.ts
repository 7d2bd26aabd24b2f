import * as tf from '@tensorflow/tfjs-core';

/**
 * `√s` with deel-lip's gradient `dy / (2(√s + ε))` (its `_sqrt(eps_grad_sqrt)` custom
 * gradient), finite at s = 0 where the true derivative of √ is infinite.
 * With ε > 0 the gradient is never larger than the true one.
 */
export function sqrtEpsGrad(s: tf.Tensor, eps: number): tf.Tensor {
  const op = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
    const r = tf.sqrt(x);
    save([r]);
    return {
      value: r,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.div(dy, tf.mul(tf.scalar(2), tf.add(saved[0]!, tf.scalar(eps)))),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(s);
}
