import * as tf from '@tensorflow/tfjs-core';

/**
 * `x / sqrt(max(Σx², 1e-12))` over all elements, as `tf.math.l2_normalize(x)`
 * (axis None) in TensorFlow.
 */
export function l2Normalize(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(x, tf.rsqrt(tf.maximum(tf.sum(tf.square(x)), 1e-12))));
}

/** Euclidean / Frobenius norm of `a − b` as a JS number (reads one scalar back). */
export function diffNorm(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.sqrt(tf.sum(tf.square(tf.sub(a, b))))).dataSync()[0]!;
}

/**
 * Returns `f(...)` whose value is computed without recording a gradient tape and
 * whose gradient with respect to every input is zero: TensorFlow's
 * `tf.stop_gradient` applied to a whole sub-computation. Intermediate tensors of
 * `f` are not kept for backprop.
 */
export function withoutGradient<T extends tf.Tensor>(f: (...xs: tf.Tensor[]) => T, ...inputs: tf.Tensor[]): T {
  if (!tf.engine().isTapeOn()) return f(...inputs);
  // The zero gradients are built from shapes taken now, never from the inputs at backprop time: by
  // then an input may be a variable rewritten during the step (the 'exact' normaliser's conv_u) or a
  // tensor a memory-frugal backward pass has already released.
  const shapes = inputs.map((x) => ({ shape: x.shape.slice(), dtype: x.dtype }));
  const g = tf.customGrad((...args: unknown[]) => {
    const xs = args.slice(0, inputs.length) as tf.Tensor[];
    return {
      value: f(...xs),
      gradFunc: () => shapes.map(({ shape, dtype }) => tf.zeros(shape, dtype)),
    };
  });
  return g(...inputs);
}
