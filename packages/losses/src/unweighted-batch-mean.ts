import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { checkTensor, defineOptions, opt, refuseOption } from '@lipnet/core';

/** A metric as `model.compile` takes it: `(yTrue, yPred) => Tensor`. */
export type MetricFn = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;

/**
 * The unweighted mean over consecutive batches of `batchSize` of `tf.mean(metric(yTrue_b, yPred_b))`:
 * how Keras (TF 2.x, 2021) averaged a metric that returns a batch scalar (deel-lip 1.2's
 * `MulticlassKR`) over an epoch or an `evaluate` call — each batch counts once, whatever
 * its size. tfjs-layers weights batches by size instead. Returns a scalar tensor.
 *
 * @example
 * // 10,000 validation samples in batches of 4,096: the last batch (1,808) counts 1/3, not 18 %.
 * unweightedBatchMean(MulticlassKR(), yVal, model.predict(xVal) as tf.Tensor, 4096);
 */
export function unweightedBatchMean(
  metric: MetricFn,
  yTrue: tf.Tensor,
  yPred: tf.Tensor,
  batchSize: number,
): tf.Scalar {
  opt
    .integer({ min: 1 })
    .describedAs('an integer ≥ 1', 'Pass the batch size used by fit/evaluate.')
    .required()
    .resolve(batchSize, { who: 'unweightedBatchMean', path: 'batchSize' });
  checkTensor('unweightedBatchMean', 'yPred', yPred, { dtype: ['float32', 'int32'] });
  const n = yPred.shape[0] ?? 0;
  return tf.tidy(() => {
    const values: tf.Tensor[] = [];
    for (let start = 0; start < n; start += batchSize) {
      const size = Math.min(batchSize, n - start);
      const yt = tf.slice(yTrue, start, size);
      const yp = tf.slice(yPred, start, size);
      values.push(tf.mean(metric(yt, yp)));
    }
    return tf.mean(tf.stack(values)) as tf.Scalar;
  });
}

/** Arguments of {@link UnweightedBatchMean}. */
export interface UnweightedBatchMeanArgs {
  /** Training log keys to re-average without batch-size weighting, e.g. `['MulticlassKR']`. */
  keys: string[];
  /**
   * Recomputes `val_<key>` for each entry of `metrics` as Keras did: predictions on `x` in
   * inference mode, then {@link unweightedBatchMean} over batches of `batchSize`.
   */
  validation?: { x: tf.Tensor; y: tf.Tensor; batchSize: number; metrics: Record<string, MetricFn> };
}

/**
 * A `fit` callback that makes the epoch logs of batch-scalar metrics follow Keras 2021
 * (deel-lip 1.2, the Demo 4 notebook): the unweighted mean of the per-batch values instead
 * of tfjs-layers' batch-size-weighted mean. It runs after tfjs' own averaging and before
 * `History`, so `history.history[key]` holds the Keras-style value. Per-batch values are
 * summed on the device (no sync per batch). The training `loss` was weighted by batch size
 * in Keras too, so leave it out of `keys`.
 *
 * @example
 * await model.fit(x, y, {batchSize: 4096, epochs: 100, validationData: [xv, yv], callbacks: [
 *   new UnweightedBatchMean({keys: ['MulticlassKR'],
 *     validation: {x: xv, y: yv, batchSize: 4096, metrics: {MulticlassKR: MulticlassKR()}}}),
 * ]});
 */
const CALLBACK_OPTIONS = defineOptions('UnweightedBatchMean', {
  keys: opt.arrayOf(opt.string()).describedAs('an array of log keys', "Pass e.g. ['MulticlassKR'].").required(),
  validation: opt.object({
    x: opt
      .custom('a tf.Tensor', (v, ctx) => (v instanceof tf.Tensor ? v : refuseOption(ctx, v, 'a tf.Tensor')))
      .required(),
    y: opt
      .custom('a tf.Tensor', (v, ctx) => (v instanceof tf.Tensor ? v : refuseOption(ctx, v, 'a tf.Tensor')))
      .required(),
    batchSize: opt.integer({ min: 1 }).describedAs('an integer ≥ 1', 'Pass the fit batch size.').required(),
    metrics: opt
      .custom('an object of metric functions', (v, ctx) =>
        typeof v === 'object' && v !== null && Object.values(v).every((f) => typeof f === 'function')
          ? v
          : refuseOption(ctx, v, 'an object of metric functions'),
      )
      .required(),
  }),
});

export class UnweightedBatchMean extends tfl.Callback {
  private readonly keys: string[];
  private readonly validation?: UnweightedBatchMeanArgs['validation'];
  private sums = new Map<string, tf.Scalar>();
  private batches = 0;

  constructor(args: UnweightedBatchMeanArgs) {
    super();
    const o = CALLBACK_OPTIONS.parse(args);
    this.keys = o.keys;
    this.validation = args.validation;
  }

  private reset(): void {
    for (const s of this.sums.values()) s.dispose();
    this.sums.clear();
    this.batches = 0;
  }

  override onEpochBegin(): Promise<void> {
    this.reset();
    return Promise.resolve();
  }

  override onBatchEnd(_batch: number, logs?: tfl.Logs): Promise<void> {
    if (logs) this.accumulate(logs);
    return Promise.resolve();
  }

  override onEpochEnd(_epoch: number, logs?: tfl.Logs): Promise<void> {
    if (logs) this.finishEpoch(logs);
    return Promise.resolve();
  }

  /** Adds this batch's logged values to the running sums. */
  private accumulate(logs: tfl.Logs): void {
    this.batches++;
    for (const key of this.keys) {
      const v = logs[key] as unknown as number | tf.Tensor | undefined;
      if (v === undefined) continue;
      const old = this.sums.get(key);
      const next = tf.tidy(() => tf.add(old ?? tf.scalar(0), v as tf.Scalar) as tf.Scalar);
      old?.dispose();
      this.sums.set(key, tf.keep(next));
    }
  }

  /** Replaces the epoch's logs by the unweighted batch means (and the validation metrics). */
  private finishEpoch(logs: tfl.Logs): void {
    const replace = (key: string, value: tf.Scalar) => {
      const old = logs[key] as unknown;
      if (old instanceof tf.Tensor) old.dispose();
      (logs as Record<string, unknown>)[key] = value;
    };
    for (const [key, sum] of this.sums) replace(key, tf.keep(tf.div(sum, this.batches)) as tf.Scalar);
    if (this.validation) {
      const { x, y, batchSize, metrics } = this.validation;
      const pred = this.model.predict(x, { batchSize }) as tf.Tensor;
      for (const [key, fn] of Object.entries(metrics))
        replace(`val_${key}`, tf.keep(unweightedBatchMean(fn, y, pred, batchSize)));
      pred.dispose();
    }
    this.reset();
  }
}
