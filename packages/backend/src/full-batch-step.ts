/**
 * One optimizer step with the exact full-batch gradient of any loss — also of
 * losses of batch statistics such as deel-lip's `MulticlassKR` /
 * `MulticlassHKR`, whose value is not a mean of per-sample terms. This is the
 * one implementation behind {@link DataParallelTrainer.step} (shards on worker
 * threads) and demo4's micro-batched step (chunks in one thread):
 *
 *   1. forward: the logits P of the whole batch, computed part by part;
 *   2. the loss L(y, P) and the metrics on the whole batch, and G = ∂L/∂P;
 *   3. backward: ∂L/∂θ = Σ_parts ∂(Σ P_part ⊙ G_part)/∂θ — the chain rule, as
 *      L depends on θ only through P;
 *   4. one optimizer update with ∂L/∂θ.
 *
 * A loss or metric may return a scalar or per-sample values; a non-scalar value
 * is reduced by its mean (Keras' `SUM_OVER_BATCH_SIZE` reduction) and L is that
 * scalar. A scalar is used as it is.
 */
import * as tf from '@tensorflow/tfjs-core';

/** `(yTrue, yPred) => tensor`, the shape of a Keras loss or metric (reduced to a scalar by mean if not one). */
export type LossOrMetricFn = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;

/** A scalar as it is; any other tensor reduced by its mean (Keras' `SUM_OVER_BATCH_SIZE`). */
export function reduceToScalar(t: tf.Tensor): tf.Scalar {
  return (t.rank === 0 ? t : tf.mean(t)) as tf.Scalar;
}

/**
 * The batch's objective as a function of its logits: `lossOf(p)` returns the
 * scalar L(y, p) and records [L, ...metrics] (kept out of any tidy) the first
 * time it is called; {@link values} reads and frees that record.
 */
export class BatchObjective {
  private recorded: tf.Tensor | undefined;

  constructor(
    private readonly y: tf.Tensor,
    private readonly loss: LossOrMetricFn,
    private readonly metrics: LossOrMetricFn[] = [],
  ) {}

  /** L(y, p) as a scalar; the first call also records [L, ...metrics(y, p)]. */
  lossOf(p: tf.Tensor): tf.Scalar {
    const l = reduceToScalar(this.loss(this.y, p));
    if (!this.recorded)
      this.recorded = tf.keep(tf.stack([l, ...this.metrics.map((m) => reduceToScalar(m(this.y, p)))]));
    return l;
  }

  /** [L, ...metrics] of the recorded call, read and freed. */
  async values(): Promise<number[]> {
    const t = this.recorded;
    if (!t) throw new Error('BatchObjective.values: lossOf was never called. Call it in the step first.');
    this.recorded = undefined;
    try {
      return Array.from(await t.data());
    } finally {
      t.dispose();
    }
  }

  /** Frees the record, if any (a failed step). */
  dispose(): void {
    this.recorded?.dispose();
    this.recorded = undefined;
  }
}

/** How the model's logits on a batch are computed in parts, and their vector-Jacobian product. */
export interface LogitsPass {
  /** Runs the batch forward; resolves with the logits P of the whole batch (the caller disposes it). */
  forward(): Promise<tf.Tensor>;
  /**
   * Given G = ∂L/∂P (same shape as P), resolves with Σ_parts ∂(Σ P_part ⊙ G_part)/∂θ
   * for every trainable variable, by variable name (the caller disposes them).
   */
  backward(g: tf.Tensor): Promise<tf.NamedTensorMap>;
  /** The step failed between forward and backward (e.g. the loss threw): release whatever waits for G. */
  abort(): Promise<void>;
}

/** Wall times of one {@link fullBatchStep}, in ms. */
export interface FullBatchStepTimings {
  /** Until the whole batch's logits were there. */
  forwardMs: number;
  /** Loss, metrics and ∂L/∂P on the whole batch. */
  lossMs: number;
  /** The parts' backward passes, until every gradient was there. */
  backwardMs: number;
  /** The optimizer update. */
  applyMs: number;
}

/**
 * One step of `optimizer` on L = loss(y, P) with the exact full-batch gradient,
 * P computed by `pass` (see the module comment). Resolves with [L, ...metrics]
 * on this batch, computed before the update (as Keras logs them), and the
 * step's timings. When the forward pass or the loss fails, `pass.abort()` runs
 * and the error is rethrown; nothing is updated.
 */
export async function fullBatchStep(
  pass: LogitsPass,
  y: tf.Tensor,
  optimizer: tf.Optimizer,
  loss: LossOrMetricFn,
  metrics: LossOrMetricFn[] = [],
): Promise<{ values: number[]; timings: FullBatchStepTimings }> {
  const objective = new BatchObjective(y, loss, metrics);
  const t0 = performance.now();
  let g: tf.Tensor;
  let t1: number;
  try {
    const p = await pass.forward();
    t1 = performance.now();
    try {
      g = tf.tidy(() => tf.grad((q: tf.Tensor) => objective.lossOf(q))(p));
    } finally {
      p.dispose();
    }
  } catch (err) {
    objective.dispose();
    await pass.abort();
    throw err;
  }
  const t2 = performance.now();
  let grads: tf.NamedTensorMap;
  try {
    grads = await pass.backward(g);
  } catch (err) {
    objective.dispose();
    throw err;
  } finally {
    g.dispose();
  }
  const t3 = performance.now();
  optimizer.applyGradients(grads);
  tf.dispose(Object.values(grads));
  const values = await objective.values();
  return {
    values,
    timings: { forwardMs: t1 - t0, lossMs: t2 - t1, backwardMs: t3 - t2, applyMs: performance.now() - t3 },
  };
}

/**
 * The degenerate case where the whole batch goes forward in one pass on the
 * optimizer's own gradient tape (G then flows through the tape, never
 * materialised): `optimizer.minimize` of the same objective. Resolves with
 * [L, ...metrics] before the update.
 */
export async function tapeStep(
  forward: () => tf.Tensor,
  variables: tf.Variable[],
  y: tf.Tensor,
  optimizer: tf.Optimizer,
  loss: LossOrMetricFn,
  metrics: LossOrMetricFn[] = [],
): Promise<number[]> {
  const objective = new BatchObjective(y, loss, metrics);
  try {
    optimizer.minimize(() => objective.lossOf(forward()), false, variables);
  } catch (err) {
    objective.dispose();
    throw err;
  }
  return objective.values();
}
