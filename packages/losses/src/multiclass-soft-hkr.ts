import * as tf from '@tensorflow/tfjs-core';
import { labelSign } from './hinge-margin';
import { jsonNumber, makeLoss, registerLoss, type BaseLossArgs, type LipschitzLoss } from './loss-function';
import { opt } from '@lipnet/core';
import { lossOptions, marginOption } from './loss-options';

const FLOAT32_MAX = 3.4028234663852886e38;

/** Identity whose gradient is zero (TensorFlow's `tf.stop_gradient`). */
const stopGradient: (x: tf.Tensor) => tf.Tensor = tf.customGrad<tf.Tensor>((...inputs: unknown[]) => ({
  value: tf.clone(inputs[0] as tf.Tensor),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
}));

/** Arguments of {@link MulticlassSoftHKR}. */
export interface MulticlassSoftHKRArgs extends BaseLossArgs {
  /** Weight `α` (default 10, > 0; `Infinity`: soft hinge only). The KR term is scaled by `1/α`. */
  alpha?: number;
  /** Margin `m` (default 1, > 0); the hinge enforces `s·ŷ ≥ m/2`. */
  minMargin?: number;
  /** Momentum of the running mean of `|ŷ|` (default 0.99, in [0, 1]). */
  alphaMean?: number;
  /** Softmax temperature factor (default 1, > 0); higher favours the largest wrong logits. */
  temperature?: number;
}

/** The state accessors of a {@link MulticlassSoftHKR} loss. */
export interface MulticlassSoftHKRLoss extends LipschitzLoss {
  /** The running mean of `|ŷ|` (deel-lip's `current_mean`), read with one `dataSync`. */
  currentMean(): number;
  /** Resets the running mean to `minMargin`, its initial value. */
  resetState(): void;
  /** Frees the state variable; the loss must not be called afterwards. */
  dispose(): void;
}

const OPTIONS = lossOptions('MulticlassSoftHKR', {
  alpha: opt
    .number({ gt: 0, allowInfinity: true })
    .describedAs(
      'a number > 0 (Infinity allowed)',
      'Pass a positive weight (the KR term is scaled by 1/alpha), or Infinity for the soft hinge only.',
    )
    .default(10),
  minMargin: marginOption.default(1),
  alphaMean: opt
    .number({ min: 0, max: 1 })
    .describedAs('a number in [0, 1]', 'Pass a momentum in [0, 1], e.g. 0.99.')
    .default(0.99),
  temperature: opt
    .number({ gt: 0 })
    .describedAs('a finite number > 0', 'Pass a positive temperature factor, e.g. 1.')
    .default(1),
});

/**
 * Multiclass HKR with a softmax weighting of the wrong classes (deel-lip 1.5.1 master,
 * `deel.lip.losses.MulticlassSoftHKR`; used by the 2023 re-run of Demo 4). **Stateful.**
 *
 * State: a scalar `currentMean` (a non-trainable tf.Variable, initial value `m`). Every
 * call — training step, validation batch or standalone call, as in deel-lip where
 * `call` runs in `train_step` and `test_step` alike — does
 * `g = αₘ·currentMean + (1−αₘ)·mean(|ŷ|)`, `currentMean ← g` (deel-lip declares a clip
 * to [0.005, 1000] as a variable *constraint*, which `assign` never applies, so none is
 * applied here either), then
 * - `T = stop_gradient(clip(temperature·m / clip(g, m, 20000), 0.005, 250))`,
 * - `F = softmax_c(T·ŷ with the true class set to −FLT_MAX)`, then `F_true = 1`,
 * - `ℓ_i = (1/α)·Σ_c(−s_c·ŷ_c·F_c) + Σ_c relu(m/2 − s_c·ŷ_c)·F_c` (`s = ±1`, `y > 0`).
 * With `α = Infinity` deel-lip returns the unsummed `[n, C]` matrix `relu(m/2 − sŷ)·F`; here
 * `reduction: 'none'` returns its mean over classes, `[n]`, whose batch mean is deel-lip's
 * value. One-hot labels in {0, 1} or {−1, 1}. Not restorable through `lossFromConfig` with
 * its state: the rebuilt loss starts from `currentMean = m`.
 */
export function MulticlassSoftHKR(args: MulticlassSoftHKRArgs = {}): MulticlassSoftHKRLoss {
  const name = 'MulticlassSoftHKR';
  const { alpha, minMargin: m, alphaMean, temperature, ...base } = OPTIONS.parse(args);
  const state = tf.tidy(() => tf.variable(tf.scalar(m), false));
  let disposed = false;

  const elementwise = (t: tf.Tensor, p: tf.Tensor2D): tf.Tensor1D =>
    tf.tidy(() => {
      if (disposed) throw new Error(`${name}: the loss was disposed; create a new one.`);
      const g = tf.add(tf.mul(state, alphaMean), tf.mul(stopGradient(tf.mean(tf.abs(p))), 1 - alphaMean));
      state.assign(g as tf.Scalar);
      const total = tf.clipByValue(g, m, 20000);
      const temp = stopGradient(tf.clipByValue(tf.div(temperature * m, total), 0.005, 250));
      const isTrue = tf.greater(t, 0);
      const opposite = tf.where(isTrue, tf.fill(p.shape, -FLOAT32_MAX), tf.mul(p, temp));
      const f = tf.where(isTrue, tf.onesLike(p), tf.softmax(opposite));
      const signed = tf.mul(labelSign(t), p);
      const hinge = tf.mul(tf.relu(tf.sub(m / 2, signed)), f);
      if (alpha === Infinity) return tf.mean(hinge, -1) as tf.Tensor1D;
      const kr = tf.sum(tf.mul(tf.neg(signed), f), -1);
      return tf.add(tf.div(kr, alpha), tf.sum(hinge, -1)) as tf.Tensor1D;
    });

  return makeLoss({
    className: name,
    labels: 'onehot',
    config: { alpha: jsonNumber(alpha), minMargin: m, alphaMean, temperature },
    base,
    elementwise,
    extra: {
      currentMean: () => state.dataSync()[0]!,
      resetState: () => state.assign(tf.scalar(m)),
      dispose: () => {
        disposed = true;
        state.dispose();
      },
    },
  }) as MulticlassSoftHKRLoss;
}
registerLoss('MulticlassSoftHKR', (c) => MulticlassSoftHKR(c));

/** lowerCamel alias of {@link MulticlassSoftHKR}. */
export const multiclassSoftHKR = MulticlassSoftHKR;
