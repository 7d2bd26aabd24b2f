import * as tf from '@tensorflow/tfjs-core';
import { FUSED_KERNELS, LipnetInputError, LipnetOptionError, formatValue } from '@lipnet/core';

/**
 * A model's training-mode logits with its forward and backward passes compiled:
 * TensorFlow graph runs on the native backend (`compileTrainingForward`, see
 * `trainGraph`), the backend's kernels called layer by layer elsewhere
 * (`compileKernelPass`). `apply(x)` is a drop-in for
 * `model.apply(x, { training: true })` inside `optimizer.minimize` /
 * `tf.variableGrads`: the layers' normalised kernels W̄ are computed eagerly,
 * on the tape, as a training call does (so u and σ are updated and ∂L/∂W̄
 * flows back through the reparametrisation), and the network between them is
 * one `tf.customGrad` op whose gradient is the backward pass.
 */
export interface TrainingForward {
  /** The logits of `x` in training mode, differentiable with respect to the model's trainable weights. */
  apply(x: tf.Tensor): tf.Tensor;
  /**
   * The logits of `x` in inference mode, as `model.predict(x)` computes them (each layer's W̄ as
   * inference uses it, deel-lip's `wbar`: the layers' `effectiveWeights()`), in one forward run of
   * the same graph that fetches only the logits. Not differentiable; the caller disposes the result.
   */
  predict(x: tf.Tensor): tf.Tensor;
  /** Wall time spent in the graph's session runs since creation, ms (forward runs, backward runs) and their count. */
  runTimes(): TrainingGraphRunTimes;
  /** Closes the sessions. Idempotent. */
  dispose(): void;
}

/** See {@link TrainingForward.runTimes}. */
export interface TrainingGraphRunTimes {
  forwardMs: number;
  backwardMs: number;
  forwardRuns: number;
  backwardRuns: number;
}

/**
 * Throws unless `x` is a non-empty float32 batch of a model's input shape
 * `inner` (without the batch axis; null: any size) and the pass is not
 * `disposed`: the check of `TrainingForward.apply` / `predict` (`method`).
 */
export function checkTrainingBatch(
  disposed: boolean,
  method: string,
  x: tf.Tensor,
  inner: readonly (number | null)[],
): void {
  if (disposed) throw new Error(`TrainingForward: ${method}() after dispose()`);
  const shape = x.shape.slice(1);
  const fits = shape.length === inner.length && inner.every((d, i) => d === null || d === shape[i]);
  if (!fits || x.dtype !== 'float32' || x.shape[0] === 0) {
    throw new LipnetInputError({
      code: 'INVALID_ARGUMENT',
      who: `TrainingForward.${method}`,
      option: 'x',
      message: `expected a non-empty float32 batch of shape [n, ${inner.map((d) => d ?? '?').join(', ')}], got ${x.dtype} [${x.shape.join(', ')}]. Pass the model's input batch.`,
    });
  }
}

/**
 * The fused kernels (TensorFlow ops on the native backend) both compiled passes call for GroupSort(2)
 * and L2 pooling: a backend without one of them gets neither pass.
 */
export const PAIR_SORT_POOL_KERNELS = [
  FUSED_KERNELS.pairSort,
  FUSED_KERNELS.pairSortGrad,
  FUSED_KERNELS.biasPairSort,
  FUSED_KERNELS.biasPairSortGrad,
  FUSED_KERNELS.l2Pool,
  FUSED_KERNELS.l2PoolGrad,
  FUSED_KERNELS.biasPairSortL2Pool,
  FUSED_KERNELS.biasPairSortL2PoolGrad,
] as const;

/** Throws unless `on` is a boolean: the check of the passes' on/off switches (`who`: the function's name). */
export function checkSwitch(who: string, on: unknown): asserts on is boolean {
  if (typeof on !== 'boolean') {
    throw new LipnetOptionError({
      code: 'INVALID_OPTION',
      who,
      option: 'on',
      message: `expected \`on\` to be a boolean, got ${formatValue(on)}. Pass true or false.`,
    });
  }
}
