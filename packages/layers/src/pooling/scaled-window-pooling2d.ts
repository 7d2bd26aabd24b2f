import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LipschitzLayer } from '../lipschitz-layer';
import {
  checkChannelsLast,
  checkImageShape,
  checkPoolKCoefLip,
  checkStridesPadding,
  normalizePair,
  pooledShape,
} from './pooling-checks';
import { opt } from '@lipnet/core';
import { layerOptions, kCoefLipOption } from '../layer-options';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
type Shape = Array<number | null>;

/** Arguments of {@link ScaledWindowPooling2D} (shared by the scaled windowed poolings). */
export interface ScaledWindowPooling2DArgs extends LayerArgs {
  /** Window (ph, pw); an integer means (n, n). Default [2, 2]. */
  poolSize?: number | [number, number];
  /** Must be absent, null or equal to `poolSize` (non-overlapping windows). */
  strides?: number | [number, number] | null;
  /** Only `'valid'` (the default). */
  padding?: 'valid';
  /** Only `'channelsLast'` (the default; deel-lip's `'channels_last'` is accepted). */
  dataFormat?: 'channelsLast' | 'channels_last';
  /** Lipschitz constant. Default 1. */
  kCoefLip?: number;
}

/** The options of ScaledWindowPooling2D, declared once. */
const OPTIONS = layerOptions('ScaledWindowPooling2D', {
  poolSize: opt.any(),
  strides: opt.any(),
  padding: opt.any(),
  dataFormat: opt.any(),
  kCoefLip: kCoefLipOption,
  epsGradSqrt: opt.any(),
});

/**
 * Common base of {@link ScaledAveragePooling2D} and {@link ScaledL2NormPooling2D}: a pooling
 * over non-overlapping `ph×pw` windows (strides = poolSize, padding 'valid', channels last),
 * rescaled so that the layer is exactly `kCoefLip`-Lipschitz (deel-lip's
 * `ScaledAveragePooling2D` / `ScaledL2NormPooling2D`). Holds and validates `poolSize`,
 * `strides`, `padding`, `dataFormat` and `kCoefLip`, implements `LipschitzLayer`, the output
 * shape `(b, ⌊H/ph⌋, ⌊W/pw⌋, C)` and the config. Subclasses give {@link pool}, the scaled
 * pooling of a validated NHWC input. Abstract: not registered for serialisation itself.
 */
export abstract class ScaledWindowPooling2D extends tfl.layers.Layer implements LipschitzLayer {
  readonly isLipschitz = true as const;
  kCoefLip: number;
  readonly poolSize: [number, number];
  readonly padding: 'valid';
  readonly dataFormat: 'channelsLast';

  constructor(args: ScaledWindowPooling2DArgs = {}) {
    super(args);
    OPTIONS.parse(args, this.getClassName());
    const cls = this.getClassName();
    this.poolSize = normalizePair(cls, 'poolSize', args.poolSize ?? [2, 2]);
    this.padding = args.padding ?? 'valid';
    checkStridesPadding(cls, this.poolSize, args.strides, this.padding);
    this.dataFormat = checkChannelsLast(cls, args.dataFormat ?? 'channelsLast');
    this.kCoefLip = checkPoolKCoefLip(cls, args.kCoefLip ?? 1);
  }

  /** Sets the Lipschitz constant (used by `sequential({kCoefLip})`). */
  setKCoefLip(k: number): void {
    this.kCoefLip = checkPoolKCoefLip(this.getClassName(), k);
  }

  /** Exact L2 Lipschitz constant: `kCoefLip`. */
  lipschitzBound(): number {
    return this.kCoefLip;
  }

  /** {@link lipschitzBound} from a `getConfig()` dictionary. */
  static lipschitzBoundFromConfig(config: tf.serialization.ConfigDict): number {
    return typeof config['kCoefLip'] === 'number' ? config['kCoefLip'] : 1;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const cls = this.getClassName();
    return pooledShape(cls, checkImageShape(cls, inputShape), this.poolSize);
  }

  /** The scaled pooling of `x` (NHWC, shape already checked); called inside `tf.tidy`. */
  protected abstract pool(x: tf.Tensor4D): tf.Tensor;

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      this.invokeCallHook(inputs, kwargs);
      const x = (Array.isArray(inputs) ? inputs[0]! : inputs) as tf.Tensor4D;
      this.computeOutputShape(x.shape);
      return this.pool(x);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      poolSize: [...this.poolSize],
      strides: [...this.poolSize],
      padding: this.padding,
      dataFormat: this.dataFormat,
      kCoefLip: this.kCoefLip,
    };
  }
}
