import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LipschitzLayer } from '../lipschitz-layer';

import { checkChannelsLast, checkImageShape, checkPoolKCoefLip } from './pooling-checks';
import { LipnetInputError, opt } from '@lipnet/core';
import { layerOptions, kCoefLipOption, type LayerOptionsDefinition } from '../layer-options';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
type Shape = Array<number | null>;

/** Arguments of {@link ScaledGlobalAveragePooling2D}. */
export interface ScaledGlobalAveragePooling2DArgs extends LayerArgs {
  /** Only `'channelsLast'` (the default; deel-lip's `'channels_last'` is accepted). */
  dataFormat?: 'channelsLast' | 'channels_last';
  /** Lipschitz constant. Default 1. */
  kCoefLip?: number;
}

/** The options of ScaledGlobalAveragePooling2D, declared once (the adaptive subclass extends them). */
export const SCALED_GLOBAL_AVERAGE_POOLING2D_OPTIONS = layerOptions('ScaledGlobalAveragePooling2D', {
  dataFormat: opt.any(),
  kCoefLip: kCoefLipOption,
});

/**
 * Global average pooling rescaled to be `kCoefLip`-Lipschitz:
 * `y_c = k · √(H·W) · mean_{h,w} x_{h,w,c} = k · (Σ_{h,w} x_{h,w,c}) / √(H·W)`.
 * The mean over H·W values has norm 1/√(H·W), so the layer is exactly `kCoefLip`-Lipschitz
 * (equality for inputs constant over space). H and W must be known at build time.
 * deel-lip: `deel.lip.layers.ScaledGlobalAveragePooling2D` (coefficient √(H·W)).
 *
 * @example
 * scaledGlobalAveragePooling2D().apply(ones([1, 2, 2, 3]))  // [[2, 2, 2]]
 */
export class ScaledGlobalAveragePooling2D extends tfl.layers.Layer implements LipschitzLayer {
  static className = 'ScaledGlobalAveragePooling2D';
  readonly isLipschitz = true as const;
  kCoefLip: number;
  readonly dataFormat: 'channelsLast';
  /** The options this class reads (a subclass with more options overrides it). */
  protected static readonly options: LayerOptionsDefinition = SCALED_GLOBAL_AVERAGE_POOLING2D_OPTIONS;

  constructor(args: ScaledGlobalAveragePooling2DArgs = {}) {
    super(args);
    (this.constructor as typeof ScaledGlobalAveragePooling2D).options.parse(args, this.getClassName());
    const cls = ScaledGlobalAveragePooling2D.className;
    this.dataFormat = checkChannelsLast(cls, args.dataFormat ?? 'channelsLast');
    this.kCoefLip = checkPoolKCoefLip(cls, args.kCoefLip ?? 1);
  }

  /** Sets the Lipschitz constant (used by `sequential({kCoefLip})`). */
  setKCoefLip(k: number): void {
    this.kCoefLip = checkPoolKCoefLip(ScaledGlobalAveragePooling2D.className, k);
  }

  /** Exact L2 Lipschitz constant: `kCoefLip`. */
  lipschitzBound(): number {
    return this.kCoefLip;
  }

  /** {@link lipschitzBound} from a `getConfig()` dictionary. */
  static lipschitzBoundFromConfig(config: tf.serialization.ConfigDict): number {
    return typeof config['kCoefLip'] === 'number' ? config['kCoefLip'] : 1;
  }

  private spatial(shape: Shape): [number, number] {
    const [, h, w] = shape;
    if (h == null || w == null) {
      throw new LipnetInputError({
        code: 'INVALID_SHAPE',
        who: 'ScaledGlobalAveragePooling2D',
        option: 'input',
        message:
          `expected an input with a known height and width, got [${shape.map(String).join(', ')}]. ` +
          'The √(H·W) coefficient needs them: give the model a fixed inputShape.',
      });
    }
    return [h, w];
  }

  override build(inputShape: Shape | Shape[]): void {
    this.spatial(checkImageShape(ScaledGlobalAveragePooling2D.className, inputShape));
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = checkImageShape(ScaledGlobalAveragePooling2D.className, inputShape);
    return [shape[0] ?? null, shape[3] ?? null];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      this.invokeCallHook(inputs, kwargs);
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      const [h, w] = this.spatial(checkImageShape(ScaledGlobalAveragePooling2D.className, x.shape));
      return tf.mul(tf.mean(x, [1, 2]), tf.scalar(this.kCoefLip * Math.sqrt(h * w)));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), dataFormat: this.dataFormat, kCoefLip: this.kCoefLip };
  }
}
tf.serialization.registerClass(ScaledGlobalAveragePooling2D);

/** Factory for {@link ScaledGlobalAveragePooling2D}. */
export function scaledGlobalAveragePooling2D(
  args: ScaledGlobalAveragePooling2DArgs = {},
): ScaledGlobalAveragePooling2D {
  return new ScaledGlobalAveragePooling2D(args);
}
