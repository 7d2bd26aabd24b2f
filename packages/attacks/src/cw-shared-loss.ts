/**
 * A `batchLoss` for {@link L2CarliniWagnerAttack} run in shards on several threads (Node worker
 * threads, Web Workers): the shards post their losses into one SharedArrayBuffer and wait for
 * each other at every abort-early check (a barrier), then each returns the same sum.
 */
import { LipnetInputError, formatValue } from '@lipnet/core';
import type { CwBatchLoss } from './cw-batch-loss';

/** Int32 control words: [0] shards arrived at the current check, [1] checks completed. */
const CONTROL_BYTES = 8;

/** Bytes of the SharedArrayBuffer {@link sharedBatchLoss} needs for `shards` shards. */
export function sharedBatchLossBytes(shards: number): number {
  if (!Number.isSafeInteger(shards) || shards < 1)
    throw new LipnetInputError({
      code: 'INVALID_ARGUMENT',
      who: 'sharedBatchLossBytes',
      option: 'shards',
      expected: 'be an integer ≥ 1',
      got: formatValue(shards),
      fix: 'Pass the number of shards (threads) the batch is split into.',
    });
  // Two slots of losses (checks alternate), so a shard ahead never overwrites one still being read.
  return CONTROL_BYTES + 2 * 8 * shards;
}

/**
 * `batchLoss` of shard `shard` (0 ≤ shard < shards) of a batch attacked in `shards` threads that
 * share `buffer` (zero-filled, {@link sharedBatchLossBytes}(shards) bytes, one per attack run):
 * at check k it stores its loss, waits (`Atomics.wait`, so not on a browser's main thread) until
 * every shard has stored its loss of check k, and returns their sum, added in shard order so
 * that every shard gets the same number.
 *
 * @example
 * // worker k: same buffer in every worker, shard k of the images
 * await cw.run(model, shardImages, shardLabels, { batchLoss: sharedBatchLoss(buffer, k, K) });
 */
export function sharedBatchLoss(buffer: SharedArrayBuffer, shard: number, shards: number): CwBatchLoss {
  const bytes = sharedBatchLossBytes(shards);
  if (!(buffer instanceof SharedArrayBuffer) || buffer.byteLength < bytes)
    throw new LipnetInputError({
      code: 'INVALID_ARGUMENT',
      who: 'sharedBatchLoss',
      option: 'buffer',
      expected: `be a SharedArrayBuffer of at least ${bytes} bytes`,
      got: formatValue(buffer),
      fix: `Pass new SharedArrayBuffer(sharedBatchLossBytes(${shards})), the same one to every shard.`,
    });
  if (!Number.isSafeInteger(shard) || shard < 0 || shard >= shards)
    throw new LipnetInputError({
      code: 'INVALID_ARGUMENT',
      who: 'sharedBatchLoss',
      option: 'shard',
      expected: `be an integer in [0, ${shards - 1}]`,
      got: formatValue(shard),
      fix: 'Pass the index of this thread among the shards.',
    });
  const control = new Int32Array(buffer, 0, 2);
  const losses = new Float64Array(buffer, CONTROL_BYTES, 2 * shards);
  return (shardLoss, check) => {
    const slot = (check.index % 2) * shards;
    losses[slot + shard] = shardLoss;
    if (Atomics.add(control, 0, 1) === shards - 1) {
      Atomics.store(control, 0, 0);
      Atomics.store(control, 1, check.index + 1);
      Atomics.notify(control, 1);
    } else {
      while (Atomics.load(control, 1) === check.index) Atomics.wait(control, 1, check.index);
    }
    let sum = 0;
    for (let k = 0; k < shards; k++) sum += losses[slot + k] as number;
    return sum;
  };
}
