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

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
type Shape = Array<number | null>;

/** Arguments of {@link ScaledAveragePooling2D}. */
export interface ScaledAveragePooling2DArgs extends LayerArgs {
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

/**
 * Average pooling rescaled to be `kCoefLip`-Lipschitz:
 * `y = k · √(ph·pw) · avgpool(x)` with non-overlapping `ph×pw` windows and valid padding,
 * i.e. `k · (Σ_window x) / √(ph·pw)`. The averaging operator has norm 1/√(ph·pw)
 * (each output is a window mean, windows are disjoint), so the layer is exactly
 * `kCoefLip`-Lipschitz. deel-lip: `deel.lip.layers.ScaledAveragePooling2D(pool_size=(2,2))`
 * (strides must equal pool_size, padding 'valid').
 *
 * @example
 * scaledAveragePooling2D({poolSize: 2}).apply(ones([1, 2, 2, 1]))  // [[[[2]]]] (= 4 / √4)
 */
export class ScaledAveragePooling2D extends tfl.layers.Layer implements LipschitzLayer {
  static className = 'ScaledAveragePooling2D';
  readonly isLipschitz = true as const;
  kCoefLip: number;
  readonly poolSize: [number, number];
  readonly padding: 'valid';
  readonly dataFormat: 'channelsLast';

  constructor(args: ScaledAveragePooling2DArgs = {}) {
    super(args);
    const cls = ScaledAveragePooling2D.className;
    this.poolSize = normalizePair(cls, 'poolSize', args.poolSize ?? [2, 2]);
    this.padding = args.padding ?? 'valid';
    checkStridesPadding(cls, this.poolSize, args.strides, this.padding);
    this.dataFormat = checkChannelsLast(cls, args.dataFormat ?? 'channelsLast');
    this.kCoefLip = checkPoolKCoefLip(cls, args.kCoefLip ?? 1);
  }

  /** Sets the Lipschitz constant (used by `sequential({kCoefLip})`). */
  setKCoefLip(k: number): void {
    this.kCoefLip = checkPoolKCoefLip(ScaledAveragePooling2D.className, k);
  }

  /** Exact L2 Lipschitz constant: `kCoefLip` (√(ph·pw) × the 1/√(ph·pw) norm of averaging). */
  lipschitzBound(): number {
    return this.kCoefLip;
  }

  /** {@link lipschitzBound} from a `getConfig()` dictionary. */
  static lipschitzBoundFromConfig(config: tf.serialization.ConfigDict): number {
    return typeof config['kCoefLip'] === 'number' ? config['kCoefLip'] : 1;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return pooledShape(ScaledAveragePooling2D.className, checkImageShape(ScaledAveragePooling2D.className, inputShape), this.poolSize);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      this.invokeCallHook(inputs, kwargs);
      const x = (Array.isArray(inputs) ? inputs[0]! : inputs) as tf.Tensor4D;
      this.computeOutputShape(x.shape);
      const coef = this.kCoefLip * Math.sqrt(this.poolSize[0] * this.poolSize[1]);
      return tf.mul(tf.avgPool(x, this.poolSize, this.poolSize, 'valid'), tf.scalar(coef));
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
tf.serialization.registerClass(ScaledAveragePooling2D);

/** Factory for {@link ScaledAveragePooling2D}. */
export function scaledAveragePooling2D(args: ScaledAveragePooling2DArgs = {}): ScaledAveragePooling2D {
  return new ScaledAveragePooling2D(args);
}
