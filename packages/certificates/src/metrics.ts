import * as tf from '@tensorflow/tfjs-core';
import { LipnetInputError, checkFinite, checkTensor, defineOptions, opt } from '@lipnet/core';

/**
 * A tfjs-layers metric: `(yTrue, yPred) => per-sample values` (tfjs takes the
 * mean, `training.ts`: `tfc.mean(metric(yTrue, yPred))`). The function's `name`
 * is the key in `fit` history logs.
 */
export type MetricFn = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;

/** Options shared by the categorical metrics. */
export interface CategoricalProvableArgs {
  /** Lipschitz constant of the network (or of each head when `disjointNeurons`). Default 1. deel-lip `lip_const`. */
  lipConst?: number;
  /**
   * `true` (deel-lip default) when the model ends with `FrobeniusDense(disjointNeurons=true)`:
   * certificate factor 2·lipConst; `false`: √2·lipConst.
   */
  disjointNeurons?: boolean;
  /** Metric name (tfjs log key). Defaults to the deel-lip class name. */
  name?: string;
}

/** Options of {@link CategoricalProvableRobustAccuracy}. */
export interface CategoricalProvableRobustAccuracyArgs extends CategoricalProvableArgs {
  /** L2 radius at which robustness is certified. Default 36/255. */
  epsilon?: number;
}
/** Options of {@link CategoricalProvableAvgRobustness}. */
export interface CategoricalProvableAvgRobustnessArgs extends CategoricalProvableArgs {
  /** `true`: misclassified samples count with their negative radius (φ = identity); `false` (default): 0 (φ = relu). */
  negativeRobustness?: boolean;
}
/** Options of {@link BinaryProvableRobustAccuracy}. */
export interface BinaryProvableRobustAccuracyArgs {
  /** L2 radius. Default 36/255. */
  epsilon?: number;
  /** Lipschitz constant of the scalar score. Default 1. */
  lipConst?: number;
  /** Metric name. Default 'BinaryProvableRobustAccuracy'. */
  name?: string;
}
/** Options of {@link BinaryProvableAvgRobustness}. */
export interface BinaryProvableAvgRobustnessArgs {
  /** Lipschitz constant of the scalar score. Default 1. */
  lipConst?: number;
  /** See {@link CategoricalProvableAvgRobustnessArgs.negativeRobustness}. Default false. */
  negativeRobustness?: boolean;
  /** Metric name. Default 'BinaryProvableAvgRobustness'. */
  name?: string;
}

const epsilonOption = opt
  .number({ min: 0 })
  .describedAs('a finite number ≥ 0', 'Pass e.g. 36/255.')
  .default(36 / 255);
const lipConstOption = opt.number({ gt: 0 }).describedAs('a finite number > 0', 'Pass e.g. 1.').default(1);
const CATEGORICAL = {
  lipConst: lipConstOption,
  disjointNeurons: opt.boolean().default(true),
  name: opt.string(),
};
const ROBUST_ACCURACY = defineOptions('CategoricalProvableRobustAccuracy', { ...CATEGORICAL, epsilon: epsilonOption });
const AVG_ROBUSTNESS = defineOptions('CategoricalProvableAvgRobustness', {
  ...CATEGORICAL,
  negativeRobustness: opt.boolean().default(false),
});
const BINARY_ROBUST_ACCURACY = defineOptions('BinaryProvableRobustAccuracy', {
  epsilon: epsilonOption,
  lipConst: lipConstOption,
  name: opt.string(),
});
const BINARY_AVG_ROBUSTNESS = defineOptions('BinaryProvableAvgRobustness', {
  lipConst: lipConstOption,
  negativeRobustness: opt.boolean().default(false),
  name: opt.string(),
});

/** Shape checks shared by the margins (metadata only: they run in every training step). */
function checkPair(fn: string, yTrue: tf.Tensor, yPred: tf.Tensor): void {
  checkTensor(fn, 'yTrue', yTrue, { dtype: ['float32', 'int32'] });
  checkTensor(fn, 'yPred', yPred, { dtype: ['float32', 'int32'] });
}

/**
 * Multiclass margin Δ = f_l(x) − max_{i≠l} f_i(x), with the true class l where
 * `yTrue > 0` (one-hot in {0,1} or {−1,1}; no label smoothing). Positive iff the
 * sample is correctly classified with no tie. deel-lip `_delta_multiclass`.
 * @returns `[n]` (inside the caller's tidy).
 */
export function multiclassMargin(yTrue: tf.Tensor, yPred: tf.Tensor, fn = 'multiclassMargin'): tf.Tensor1D {
  checkPair(fn, yTrue, yPred);
  if (yPred.rank !== 2 || yPred.shape[1]! < 2 || yTrue.shape.join() !== yPred.shape.join()) {
    throw new LipnetInputError({
      code: 'INVALID_SHAPE',
      who: fn,
      option: 'yPred',
      message: `expected one-hot \`yTrue\` and \`yPred\` of the same shape [n, C] with C ≥ 2, got [${yTrue.shape.join(', ')}] and [${yPred.shape.join(', ')}]. Use the Binary* metric for a single score.`,
    });
  }
  return tf.tidy(() => {
    const pred = tf.cast(yPred, 'float32');
    const isTrue = tf.greater(yTrue, 0);
    const yl = tf.sum(tf.where(isTrue, pred, tf.zerosLike(pred)), 1);
    const others = tf.max(tf.where(isTrue, tf.fill(pred.shape, -Infinity), pred), 1);
    return tf.sub(yl, others) as tf.Tensor1D;
  });
}

/**
 * Binary margin Δ = sign(y − 10⁻³)·f(x) (labels in {0,1} or {−1,1}).
 * deel-lip `_delta_binary`. @returns `[n]`.
 */
export function binaryMargin(yTrue: tf.Tensor, yPred: tf.Tensor, fn = 'binaryMargin'): tf.Tensor1D {
  checkPair(fn, yTrue, yPred);
  if (yPred.size !== yTrue.size || (yPred.rank === 2 && yPred.shape[1] !== 1) || yPred.rank > 2) {
    throw new LipnetInputError({
      code: 'INVALID_SHAPE',
      who: fn,
      option: 'yPred',
      message: `expected \`yTrue\` and \`yPred\` of shape [n] or [n, 1], got [${yTrue.shape.join(', ')}] and [${yPred.shape.join(', ')}]. Use the Categorical* metric for C ≥ 2 logits.`,
    });
  }
  return tf.tidy(
    () =>
      tf.mul(
        tf.sign(tf.sub(tf.reshape(tf.cast(yTrue, 'float32'), [-1]), 1e-3)),
        tf.reshape(tf.cast(yPred, 'float32'), [-1]),
      ) as tf.Tensor1D,
  );
}

function named(name: string, f: MetricFn): MetricFn {
  Object.defineProperty(f, 'name', { value: name });
  return f;
}

/**
 * Provable robust accuracy at radius ε: the fraction of samples that are
 * correctly classified **and** certified at ε, element-wise `1[Δ/factor > ε]`
 * with factor = 2·lipConst (`disjointNeurons`, default) or √2·lipConst.
 * deel-lip `CategoricalProvableRobustAccuracy(epsilon=36/255, lip_const=1, disjoint_neurons=True)`.
 *
 * **Nominal**: assumes the network is `lipConst`-Lipschitz (each head, with `disjointNeurons`), which
 * nothing checks; a training metric cannot prove it (it sees only the logits). For a figure that holds
 * by proof, after training use `certifiedRobustAccuracy(logits, labels, {bound: lipschitzUpperBound(model)})`.
 * @returns a metric usable in `model.compile({metrics: [...]})`; per-sample 0/1 values.
 * @example
 * const m = CategoricalProvableRobustAccuracy({ epsilon: 0.5 });
 * m(tf.tensor2d([[0, 1]]), tf.tensor2d([[0, 2]]));  // [1]  (Δ=2, 2/2 > 0.5)
 */
export function CategoricalProvableRobustAccuracy(args: CategoricalProvableRobustAccuracyArgs = {}): MetricFn {
  const fn = 'CategoricalProvableRobustAccuracy';
  const o = ROBUST_ACCURACY.parse(args);
  const epsilon = o.epsilon;
  const factor = o.lipConst * (o.disjointNeurons ? 2 : Math.SQRT2);
  return named(o.name ?? fn, (yTrue, yPred) =>
    tf.tidy(() => tf.cast(tf.greater(tf.div(multiclassMargin(yTrue, yPred, fn), factor), epsilon), 'float32')),
  );
}

/**
 * Binary provable robust accuracy: element-wise `1[Δ_b/lipConst > ε]`.
 * deel-lip `BinaryProvableRobustAccuracy(epsilon=36/255, lip_const=1)`. **Nominal**: assumes the score is
 * `lipConst`-Lipschitz (see {@link CategoricalProvableRobustAccuracy}).
 * @example BinaryProvableRobustAccuracy({ epsilon: 0.1 })(tf.tensor1d([0]), tf.tensor1d([-0.3])); // [1]
 */
export function BinaryProvableRobustAccuracy(args: BinaryProvableRobustAccuracyArgs = {}): MetricFn {
  const fn = 'BinaryProvableRobustAccuracy';
  const { epsilon, lipConst: L, name } = BINARY_ROBUST_ACCURACY.parse(args);
  return named(name ?? fn, (yTrue, yPred) =>
    tf.tidy(() => tf.cast(tf.greater(tf.div(binaryMargin(yTrue, yPred, fn), L), epsilon), 'float32')),
  );
}

/**
 * Average certified radius: element-wise `φ(Δ)/factor`, φ = relu (misclassified
 * samples count 0) or identity with `negativeRobustness`. factor as in
 * {@link CategoricalProvableRobustAccuracy}.
 * deel-lip `CategoricalProvableAvgRobustness(lip_const=1, disjoint_neurons=True, negative_robustness=False)`.
 * **Nominal**, like {@link CategoricalProvableRobustAccuracy}: assumes `lipConst`; the proven radii are
 * `provenCertificates(model, x).radii`.
 * @example CategoricalProvableAvgRobustness()(tf.tensor2d([[1, 0]]), tf.tensor2d([[1, 3]])); // [0] (Δ=−2)
 */
export function CategoricalProvableAvgRobustness(args: CategoricalProvableAvgRobustnessArgs = {}): MetricFn {
  const fn = 'CategoricalProvableAvgRobustness';
  const o = AVG_ROBUSTNESS.parse(args);
  const factor = o.lipConst * (o.disjointNeurons ? 2 : Math.SQRT2);
  const neg = o.negativeRobustness;
  return named(o.name ?? fn, (yTrue, yPred) =>
    tf.tidy(() => {
      const d = multiclassMargin(yTrue, yPred, fn);
      return tf.div(neg ? d : tf.relu(d), factor);
    }),
  );
}

/**
 * Binary average certified radius: element-wise `φ(Δ_b)/lipConst`.
 * deel-lip `BinaryProvableAvgRobustness(lip_const=1, negative_robustness=False)`.
 */
export function BinaryProvableAvgRobustness(args: BinaryProvableAvgRobustnessArgs = {}): MetricFn {
  const fn = 'BinaryProvableAvgRobustness';
  const { lipConst: L, negativeRobustness: neg, name } = BINARY_AVG_ROBUSTNESS.parse(args);
  return named(name ?? fn, (yTrue, yPred) =>
    tf.tidy(() => {
      const d = binaryMargin(yTrue, yPred, fn);
      return tf.div(neg ? d : tf.relu(d), L);
    }),
  );
}

function meanOf(
  m: MetricFn,
  yTrue: tf.Tensor | number[][] | number[],
  yPred: tf.Tensor | number[][] | number[],
): number {
  const mean = tf.tidy(() => {
    const t = yTrue instanceof tf.Tensor ? yTrue : tf.tensor(yTrue);
    const p = yPred instanceof tf.Tensor ? yPred : tf.tensor(yPred);
    // A plain number is a public answer: refuse what has none (an empty batch, NaN logits).
    checkTensor(m.name, 'yPred', p, { dtype: ['float32', 'int32'] });
    checkFinite(m.name, 'yPred', p);
    return tf.mean(m(t, p));
  });
  const v = mean.dataSync()[0]!;
  mean.dispose();
  return v;
}

/** Plain-number form of {@link CategoricalProvableRobustAccuracy}: the mean over the samples (keeps no tensor). */
export function categoricalProvableRobustAccuracy(
  yTrue: tf.Tensor | number[][],
  yPred: tf.Tensor | number[][],
  args: CategoricalProvableRobustAccuracyArgs = {},
): number {
  return meanOf(CategoricalProvableRobustAccuracy(args), yTrue, yPred);
}
/** Plain-number form of {@link BinaryProvableRobustAccuracy}. */
export function binaryProvableRobustAccuracy(
  yTrue: tf.Tensor | number[],
  yPred: tf.Tensor | number[],
  args: BinaryProvableRobustAccuracyArgs = {},
): number {
  return meanOf(BinaryProvableRobustAccuracy(args), yTrue, yPred);
}
/** Plain-number form of {@link CategoricalProvableAvgRobustness} (average certified radius). */
export function categoricalProvableAvgRobustness(
  yTrue: tf.Tensor | number[][],
  yPred: tf.Tensor | number[][],
  args: CategoricalProvableAvgRobustnessArgs = {},
): number {
  return meanOf(CategoricalProvableAvgRobustness(args), yTrue, yPred);
}
/** Plain-number form of {@link BinaryProvableAvgRobustness}. */
export function binaryProvableAvgRobustness(
  yTrue: tf.Tensor | number[],
  yPred: tf.Tensor | number[],
  args: BinaryProvableAvgRobustnessArgs = {},
): number {
  return meanOf(BinaryProvableAvgRobustness(args), yTrue, yPred);
}
