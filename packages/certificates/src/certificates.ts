import * as tf from '@tensorflow/tfjs-core';
import {
  LipnetInputError,
  LipnetOptionError,
  checkFinite,
  checkTensor,
  defineOptions,
  formatValue,
  opt,
} from '@lipnet/core';

/** Logits as a tensor (`[n, C]`, or `[n]` / `[n, 1]` for a binary score) or nested arrays. */
export type LogitsLike = tf.Tensor | number[][] | number[];

/** Options of {@link certificates}. */
export interface CertificateOptions {
  /**
   * Lipschitz constant L of the network w.r.t. the L2 norm (default 1). With
   * `disjointHeads: false`, L bounds the whole output map `x ↦ f(x) ∈ R^C`; with
   * `disjointHeads: true`, L bounds each logit `f_i` separately.
   */
  lipschitzConstant?: number;
  /**
   * `true` when each output `f_i` is L-Lipschitz on its own (a last
   * `FrobeniusDense(disjointNeurons=true)`): the radius divides by 2L, the
   * notebook's `(top1 − top2)/2`. `false` (default): the whole network is
   * L-Lipschitz, the radius divides by √2·L. deel-lip `disjoint_neurons`.
   */
  disjointHeads?: boolean;
  /**
   * Per-logit Lipschitz constants `L_i` (length C). Overrides `lipschitzConstant`
   * and `disjointHeads`: `L_cj = L_c + L_j`.
   */
  headLipschitzConstants?: number[];
  /**
   * Lipschitz constants `L_cj` of the logit differences `f_c − f_j` (C×C,
   * symmetric, diagonal ignored), e.g. from {@link LipschitzBoundLike.heads}.
   * The tightest sound option; overrides the three options above.
   */
  pairwiseLipschitzConstants?: number[][];
}

const LIPSCHITZ_FIX = "Pass the network's Lipschitz constant (e.g. 1, or lipschitzUpperBound(model).upperBound).";
const positiveConstant = opt.number({ gt: 0 }).describedAs('a finite number > 0', LIPSCHITZ_FIX);
const PAIRWISE_FIX = 'Pass lipschitzUpperBound(model).heads.pairwise.';

/** The options of {@link certificates}, declared once. */
export const CERTIFICATE_OPTIONS = defineOptions('certificates', {
  lipschitzConstant: positiveConstant.default(1),
  disjointHeads: opt.boolean().default(false),
  headLipschitzConstants: opt.arrayOf(positiveConstant, { minLength: 1 }),
  pairwiseLipschitzConstants: opt.arrayOf(
    opt.arrayOf(opt.number({ min: 0 }).describedAs('a finite number ≥ 0', PAIRWISE_FIX)),
  ),
});

/**
 * The logits as a float32 tensor the caller disposes: arrays are converted, int32
 * tensors cast (exact below 2²⁴), anything else refused; NaN/±Infinity refused
 * (one read). `[n]`, `[n, 1]` or `[n, C]` with n ≥ 1.
 */
function toLogits(logits: LogitsLike, fn: string): tf.Tensor {
  let y: tf.Tensor;
  if (logits instanceof tf.Tensor) {
    checkTensor(fn, 'logits', logits, { dtype: ['float32', 'int32'], rank: [1, 2], layout: '[n, C]' });
    y = tf.cast(logits, 'float32');
  } else if (Array.isArray(logits)) {
    try {
      y = tf.tensor(logits, undefined, 'float32');
    } catch (e) {
      throw new LipnetInputError({
        code: 'INVALID_ARGUMENT',
        who: fn,
        option: 'logits',
        message: `\`logits\` is not a rectangular array of numbers (${formatValue(logits)}). Pass model.predict(x) or a number[][] with one row per sample.`,
        cause: e,
      });
    }
  } else {
    throw new LipnetInputError({
      code: 'INVALID_ARGUMENT',
      who: fn,
      option: 'logits',
      expected: 'be a tf.Tensor or a number[][]',
      got: formatValue(logits),
      fix: 'Pass model.predict(x).',
    });
  }
  try {
    checkTensor(fn, 'logits', y, { rank: [1, 2], layout: '[n, C]' });
    checkFinite(
      fn,
      'logits',
      y,
      'A certificate of a non-finite output means nothing: fix the model or its input first.',
    );
  } catch (e) {
    y.dispose();
    throw e;
  }
  return y;
}
/**
 * Certified L2 robustness radius of each sample: no perturbation δ with
 * ‖δ‖₂ < radius changes the predicted class (argmax of the logits).
 *
 * Derivation. Let c = argmax f(x) and, for j ≠ c, g_j = f_c − f_j (so g_j(x) ≥ 0).
 * The decision can only change at x + δ if some g_j(x + δ) ≤ 0, which needs
 * |g_j(x + δ) − g_j(x)| ≥ g_j(x). If `L_cj` is a Lipschitz constant of g_j, that
 * needs ‖δ‖ ≥ g_j(x)/L_cj, so
 *
 *     radius(x) = min_{j≠c} (f_c(x) − f_j(x)) / L_cj.
 *
 * - whole network L-Lipschitz (default): g_j = (e_c − e_j)ᵀf and ‖e_c − e_j‖ = √2, so
 *   L_cj = √2·L and radius = (top1 − top2)/(√2·L);
 * - disjoint L-Lipschitz heads (`disjointHeads: true`): |Δg_j| ≤ |Δf_c| + |Δf_j| ≤ 2L‖δ‖, so
 *   radius = (top1 − top2)/(2L) (Demo 4's `(values[:,0] − values[:,1]) / 2`);
 * - per-head constants: L_cj = L_c + L_j; pairwise constants: L_cj as given.
 *
 * Binary scores (`[n]` or `[n, 1]`, decision = sign f): radius = |f(x)|/L.
 * Ties give 0. This is deel-lip's `certificate_factor` (2·L or √2·L) and the
 * `(top1 − top2)/2` of Serrurier et al. 2021 (arXiv 2006.06520) / Demo 4.
 *
 * **What it assumes**: that the constant(s) you pass are true Lipschitz constants of the network
 * (whole map, each head, or each logit difference). Nothing is checked here. The default L = 1 is a
 * network's *nominal* constant, only as true as its layers' normalisation: deel-lip's factor for
 * zero-padded convolutions (`convNormalization: 'deel-lip'`) leaves such a conv up to a few % above 1,
 * and these radii then overstate by as much. For radii that hold by proof use
 * `provenCertificates`, or {@link certificatesFromBound} with `lipschitzUpperBound(model)`.
 *
 * @returns a float32 `Tensor1D` of n radii (caller disposes).
 * @example
 * certificates(tf.tensor2d([[3, 1, 0]]));                        // [1.4142] = 2/√2
 * certificates(tf.tensor2d([[3, 1, 0]]), { disjointHeads: true }); // [1]      = 2/2
 * certificates(tf.tensor1d([-0.5]), { lipschitzConstant: 2 });     // [0.25]
 */
export function certificates(logits: LogitsLike, options: CertificateOptions = {}): tf.Tensor1D {
  const fn = 'certificates';
  const { lipschitzConstant, disjointHeads, headLipschitzConstants, pairwiseLipschitzConstants } =
    CERTIFICATE_OPTIONS.parse(options);
  const y = toLogits(logits, fn);
  try {
    return radii(y, fn, lipschitzConstant, disjointHeads, headLipschitzConstants, pairwiseLipschitzConstants);
  } finally {
    y.dispose();
  }
}

/** The radii of float32 logits `y` (see {@link certificates}). */
function radii(
  y: tf.Tensor,
  fn: string,
  lipschitzConstant: number,
  disjointHeads: boolean,
  headLipschitzConstants: number[] | undefined,
  pairwiseLipschitzConstants: number[][] | undefined,
): tf.Tensor1D {
  return tf.tidy(() => {
    const binary = y.rank === 1 || (y.rank === 2 && y.shape[1] === 1);
    if (binary) {
      if (pairwiseLipschitzConstants) {
        throw new LipnetOptionError({
          code: 'CONFLICTING_OPTIONS',
          who: fn,
          option: 'pairwiseLipschitzConstants',
          message: `\`pairwiseLipschitzConstants\` needs C ≥ 2 logits, got a binary score of shape [${y.shape.join(', ')}]. Pass \`lipschitzConstant\` instead.`,
        });
      }
      if (headLipschitzConstants) {
        const L = headLipschitzConstants[0]!;
        return tf.div(tf.abs(tf.reshape(y, [-1])), L) as tf.Tensor1D;
      }
      return tf.div(tf.abs(tf.reshape(y, [-1])), lipschitzConstant) as tf.Tensor1D;
    }
    const C = y.shape[1]!;
    let pair: number[][] | undefined = pairwiseLipschitzConstants;
    if (!pair && headLipschitzConstants) {
      if (headLipschitzConstants.length !== C) {
        throw new LipnetOptionError({
          code: 'INVALID_OPTION',
          who: fn,
          option: 'headLipschitzConstants',
          message: `expected \`headLipschitzConstants\` to have ${C} entries (one per logit), got ${headLipschitzConstants.length}. Pass one constant per logit.`,
        });
      }
      pair = headLipschitzConstants.map((a) => headLipschitzConstants.map((b) => a + b));
    }
    if (!pair) {
      const factor = (disjointHeads ? 2 : Math.SQRT2) * lipschitzConstant;
      const { values } = tf.topk(y, 2);
      const [t1, t2] = tf.split(values, 2, 1);
      return tf.reshape(tf.div(tf.sub(t1!, t2!), factor), [-1]) as tf.Tensor1D;
    }
    if (pair.length !== C || pair.some((r) => r.length !== C)) {
      throw new LipnetOptionError({
        code: 'INVALID_OPTION',
        who: fn,
        option: 'pairwiseLipschitzConstants',
        message: `expected \`pairwiseLipschitzConstants\` to be a ${C}×${C} matrix, got ${pair.length} rows. ${PAIRWISE_FIX}`,
      });
    }
    const c = tf.argMax(y, 1) as tf.Tensor1D;
    const margins = tf.sub(tf.max(y, 1, true), y); // f_c − f_j ≥ 0
    const Lc = tf.gather(tf.tensor2d(pair), c); // rows L_c·
    let ratio = tf.div(margins, Lc);
    ratio = tf.where(tf.isNaN(ratio), tf.zerosLike(ratio), ratio); // 0/0: tie with a constant difference
    const self = tf.cast(tf.oneHot(c, C), 'bool');
    ratio = tf.where(self, tf.fill(ratio.shape, Infinity), ratio);
    return tf.min(ratio, 1) as tf.Tensor1D;
  });
}

/** The part of a {@link LipschitzUpperBound} report that {@link certificatesFromBound} reads. */
export interface LipschitzBoundLike {
  /** Certified upper bound of the whole network's L2 Lipschitz constant. */
  upperBound: number;
  /** Per-logit bounds and logit-difference bounds (present when the model ends with a linear Dense). */
  heads?: { perHead: number[]; pairwise: number[][] };
}

/**
 * Certificates from a proven `lipschitzUpperBound(model)` report instead of the nominal constant, so
 * they hold by proof even when the network's true constant is above nominal (deel-lip's convolution
 * factor, float32, a Björck that did not fully converge). `provenCertificates` does both steps.
 *
 * `use: 'pairwise'` (default when available): L_cj = ‖w_c − w_j‖·L_body;
 * `'heads'`: L_cj = L_c + L_j with L_i = ‖w_i‖·L_body; `'global'`: √2·upperBound.
 * All three are sound; 'pairwise' is the tightest.
 *
 * **What it assumes**: that `bound` was proven for the model that produced `logits`, with the same
 * weights (a bound proven before more training steps does not hold), and exact arithmetic in the
 * forward pass (float32 rounding of the logits, ≈ 1e-7 relative, is not covered).
 */
export function certificatesFromBound(
  logits: LogitsLike,
  bound: LipschitzBoundLike,
  options: { use?: 'pairwise' | 'heads' | 'global' } = {},
): tf.Tensor1D {
  const { use: requested } = FROM_BOUND_OPTIONS.parse(options);
  if (bound.heads && bound.heads.perHead.length === 1) {
    // Binary score: the single head's bound is the constant of the decision function.
    return certificates(logits, { lipschitzConstant: bound.heads.perHead[0]! });
  }
  const use = requested ?? (bound.heads ? 'pairwise' : 'global');
  if (use !== 'global' && !bound.heads) {
    throw new LipnetOptionError({
      code: 'CONFLICTING_OPTIONS',
      who: 'certificatesFromBound',
      option: 'use',
      message: `\`use: '${use}'\` needs per-head bounds, but the bound has none (the model does not end with a linear Dense layer). Pass \`use: 'global'\`.`,
    });
  }
  if (use === 'pairwise') return certificates(logits, { pairwiseLipschitzConstants: bound.heads!.pairwise });
  if (use === 'heads') return certificates(logits, { headLipschitzConstants: bound.heads!.perHead });
  return certificates(logits, { lipschitzConstant: bound.upperBound });
}

const FROM_BOUND_OPTIONS = defineOptions('certificatesFromBound', {
  use: opt.oneOf(['pairwise', 'heads', 'global']),
});
