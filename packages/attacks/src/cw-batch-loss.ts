/**
 * C&W's `batchLoss` run option: abort-early decided on a whole batch split into shards
 * (one per worker thread), so that the shards together give the one-batch result.
 */
import { LipnetOptionError, formatValue, opt } from '@lipnet/core';
import { RUN_OPTIONS } from './run-options';
import type { RunOptions } from './types';

/** Where an abort-early check of {@link L2CarliniWagnerAttack} is: the same sequence in every shard. */
export interface CwAbortCheck {
  /** Binary-search step, from 0. */
  binarySearchStep: number;
  /** Adam step of that run, from 0 (a multiple of `ceil(steps / 10)`). */
  step: number;
  /** Checks made before this one in this batch (0, 1, 2, …): a barrier's generation. */
  index: number;
}

/**
 * The whole batch's loss from this shard's, at abort-early check `check`; synchronous, so a
 * worker thread may block on `Atomics.wait` until every shard has posted its loss.
 */
export type CwBatchLoss = (shardLoss: number, check: CwAbortCheck) => number;

/** `L2CarliniWagnerAttack.run`'s options: {@link RunOptions} and `batchLoss`. */
export interface CwRunOptions extends RunOptions {
  /**
   * For a batch attacked in shards (e.g. one per worker thread): returns the whole batch's loss
   * given this shard's, at each abort-early check. foolbox's C&W (`abort_early`) stops an Adam
   * run when, every `ceil(steps/10)` steps, the batch's summed loss
   * `L = Σᵢ cᵢ·max(0, z_y − max_{j≠y} z_j + κ) + Σᵢ ‖x'ᵢ − x̃ᵢ‖²` is not `≤ 0.9999 ×` the previous
   * check's; everything else is per image. With `batchLoss` returning the sum of every shard's
   * loss at the same check, each shard stops when the whole batch would, and the shards' results
   * are the one-batch run's (up to the rounding of the sums). Default: this batch's own loss.
   *
   * @example
   * // in worker k of K, with a SharedArrayBuffer `losses` of K float64 + a barrier:
   * cw.run(model, shard, labels, { batchLoss: (own, check) => exchange(k, own, check.index) });
   */
  batchLoss?: CwBatchLoss;
}

/** `run`'s options of C&W: every attack's, and `batchLoss`. */
export const CW_RUN_OPTIONS = RUN_OPTIONS.extend('run', {
  batchLoss: opt
    .func()
    .describedAs(
      'a function (shardLoss, check) => number',
      'Pass a synchronous function returning the loss of the whole batch, or omit it.',
    ),
});

/** `batchLoss(shardLoss, check)`, or `shardLoss` without one; refuses a result that is not a number. */
export function batchLossAt(
  who: string,
  batchLoss: CwBatchLoss | undefined,
  shardLoss: number,
  check: CwAbortCheck,
): number {
  if (!batchLoss) return shardLoss;
  const loss = batchLoss(shardLoss, check);
  if (typeof loss !== 'number')
    throw new LipnetOptionError({
      code: 'INVALID_OPTION',
      who,
      option: 'batchLoss',
      expected: 'return a number (the loss of the whole batch)',
      got: formatValue(loss),
      fix: 'Return the sum of the losses of every shard at this check, synchronously (not a Promise).',
    });
  return loss;
}
