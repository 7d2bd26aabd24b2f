import * as tf from '@tensorflow/tfjs-core';
import { LipnetInputError, checkTensor, defineOptions, opt } from '@lipnet/core';
import { provenBoundOption } from './bound-option';
import {
  CERTIFICATE_OPTIONS,
  certificates,
  certificatesFromBound,
  type CertificateOptions,
  type LipschitzBoundLike,
} from './certificates';

/**
 * ε from 0 to 1.5 in steps of 0.05 (k/20, so 0.25, 0.5 and 1.0 are exact), plus 36/255 (the notebook's
 * and deel-lip's default radius), sorted.
 */
export const DEFAULT_EPSILONS: readonly number[] = Object.freeze(
  [...Array.from({ length: 31 }, (_, k) => k / 20), 36 / 255].sort((a, b) => a - b),
);

/** Options of {@link certifiedRobustAccuracy}. */
export interface CertifiedRobustAccuracyOptions {
  /** The proven bound of the model that produced the logits: `lipschitzUpperBound(model)`. Required. */
  bound: LipschitzBoundLike;
  /** Radii ε (L2, ≥ 0). Default {@link DEFAULT_EPSILONS}. */
  epsilons?: readonly number[];
  /** Constants of the bound to use (see `certificatesFromBound`). Default: its tightest. */
  use?: 'pairwise' | 'heads' | 'global';
  /**
   * Also compute the nominal curve, from `certificates(logits, nominal)` — e.g. `{lipschitzConstant: 1,
   * disjointHeads: true}` for a deel-lip model's `(top1 − top2)/2` — to show beside the proven one.
   */
  nominal?: CertificateOptions;
}

const WHO = 'certifiedRobustAccuracy';

/** The options of {@link certifiedRobustAccuracy}, declared once. */
export const CERTIFIED_ROBUST_ACCURACY_OPTIONS = defineOptions(WHO, {
  bound: provenBoundOption('Pass lipschitzUpperBound(model) for the model that produced the logits.').required(),
  epsilons: opt
    .arrayOf(opt.number({ min: 0 }).describedAs('a finite number ≥ 0', 'Pass e.g. [0, 36/255, 0.25, 0.5, 1].'), {
      minLength: 1,
    })
    .default([...DEFAULT_EPSILONS]),
  use: opt.oneOf(['pairwise', 'heads', 'global'] as const),
  nominal: opt.object(CERTIFICATE_OPTIONS.schema),
});

/** Result of {@link certifiedRobustAccuracy}: plain numbers, ready for JSON. */
export interface RobustAccuracyCurve {
  /** The radii, as given (sorted ascending). */
  epsilons: number[];
  /** Fraction of samples correctly classified with a **proven** radius > ε, per ε. */
  proven: number[];
  /** The same with the nominal radii, when `nominal` was given. */
  nominal?: number[];
  /** Number of samples. */
  samples: number;
  /** Clean accuracy (argmax = label). */
  accuracy: number;
  /** What each curve assumes, in words (for reports). */
  assumptions: { proven: string; nominal?: string };
}

/** Labels as class indices: `[n]` integers, or one-hot / ±1 `[n, C]` (the class is where y > 0). */
function labelIndices(labels: tf.Tensor | number[] | number[][], n: number): Int32Array {
  const t = labels instanceof tf.Tensor ? labels : tf.tensor(labels);
  try {
    const idx = t.rank === 2 ? tf.tidy(() => tf.argMax(tf.greater(t, 0), 1)) : t;
    const out = Int32Array.from(idx.dataSync());
    if (idx !== t) idx.dispose();
    if (out.length !== n) {
      throw new LipnetInputError({
        code: 'INVALID_SHAPE',
        who: WHO,
        option: 'labels',
        message: `got ${out.length} labels for ${n} logit rows. Pass one label per sample (class indices [n] or one-hot [n, C]).`,
      });
    }
    return out;
  } finally {
    if (t !== labels) t.dispose();
  }
}

/** Per ε: the fraction of samples with `correct` and `radius > ε` (deel-lip's strict `>`). */
function curve(radii: Float32Array, correct: boolean[], eps: number[]): number[] {
  return eps.map((e) => {
    let k = 0;
    for (let i = 0; i < radii.length; i++) if (correct[i] && radii[i]! > e) k++;
    return k / radii.length;
  });
}

/**
 * Certified robust accuracy against ε: for each radius ε, the fraction of samples that are correctly
 * classified **and** whose certified L2 radius exceeds ε (no perturbation with ‖δ‖₂ ≤ ε changes their
 * class). The proven curve uses radii from the model's proven Lipschitz bound
 * (`certificatesFromBound(logits, bound)`); with `nominal`, the curve of the nominal radii is computed
 * beside it (deel-lip's `CategoricalProvableRobustAccuracy` at each ε, which assumes the nominal
 * constant). Same strict `>` as deel-lip, so a tie is never certified.
 *
 * @param logits `[n, C]` logits of the model the bound was proven for (C ≥ 2).
 * @param labels class indices `[n]` or one-hot `[n, C]`.
 * @example
 * const bound = lipschitzUpperBound(model);
 * const c = certifiedRobustAccuracy(model.predict(xTest) as tf.Tensor, yTest, { bound, nominal: { disjointHeads: true } });
 * c.proven;                               // one fraction per ε of DEFAULT_EPSILONS
 * const spec = robustAccuracySpec(c);     // Vega-Lite JSON, render it with vega / vega-embed
 */
export function certifiedRobustAccuracy(
  logits: tf.Tensor,
  labels: tf.Tensor | number[] | number[][],
  options: CertifiedRobustAccuracyOptions,
): RobustAccuracyCurve {
  const { bound, epsilons, use: given, nominal } = CERTIFIED_ROBUST_ACCURACY_OPTIONS.parse(options);
  checkTensor(WHO, 'logits', logits, { rank: 2, layout: '[n, C]' });
  if (logits.shape[1]! < 2) {
    throw new LipnetInputError({
      code: 'INVALID_SHAPE',
      who: WHO,
      option: 'logits',
      message: `expected \`logits\` of shape [n, C] with C ≥ 2, got [${logits.shape.join(', ')}]. Pass the logits of a classifier.`,
    });
  }
  const eps = [...epsilons].sort((a, b) => a - b);
  const n = logits.shape[0];
  const y = labelIndices(labels, n);
  const pred = tf.tidy(() => tf.argMax(logits, 1).dataSync());
  const correct = Array.from(pred, (p, i) => p === y[i]);
  const radiiOf = (t: tf.Tensor1D) => {
    const r = t.dataSync() as Float32Array;
    t.dispose();
    return r;
  };
  const use = given ?? (bound.heads ? 'pairwise' : 'global');
  const proven = curve(radiiOf(certificatesFromBound(logits, bound, { use })), correct, eps);
  const result: RobustAccuracyCurve = {
    epsilons: eps,
    proven,
    samples: n,
    accuracy: correct.filter(Boolean).length / n,
    assumptions: {
      proven: `radius min_j (f_c − f_j)/L_cj with the ${use} constants of the proven bound (model bound ${bound.upperBound.toPrecision(6)}); assumes only exact arithmetic in the forward pass`,
    },
  };
  if (nominal) {
    const o = nominal as CertificateOptions;
    result.nominal = curve(radiiOf(certificates(logits, o)), correct, eps);
    result.assumptions.nominal = o.pairwiseLipschitzConstants
      ? 'assumes the given pairwise constants bound the logit differences'
      : o.headLipschitzConstants
        ? 'assumes each logit f_i is L_i-Lipschitz (the given per-head constants)'
        : o.disjointHeads
          ? `assumes each logit is ${o.lipschitzConstant ?? 1}-Lipschitz (nominal, disjoint heads): radius (top1 − top2)/${2 * (o.lipschitzConstant ?? 1)}`
          : `assumes the network is ${o.lipschitzConstant ?? 1}-Lipschitz (nominal): radius (top1 − top2)/(√2·${o.lipschitzConstant ?? 1})`;
  }
  return result;
}
