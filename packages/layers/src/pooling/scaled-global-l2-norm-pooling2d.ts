import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LipschitzLayer } from '../lipschitz-layer';
import { checkChannelsLast, checkEpsGradSqrt, checkImageShape, checkPoolKCoefLip } from './pooling-checks';
import { sqrtEpsGrad } from './sqrt-eps-grad';
import { opt } from '@lipnet/core';
import { layerOptions, kCoefLipOption, type LayerOptionsDefinition } from '../layer-options';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
type Shape = Array<number | null>;

/** Arguments of {@link ScaledGlobalL2NormPooling2D}. */
export interface ScaledGlobalL2NormPooling2DArgs extends LayerArgs {
  /** Only `'channelsLast'` (the default; deel-lip's `'channels_last'` is accepted). */
  dataFormat?: 'channelsLast' | 'channels_last';
  /** Lipschitz constant. Default 1. */
  kCoefLip?: number;
  /** ε of the square-root gradient `dy / (2(√s + ε))`. Default 1e-6, must be ≥ 0. */
  epsGradSqrt?: number;
}

/** The options of ScaledGlobalL2NormPooling2D, declared once (the adaptive subclass extends them). */
export const SCALED_GLOBAL_L2_NORM_POOLING2D_OPTIONS = layerOptions('ScaledGlobalL2NormPooling2D', {
  dataFormat: opt.any(),
  kCoefLip: kCoefLipOption,
  epsGradSqrt: opt.any(),
});

/**
 * Global L2-norm pooling: `y_c = k · ‖x_{:,:,c}‖₂ = k · √(Σ_{h,w} x²_{h,w,c})`, one norm per channel.
 * deel-lip: `deel.lip.layers.ScaledGlobalL2NormPooling2D(eps_grad_sqrt=1e-6)` (lip coef 1),
 * with the same custom square-root gradient as {@link ScaledL2NormPooling2D}.
 * Exactly `kCoefLip`-Lipschitz (a norm is 1-Lipschitz, with equality along rays).
 *
 * @example
 * scaledGlobalL2NormPooling2D().apply(tf.tensor4d([3, 4, 0, 0], [1, 2, 2, 1]))  // [[5]]
 */
export class ScaledGlobalL2NormPooling2D extends tfl.layers.Layer implements LipschitzLayer {
  static className = 'ScaledGlobalL2NormPooling2D';
  readonly isLipschitz = true as const;
  kCoefLip: number;
  readonly dataFormat: 'channelsLast';
  /** The options this class reads (a subclass with more options overrides it). */
  protected static readonly options: LayerOptionsDefinition = SCALED_GLOBAL_L2_NORM_POOLING2D_OPTIONS;
  readonly epsGradSqrt: number;

  constructor(args: ScaledGlobalL2NormPooling2DArgs = {}) {
    super(args);
    (this.constructor as typeof ScaledGlobalL2NormPooling2D).options.parse(args, this.getClassName());
    const cls = ScaledGlobalL2NormPooling2D.className;
    this.dataFormat = checkChannelsLast(cls, args.dataFormat ?? 'channelsLast');
    this.kCoefLip = checkPoolKCoefLip(cls, args.kCoefLip ?? 1);
    this.epsGradSqrt = checkEpsGradSqrt(cls, args.epsGradSqrt ?? 1e-6);
  }

  /** Sets the Lipschitz constant (used by `sequential({kCoefLip})`). */
  setKCoefLip(k: number): void {
    this.kCoefLip = checkPoolKCoefLip(ScaledGlobalL2NormPooling2D.className, k);
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
    const shape = checkImageShape(ScaledGlobalL2NormPooling2D.className, inputShape);
    return [shape[0] ?? null, shape[3] ?? null];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      this.invokeCallHook(inputs, kwargs);
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      checkImageShape(ScaledGlobalL2NormPooling2D.className, x.shape);
      const y = sqrtEpsGrad(tf.sum(tf.square(x), [1, 2]), this.epsGradSqrt);
      return this.kCoefLip === 1 ? y : tf.mul(y, tf.scalar(this.kCoefLip));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      dataFormat: this.dataFormat,
      kCoefLip: this.kCoefLip,
      epsGradSqrt: this.epsGradSqrt,
    };
  }
}
tf.serialization.registerClass(ScaledGlobalL2NormPooling2D);

/** Factory for {@link ScaledGlobalL2NormPooling2D}. */
export function scaledGlobalL2NormPooling2D(args: ScaledGlobalL2NormPooling2DArgs = {}): ScaledGlobalL2NormPooling2D {
  return new ScaledGlobalL2NormPooling2D(args);
}
