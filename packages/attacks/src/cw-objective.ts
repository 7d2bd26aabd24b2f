import * as tf from '@tensorflow/tfjs-core';

/** What {@link cwObjective} needs of one batch besides the logits and the point: fixed for an Adam run. */
export interface CwObjectiveParts {
  /** One-hot of the labels (untargeted) or targets, float32 `[n, classes]`. */
  onehot: tf.Tensor;
  /** +∞ on the label/target column and 0 elsewhere, float32 `[n, classes]` (foolbox `onehot_like(…, value=inf)`). */
  excluded: tf.Tensor;
  /** x̃ = toModel(w₀), the point the distance term is measured from. */
  recon: tf.Tensor;
  /** Margin κ. */
  kappa: number;
  targeted: boolean;
}

/**
 * Carlini & Wagner's objective of one Adam step (foolbox `L2CarliniWagnerAttack`'s `loss_fun`),
 *
 *   `L = Σᵢ cᵢ·max(0, z_{i,y} − z_{i,o} + κ) + Σᵢ ‖x'ᵢ − x̃ᵢ‖²`,  o = argmax_{j≠y} z_{i,j}
 *
 * (targeted: `z_{i,o} − z_{i,t}`), as a scalar whose gradient is written out instead of taped:
 * `∂L/∂z = cᵢ·[pre > 0]·(e_y − e_o)` (the sign flipped when targeted) and `∂L/∂x' = 2(x' − x̃)`.
 * Like foolbox (which indexes the logits at the argmax), the gradient of the best other class goes
 * to that one class. About 26 kernel calls per step instead of the ~55 of the taped composition; on
 * a small network the CW step is bound by the number of kernel calls.
 */
export function cwObjective(z: tf.Tensor, xp: tf.Tensor, c: tf.Tensor, parts: CwObjectiveParts): tf.Scalar {
  const { onehot, excluded, recon, kappa, targeted } = parts;
  const op = tf.customGrad(((zIn: tf.Tensor, xpIn: tf.Tensor, save: tf.GradSaveFunc) => {
    const other = tf.sub(zIn, excluded);
    const otherClass = tf.argMax(other, 1);
    const zOther = tf.max(other, 1);
    const zClass = tf.sum(tf.mul(zIn, onehot), 1);
    const pre = tf.add(targeted ? tf.sub(zOther, zClass) : tf.sub(zClass, zOther), kappa);
    const diff = tf.sub(xpIn, recon);
    const value = tf.add(tf.sum(tf.mul(tf.relu(pre), c)), tf.sum(tf.square(diff)));
    save([pre, otherClass, diff]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [preS, otherS, diffS] = saved as [tf.Tensor, tf.Tensor1D, tf.Tensor];
        const w = tf.mul(tf.mul(tf.cast(tf.greater(preS, 0), 'float32'), c), dy);
        // int32 then cast: tfjs-backend-wasm 4.22's OneHot writes int32 bits whatever the dtype asked.
        const toOther = tf.cast(tf.oneHot(otherS, onehot.shape[1] ?? 1), 'float32');
        const direction = targeted ? tf.sub(toOther, onehot) : tf.sub(onehot, toOther);
        return [tf.mul(direction, tf.expandDims(w, 1)), tf.mul(diffS, tf.mul(dy, 2))];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as (zIn: tf.Tensor, xpIn: tf.Tensor) => tf.Scalar;
  return op(z, xp);
}

/**
 * The tanh map to model space `w ↦ tanh(w)·b + a` with its gradient written out,
 * `dy·b·(1 − tanh²(w))`, from the saved tanh (4 kernel calls back instead of ~8).
 */
export function tanhToModel(w: tf.Tensor, a: number, b: number): tf.Tensor {
  const op = tf.customGrad<tf.Tensor>(((wIn: tf.Tensor, save: tf.GradSaveFunc) => {
    const t = tf.tanh(wIn);
    save([t]);
    return {
      value: tf.add(tf.mul(t, b), a),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, tf.mul(tf.sub(1, tf.square(saved[0]!)), b)),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(w);
}
