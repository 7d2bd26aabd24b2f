import * as tf from '@tensorflow/tfjs-core';
import { opt } from '@lipnet/core';
import { makeLoss, registerLoss, type BaseLossArgs, type LipschitzLoss } from './loss-function';
import { lossOptions, marginOption, scheduled } from './loss-options';

/** Arguments of {@link LseHKRMulticlassLoss}. */
export interface LseHKRMulticlassLossArgs extends BaseLossArgs {
  /**
   * Trade-off α ∈ [0, 1] between the KR (α = 0) and hinge (α = 1) terms. Default 1. As in
   * torchlip, α > 1 is replaced by α/(1 + α) with a warning (the unbounded deel-lip convention).
   */
  alpha?: number;
  /** Factor applied to the logits before everything else. Default 1 (> 0). */
  temperature?: number;
  /** Softness of the log-sum-exp: `max ≤ LSE ≤ max + penalty·m/2`. Default 1 (> 0). */
  penalty?: number;
  /** Margin m (> 0): the hinge asks for `ŷ_true ≥ m/2` and `LSE(ŷ_wrong) ≤ −m/2`. Default 1. */
  minMargin?: number;
  /** Receives the α > 1 warning (default `console.warn`). */
  warn?: (message: string) => void;
}

const NAME = 'LseHKRMulticlassLoss';

/** α: a finite number ≥ 0 (values > 1 are mapped to α/(1 + α) by the loss, with a warning). */
const lseAlphaOption = opt
  .number({ min: 0 })
  .describedAs('a finite number ≥ 0', 'Pass a trade-off in [0, 1] (0: KR only, 1: hinge only).');

const positive = (fix: string) => opt.number({ gt: 0 }).describedAs('a finite number > 0', fix);
const temperatureOption = positive('Pass a positive factor, e.g. 1.');
const penaltyOption = positive('Pass a positive softness, e.g. 1.');

const LSE_HKR_MULTICLASS_LOSS_OPTIONS = lossOptions(NAME, {
  alpha: lseAlphaOption.default(1),
  temperature: temperatureOption.default(1),
  penalty: penaltyOption.default(1),
  minMargin: marginOption.default(1),
  warn: opt.func<(message: string) => void>(),
});

/**
 * Multiclass hinge-KR with a log-sum-exp summary of the wrong classes (deel-torchlip 1.0.5
 * `LseHKRMulticlassLoss(alpha=1.0, temperature=1.0, penalty=1.0, min_margin=1)`). With
 * `z = temperature·ŷ`, `pos = z_true`, `t = ln(C − 1)/(m·penalty/2)` and
 * `lse = (1/t)·log Σ_{c≠true} exp(t·z_c)` (between `max_{c≠true} z_c` and that + penalty·m/2):
 *
 *   `ℓ_i = (1 − α)·(lse − pos) + α·(relu(m/2 − pos) + relu(m/2 + lse))`.
 *
 * One-hot labels `[n, C]` in {0, 1} or {−1, 1} (`y > 0` marks the true class). Difference: with
 * C = 2, t = 0 and torchlip returns NaN; lipnet uses the limit t → 0⁺, `lse` = the single wrong
 * logit. `alpha`, `temperature`, `penalty` and `minMargin` can be scheduled (`setParam`).
 *
 * @example
 * LseHKRMulticlassLoss({alpha: 0.9, minMargin: 1, temperature: 10})  // torchlip's Fashion-MNIST notebook
 */
export function LseHKRMulticlassLoss(args: LseHKRMulticlassLossArgs = {}): LipschitzLoss {
  const o = LSE_HKR_MULTICLASS_LOSS_OPTIONS.parse(args);
  const warn = o.warn ?? ((m: string) => console.warn(m));
  const bounded = (a: number): number => {
    if (a <= 1) return a;
    warn(`${NAME}: deprecated alpha ${a} > 1 replaced by alpha/(alpha + 1) = ${a / (a + 1)}, as deel-torchlip does.`);
    return a / (a + 1);
  };
  const alpha = bounded(o.alpha);
  const { temperature, penalty, minMargin: m } = o;
  const alphaParam = scheduled(NAME, 'alpha', lseAlphaOption, alpha);
  return makeLoss({
    className: NAME,
    labels: 'onehot',
    config: { alpha, temperature, penalty, minMargin: m },
    base: o,
    params: {
      alpha: { value: alpha, check: (v) => bounded(alphaParam.check(v)) },
      temperature: scheduled(NAME, 'temperature', temperatureOption, temperature),
      penalty: scheduled(NAME, 'penalty', penaltyOption, penalty),
      minMargin: scheduled(NAME, 'minMargin', marginOption, m),
    },
    elementwise: (y, p, q) =>
      tf.tidy(() => {
        const mask = tf.greater(y, 0);
        const z = tf.mul(p, q['temperature']!);
        const pos = tf.sum(tf.mul(tf.cast(mask, 'float32'), z), -1);
        const half = (q['minMargin']! * q['penalty']!) / 2;
        const classes = p.shape[1];
        const t = Math.log(classes - 1) / half;
        const wrong = tf.where(mask, tf.fill(z.shape, -Infinity), z);
        const lse = classes === 2 ? tf.max(wrong, -1) : tf.div(tf.logSumExp(tf.mul(wrong, t), -1), t);
        const kr = tf.sub(lse, pos);
        const margin = q['minMargin']! / 2;
        const hinge = tf.add(tf.relu(tf.sub(margin, pos)), tf.relu(tf.add(lse, margin)));
        const a = q['alpha']!;
        return tf.add(tf.mul(kr, 1 - a), tf.mul(hinge, a)) as tf.Tensor1D;
      }),
  });
}
registerLoss('LseHKRMulticlassLoss', (c) => LseHKRMulticlassLoss(c));

/** lowerCamel alias of {@link LseHKRMulticlassLoss}. */
export const lseHKRMulticlassLoss = LseHKRMulticlassLoss;
