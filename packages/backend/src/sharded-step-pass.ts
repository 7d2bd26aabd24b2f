/**
 * {@link DataParallelTrainer}'s {@link LogitsPass}: the batch's logits come from
 * the worker threads, shard by shard, and each worker finishes its backward
 * pass once ∂L/∂P is in the step's SharedArrayBuffer (a worker waits for it
 * with `Atomics.wait` inside its gradient tape; see data-parallel-protocol.ts).
 * Every array goes through shared memory (data-parallel-exchange.ts): x and
 * the weights in, P, G and the gradients out; messages only signal.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { GRADIENT_READY, STEP_ABORTED } from './data-parallel-protocol';
import { views, type ExchangeLayout, type StepRegions } from './data-parallel-exchange';
import { shardSizes, type Reply, type WorkerHandle } from './data-parallel-workers';
import type { LogitsPass } from './full-batch-step';

/** A step or prediction whose inputs are in shared memory: its buffer, regions and sizes. */
export interface ScatteredStep {
  sab: SharedArrayBuffer;
  regions: StepRegions;
  /** Output floats per sample. */
  outRow: number;
  /** Samples in the batch. */
  rows: number;
}

/** Writes x and the weights to shared memory and tells worker i to run `type` on its `sizes[i]` rows. */
export type Scatter = (
  type: string,
  sizes: number[],
  extra: (i: number, start: number) => Record<string, unknown>,
) => ScatteredStep;

/** One data-parallel step's forward and backward passes over the workers. */
export class ShardedStepPass implements LogitsPass {
  private step: ScatteredStep | undefined;
  private gradsEach: Promise<Reply>[] = [];

  constructor(
    private readonly handles: WorkerHandle[],
    private readonly model: tfl.LayersModel,
    private readonly x: tf.Tensor,
    private readonly exchange: { sab: SharedArrayBuffer; layout: ExchangeLayout },
    private readonly scatter: Scatter,
  ) {}

  /** The whole batch's outputs the workers wrote to the step buffer, as a tensor of [rows, ...shape[1:]]. */
  static outputs(step: ScatteredStep, shape: number[]): tf.Tensor {
    const values = new Float32Array(step.sab, step.regions.p, step.rows * step.outRow).slice();
    return tf.tensor(values, [step.rows, ...shape.slice(1)]);
  }

  /** Sends the shards; resolves with the workers' logits of the whole batch. */
  async forward(): Promise<tf.Tensor> {
    const sizes = shardSizes(this.x.shape[0], this.handles.length);
    this.step = this.scatter('step', sizes, (i) => ({ nonTrainable: i === 0 }));
    this.gradsEach = sizes.map((_, i) => this.handles[i]!.expect('grads'));
    // Awaited in backward/abort; marked handled now so a worker failing mid-step is not an unhandled rejection meanwhile.
    for (const p of this.gradsEach) p.catch(() => undefined);
    const replies = await Promise.all(sizes.map((_, i) => this.handles[i]!.expect('logits')));
    return ShardedStepPass.outputs(this.step, replies[0]!['shape'] as number[]);
  }

  /**
   * Writes G for the workers, waits for their gradients (in the exchange
   * buffer) and sums them; the master model's non-trainable weights
   * (power-iteration vectors) are then set to the first worker's.
   */
  async backward(g: tf.Tensor): Promise<tf.NamedTensorMap> {
    const step = this.step!;
    new Float32Array(step.sab, step.regions.g, step.rows * step.outRow).set(g.dataSync());
    const control = new Int32Array(step.sab, 0, 1);
    Atomics.store(control, 0, GRADIENT_READY);
    Atomics.notify(control, 0);
    const replies = await Promise.all(this.gradsEach);
    const { sab, layout } = this.exchange;
    const trainable = this.model.trainableWeights.map((w) => w.read() as tf.Variable);
    const sizes = trainable.map((v) => v.size);
    const sums = views(sab, layout.grads[0]!, sizes).map((v) => v.slice());
    for (let w = 1; w < replies.length; w++) {
      views(sab, layout.grads[w]!, sizes).forEach((part, k) => {
        const sum = sums[k]!;
        for (let i = 0; i < sum.length; i++) sum[i]! += part[i]!;
      });
    }
    const named: tf.NamedTensorMap = {};
    trainable.forEach((v, k) => (named[v.name] = tf.tensor(sums[k]!, v.shape)));
    const nt = this.model.nonTrainableWeights;
    const ntValues = views(
      sab,
      layout.nonTrainable,
      nt.map((w) => w.read().size),
    );
    tf.tidy(() =>
      nt.forEach((w, k) => (w.read() as tf.Variable).assign(tf.tensor(ntValues[k]!.slice(), w.read().shape))),
    );
    return named;
  }

  /** Tells the waiting workers the step is abandoned, and waits until every one has answered. */
  async abort(): Promise<void> {
    if (this.step) {
      const control = new Int32Array(this.step.sab, 0, 1);
      Atomics.store(control, 0, STEP_ABORTED);
      Atomics.notify(control, 0);
    }
    await Promise.allSettled(this.gradsEach);
  }
}
