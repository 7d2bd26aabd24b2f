import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LipschitzLayer } from '../lipschitz-layer';
import {
  checkChannelsLast,
  checkEpsGradSqrt,
  checkImageShape,
  checkPoolKCoefLip,
  checkStridesPadding,
  normalizePair,
  pooledShape,
} from './pooling-checks';
import { sqrtEpsGrad } from './sqrt-eps-grad';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
type Shape = Array<number | null>;

/** Arguments of {@link ScaledL2NormPooling2D}. */
export interface ScaledL2NormPooling2DArgs extends LayerArgs {
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
  /** ε of the square-root gradient `dy / (2(√s + ε))`, finite at 0. Default 1e-6, must be ≥ 0. */
  epsGradSqrt?: number;
}

/**
 * L2-norm pooling (Boureau, Ponce & LeCun 2010): the L2 norm of each non-overlapping
 * `ph×pw` window, per channel, times `kCoefLip`:
 * `y = k · √(ph·pw) · √(avgpool(x²)) = k · ‖x_window‖₂`.
 * deel-lip: `deel.lip.layers.ScaledL2NormPooling2D(pool_size=(2,2), eps_grad_sqrt=1e-6)`,
 * including its custom square-root gradient `dy / (2(√s + eps_grad_sqrt))`, which makes the
 * gradient 0 (not NaN) on an all-zero window.
 *
 * Windows are disjoint and |‖a‖ − ‖b‖| ≤ ‖a − b‖, so the layer is `kCoefLip`-Lipschitz,
 * with equality along rays (‖J‖ = k wherever a window is non-zero).
 *
 * @example
 * scaledL2NormPooling2D().apply(tf.tensor4d([3, 4, 0, 0], [1, 2, 2, 1]))  // [[[[5]]]]
 */
export class ScaledL2NormPooling2D extends tfl.layers.Layer implements LipschitzLayer {
  static className = 'ScaledL2NormPooling2D';
  readonly isLipschitz = true as const;
  kCoefLip: number;
  readonly poolSize: [number, number];
  readonly padding: 'valid';
  readonly dataFormat: 'channelsLast';
  readonly epsGradSqrt: number;

  constructor(args: ScaledL2NormPooling2DArgs = {}) {
    super(args);
    const cls = ScaledL2NormPooling2D.className;
    this.poolSize = normalizePair(cls, 'poolSize', args.poolSize ?? [2, 2]);
    this.padding = args.padding ?? 'valid';
    checkStridesPadding(cls, this.poolSize, args.strides, this.padding);
    this.dataFormat = checkChannelsLast(cls, args.dataFormat ?? 'channelsLast');
    this.kCoefLip = checkPoolKCoefLip(cls, args.kCoefLip ?? 1);
    this.epsGradSqrt = checkEpsGradSqrt(cls, args.epsGradSqrt ?? 1e-6);
  }

  /** Sets the Lipschitz constant (used by `sequential({kCoefLip})`). */
  setKCoefLip(k: number): void {
    this.kCoefLip = checkPoolKCoefLip(ScaledL2NormPooling2D.className, k);
  }

  /** Exact L2 Lipschitz constant: `kCoefLip` (window L2 norms are 1-Lipschitz, attained along rays). */
  lipschitzBound(): number {
    return this.kCoefLip;
  }

  /** {@link lipschitzBound} from a `getConfig()` dictionary. */
  static lipschitzBoundFromConfig(config: tf.serialization.ConfigDict): number {
    return typeof config['kCoefLip'] === 'number' ? config['kCoefLip'] : 1;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const cls = ScaledL2NormPooling2D.className;
    return pooledShape(cls, checkImageShape(cls, inputShape), this.poolSize);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      this.invokeCallHook(inputs, kwargs);
      const x = (Array.isArray(inputs) ? inputs[0]! : inputs) as tf.Tensor4D;
      this.computeOutputShape(x.shape);
      const area = this.poolSize[0] * this.poolSize[1];
      // deel-lip order of operations: sqrt_eps(avgpool(x²)) · √(ph·pw) · k.
      const meanSq = tf.avgPool(tf.square(x), this.poolSize, this.poolSize, 'valid');
      return tf.mul(sqrtEpsGrad(meanSq, this.epsGradSqrt), tf.scalar(Math.sqrt(area) * this.kCoefLip));
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
      epsGradSqrt: this.epsGradSqrt,
    };
  }
}
tf.serialization.registerClass(ScaledL2NormPooling2D);

/** Factory for {@link ScaledL2NormPooling2D}. */
export function scaledL2NormPooling2D(args: ScaledL2NormPooling2DArgs = {}): ScaledL2NormPooling2D {
  return new ScaledL2NormPooling2D(args);
}
