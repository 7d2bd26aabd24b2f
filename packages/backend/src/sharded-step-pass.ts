/**
 * {@link DataParallelTrainer}'s {@link LogitsPass}: the batch's logits come from
 * the worker threads, shard by shard, and each worker finishes its backward
 * pass once ∂L/∂P is in the step's SharedArrayBuffer (a worker waits for it
 * with `Atomics.wait` inside its gradient tape; see data-parallel-protocol.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { GRADIENT_BYTE_OFFSET, GRADIENT_READY, STEP_ABORTED } from './data-parallel-protocol';
import { shardSizes, stackShards, type Reply, type WorkerHandle } from './data-parallel-workers';
import type { LogitsPass } from './full-batch-step';

/** Posts shard i of the batch (rows `sizes[i]`) with the weights and `extra(i, firstRow)` to worker i. */
export type Scatter = (
  type: string,
  sizes: number[],
  extra: (i: number, start: number) => Record<string, unknown>,
) => void;

/** One data-parallel step's forward and backward passes over the workers. */
export class ShardedStepPass implements LogitsPass {
  private control: Int32Array | undefined;
  private gAll: Float32Array | undefined;
  private gradsEach: Promise<Reply>[] = [];

  constructor(
    private readonly handles: WorkerHandle[],
    private readonly model: tfl.LayersModel,
    private readonly x: tf.Tensor,
    private readonly scatter: Scatter,
  ) {}

  /** Sends the shards; resolves with the workers' logits stacked in shard order. */
  async forward(): Promise<tf.Tensor> {
    const n = this.x.shape[0];
    const outRow = tf.util.sizeFromShape((this.model.outputs[0]!.shape as number[]).slice(1));
    // Shared per step: Int32 control word, then G (n · outRow floats).
    const sab = new SharedArrayBuffer(GRADIENT_BYTE_OFFSET + 4 * n * outRow);
    this.control = new Int32Array(sab, 0, 1);
    this.gAll = new Float32Array(sab, GRADIENT_BYTE_OFFSET, n * outRow);
    const sizes = shardSizes(n, this.handles.length);
    this.scatter('step', sizes, (i, start) => ({ sab, gOffset: start * outRow, nonTrainable: i === 0 }));
    this.gradsEach = sizes.map((_, i) => this.handles[i]!.expect('grads'));
    // Awaited in backward/abort; marked handled now so a worker failing mid-step is not an unhandled rejection meanwhile.
    for (const p of this.gradsEach) p.catch(() => undefined);
    const { values, shape } = stackShards(await Promise.all(sizes.map((_, i) => this.handles[i]!.expect('logits'))));
    return tf.tensor(values, shape);
  }

  /**
   * Writes G for the workers, waits for their gradients and sums them; the
   * master model's non-trainable weights (power-iteration vectors) are then
   * set to the first worker's.
   */
  async backward(g: tf.Tensor): Promise<tf.NamedTensorMap> {
    this.gAll!.set(g.dataSync());
    Atomics.store(this.control!, 0, GRADIENT_READY);
    Atomics.notify(this.control!, 0);
    const replies = await Promise.all(this.gradsEach);
    const trainable = this.model.trainableWeights.map((w) => w.read() as tf.Variable);
    const named: tf.NamedTensorMap = {};
    tf.tidy(() => {
      trainable.forEach((v, k) => {
        const parts = replies.map((r) => tf.tensor((r['grads'] as Float32Array[])[k]!, v.shape));
        named[v.name] = tf.keep(parts.length === 1 ? parts[0]! : tf.addN(parts));
      });
    });
    const nt = replies[0]!['nonTrainable'] as Float32Array[] | undefined;
    if (nt) {
      const vars = this.model.nonTrainableWeights;
      tf.tidy(() => vars.forEach((w, k) => (w.read() as tf.Variable).assign(tf.tensor(nt[k]!, w.read().shape))));
    }
    return named;
  }

  /** Tells the waiting workers the step is abandoned, and waits until every one has answered. */
  async abort(): Promise<void> {
    if (this.control) {
      Atomics.store(this.control, 0, STEP_ABORTED);
      Atomics.notify(this.control, 0);
    }
    await Promise.allSettled(this.gradsEach);
  }
}
