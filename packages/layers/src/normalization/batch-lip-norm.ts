import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { withoutGradient } from '@lipnet/constraints';
import { LipnetInputError, opt } from '@lipnet/core';
import { layerOptions } from '../layer-options';
import { axesMismatch, axesOption, channelCount } from './normalization-checks';
import { ScaleBiasLayer } from './scale-bias-layer';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
type Shape = Array<number | null>;

/** Arguments of {@link BatchLipNorm}. */
export interface BatchLipNormArgs extends LayerArgs {
  /** Axes of the batch statistics (channels last). Default: every axis but the channels, `[0, …, rank − 2]`. */
  axes?: number[];
  /** Subtract the batch mean. Default true. */
  centering?: boolean;
  /** Add a trainable bias `β` of shape `[C]` (initialised to 0). Default true. */
  useBias?: boolean;
  /** Divide by one shared scale √(max_c Var_c). Default true (false: {@link BatchCentering}). */
  normalize?: boolean;
  /** Variances below eps are replaced by 1. Default 1e-5. */
  eps?: number;
}

/** The options of BatchLipNorm, declared once. */
export const BATCH_LIP_NORM_OPTIONS = layerOptions('BatchLipNorm', {
  axes: axesOption(0, 'Pass e.g. [0, 1, 2].'),
  centering: opt.boolean().default(true),
  useBias: opt.boolean().default(true),
  normalize: opt.boolean().default(true),
  eps: opt.number({ min: 0 }).describedAs('a finite number ≥ 0', 'Pass e.g. 1e-5.').default(1e-5),
});

/** Mean and scale used in inference, from the running statistics. */
interface EvalStats {
  mean: tf.Tensor1D;
  scale: number;
}

/**
 * Batch normalisation with a single scale (deel-torchlip 1.0.5 `BatchLipNorm(num_features,
 * dim=None, centering=True, bias=True, normalize=True, eps=1e-5)`; channels last here):
 *
 *   `y = (x − μ)·s + β`, `s = 1/√(max_c Var_c)` (one factor for all channels, so the
 *   layer's Lipschitz constant is s, not a per-channel rescaling; variances < eps count as 1).
 *
 * Training (`training: true`): μ and Var are the batch's (Var unbiased, ·n/(n−1)), gradients flow
 * through them, and the running sums of the batch means and mean squares are accumulated.
 * Inference: the running sums are first reduced to their means, after which the past epoch counts
 * as one batch for the next (torchlip's `update_running_values`), then μ, Var come from them.
 * As in torchlip, the statistics restart at the first training batch after construction (or
 * loading), and inference before any training step uses μ = 0, s = 1.
 *
 * Not 1-Lipschitz: its constant in inference is `s` ({@link lipschitzBound}); torchlip tracks the
 * product of such scales with `SharedLipFactory`, lipnet's `lipschitzUpperBound` multiplies the
 * per-layer bounds. `vanillaExport()` gives a {@link ScaleBiasLayer} (`s`, `β − μ·s`). torchlip's
 * multi-GPU all-reduce of the statistics has no counterpart here.
 */
export class BatchLipNorm extends tfl.layers.Layer {
  static className = 'BatchLipNorm';
  readonly axes: number[] | null;
  readonly centering: boolean;
  readonly useBias: boolean;
  readonly normalize: boolean;
  readonly eps: number;
  private bias: tfl.LayerVariable | null = null;
  private state: Record<
    'sumMean' | 'sumMeanSq' | 'numBatches' | 'samplesPerBatch' | 'totalSamples',
    tfl.LayerVariable
  > | null = null;
  private first = true;

  constructor(args: BatchLipNormArgs = {}) {
    super(args);
    const o = BATCH_LIP_NORM_OPTIONS.parse(args, this.getClassName());
    this.axes = o.axes ?? null;
    this.centering = o.centering;
    this.useBias = o.useBias;
    this.normalize = o.normalize;
    this.eps = o.eps;
  }

  private reduceAxes(rank: number): number[] {
    const axes = this.axes ?? Array.from({ length: rank - 1 }, (_, i) => i);
    if (axes.some((a) => a >= rank - 1) || !axes.includes(0)) {
      throw axesMismatch(
        this.getClassName(),
        `\`axes\` [${axes.join(', ')}] must include the batch axis 0 and exclude the channel axis ${rank - 1}.`,
      );
    }
    return axes;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    this.reduceAxes(shape.length);
    const c = channelCount(this.getClassName(), inputShape);
    if (this.useBias) this.bias = this.addWeight('bias', [c], 'float32', tfl.initializers.zeros(), undefined, true);
    const w = (name: string, size: number) =>
      this.addWeight(name, [size], 'float32', tfl.initializers.zeros(), undefined, false);
    this.state = {
      sumMean: w('running_sum_bmean', c),
      sumMeanSq: w('running_sum_bmeansq', c),
      numBatches: w('running_num_batches', 1),
      samplesPerBatch: w('running_mean_sample_per_batches', 1),
      totalSamples: w('total_num_samples', 1),
    };
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return inputShape;
  }

  /** Zeroes the running statistics (torchlip `reset_states`). */
  override resetStates(): void {
    for (const v of Object.values(this.state ?? {})) v.write(tf.zerosLike(v.read()));
  }

  private read(name: keyof NonNullable<BatchLipNorm['state']>): number {
    return this.state![name].read().dataSync()[0]!;
  }

  /** Unbiased variance with variances below eps replaced by 1 (the mask carries no gradient). */
  private scaleFrom(meanSq: tf.Tensor, mean: tf.Tensor, samples: number): tf.Tensor {
    const v = tf.mul(tf.sub(meanSq, tf.square(mean)), samples / (samples - 1));
    const small = withoutGradient((t) => tf.cast(tf.less(t, this.eps), 'float32'), v);
    return tf.div(1, tf.sqrt(tf.max(tf.add(v, tf.mul(small, tf.sub(1, v))))));
  }

  /** torchlip `update_running_values`: the running sums become means, counting as one batch. */
  private updateRunningValues(): void {
    const nb = this.read('numBatches');
    if (nb <= 1) return;
    const s = this.state!;
    tf.tidy(() => {
      s.sumMean.write(tf.div(s.sumMean.read(), nb));
      if (this.normalize) {
        s.sumMeanSq.write(tf.div(s.sumMeanSq.read(), nb));
        s.totalSamples.write(tf.clone(s.samplesPerBatch.read()));
        s.samplesPerBatch.write(tf.div(s.samplesPerBatch.read(), nb));
      }
      s.numBatches.write(tf.ones([1]));
    });
  }

  /** Inference statistics from the running values as they stand (no state change). */
  private evalStats(): EvalStats {
    const s = this.state!;
    const nb = this.read('numBatches');
    if (nb === 0) return { mean: tf.zerosLike(s.sumMean.read()) as tf.Tensor1D, scale: 1 };
    const mean = tf.div(s.sumMean.read(), nb) as tf.Tensor1D;
    if (!this.normalize) return { mean, scale: 1 };
    const stored = this.read('totalSamples');
    const total = nb > 1 ? this.read('samplesPerBatch') : stored === 0 ? this.read('samplesPerBatch') : stored;
    const scale = tf.tidy(() => this.scaleFrom(tf.div(s.sumMeanSq.read(), nb), mean, total).dataSync()[0]!);
    return { mean, scale };
  }

  /** Inference Lipschitz constant (L2): the scale s of the running statistics (1 without `normalize`). */
  lipschitzBound(): number {
    if (!this.state) return 1;
    const { mean, scale } = this.evalStats();
    mean.dispose();
    return scale;
  }

  private trainStep(x: tf.Tensor, axes: number[]): { mean: tf.Tensor; scale: tf.Tensor | number } {
    const s = this.state!;
    const c = x.shape[x.rank - 1]!;
    const n = x.size / c;
    if (this.first) {
      this.resetStates();
      this.first = false;
    }
    const mean = this.centering ? tf.mean(x, axes) : tf.zeros([c]);
    const meanSq = this.normalize ? tf.mean(tf.square(x), axes) : null;
    const detached = withoutGradient((m) => tf.clone(m), mean);
    s.sumMean.write(tf.add(s.sumMean.read(), detached));
    s.numBatches.write(tf.add(s.numBatches.read(), 1));
    if (!meanSq) return { mean, scale: 1 };
    s.sumMeanSq.write(
      tf.add(
        s.sumMeanSq.read(),
        withoutGradient((m) => tf.clone(m), meanSq),
      ),
    );
    s.samplesPerBatch.write(tf.add(s.samplesPerBatch.read(), n));
    return { mean, scale: this.scaleFrom(meanSq, mean, n) };
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      this.invokeCallHook(inputs, kwargs);
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      const axes = this.reduceAxes(x.rank);
      let mean: tf.Tensor;
      let scale: tf.Tensor | number;
      if (kwargs['training'] === true) ({ mean, scale } = this.trainStep(x, axes));
      else {
        this.updateRunningValues();
        if (this.normalize && this.read('numBatches') === 1 && this.read('totalSamples') === 0)
          this.state!.totalSamples.write(tf.clone(this.state!.samplesPerBatch.read()));
        ({ mean, scale } = this.evalStats());
      }
      const y = tf.mul(tf.sub(x, mean), scale);
      return this.bias ? tf.add(y, this.bias.read()) : y;
    });
  }

  /** The inference map as a {@link ScaleBiasLayer}: scalar s, bias `β − μ·s` (torchlip `vanilla_export`). */
  vanillaExport(): ScaleBiasLayer {
    if (!this.state)
      throw new LipnetInputError({
        code: 'INVALID_ARGUMENT',
        who: this.getClassName(),
        option: 'input',
        message: 'the layer is not built yet. Call it on an input first.',
      });
    this.updateRunningValues();
    const { mean, scale } = this.evalStats();
    const out = new ScaleBiasLayer({ scalar: scale, useBias: true, name: `${this.name}_vanilla` });
    out.build([null, mean.shape[0]]);
    const b = tf.tidy(() => {
      const shifted = tf.mul(mean, -scale);
      return this.bias ? tf.add(shifted, this.bias.read()) : shifted;
    });
    out.setWeights([b]);
    tf.dispose([b, mean]);
    return out;
  }

  /** Hook of `vanillaExport(model)`: this layer exports to one {@link ScaleBiasLayer}. */
  vanillaExportLayers(): tfl.layers.Layer[] {
    return [this.vanillaExport()];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      axes: this.axes,
      centering: this.centering,
      useBias: this.useBias,
      normalize: this.normalize,
      eps: this.eps,
    };
  }
}
tf.serialization.registerClass(BatchLipNorm);

/** Factory for {@link BatchLipNorm}. */
export function batchLipNorm(args: BatchLipNormArgs = {}): BatchLipNorm {
  return new BatchLipNorm(args);
}
