import * as tf from '@tensorflow/tfjs-core';
import type { LayerOptionsDefinition } from '../layer-options';
import { outputSizeOption, unitSpatialShape, withUnitSpatialAxes } from './adaptive-output-size';
import {
  SCALED_GLOBAL_L2_NORM_POOLING2D_OPTIONS,
  ScaledGlobalL2NormPooling2D,
  type ScaledGlobalL2NormPooling2DArgs,
} from './scaled-global-l2-norm-pooling2d';

type Shape = Array<number | null>;

/** Arguments of {@link ScaledAdaptativeL2NormPool2d}. */
export interface ScaledAdaptativeL2NormPool2dArgs extends ScaledGlobalL2NormPooling2DArgs {
  /** Output spatial size: only `[1, 1]` (the default), as in deel-torchlip. */
  outputSize?: number | [number, number];
}

/** The options of ScaledAdaptativeL2NormPool2d: ScaledGlobalL2NormPooling2D's and `outputSize`. */
const OPTIONS = SCALED_GLOBAL_L2_NORM_POOLING2D_OPTIONS.extend('ScaledAdaptativeL2NormPool2d', {
  outputSize: outputSizeOption,
});

/**
 * deel-torchlip's `ScaledAdaptativeL2NormPool2d(output_size=(1, 1), k_coef_lip)` (torchlip's
 * spelling): `y_c = k·‖x_{:,:,c}‖₂`, keeping the spatial axes — output `[N, 1, 1, C]` (torch:
 * `[N, C, 1, 1]`). Same values as {@link ScaledGlobalL2NormPooling2D} (deel-lip's, output `[N, C]`).
 * Difference: at an all-zero channel torch's gradient is NaN (√ at 0); lipnet uses deel-lip's
 * `dy / (2(√s + epsGradSqrt))`. Exactly `kCoefLip`-Lipschitz.
 */
export class ScaledAdaptativeL2NormPool2d extends ScaledGlobalL2NormPooling2D {
  static override className = 'ScaledAdaptativeL2NormPool2d';
  readonly outputSize: [1, 1];
  protected static override readonly options: LayerOptionsDefinition = OPTIONS;

  constructor(args: ScaledAdaptativeL2NormPool2dArgs = {}) {
    super(args);
    this.outputSize = OPTIONS.parse(args, this.getClassName()).outputSize;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return unitSpatialShape(super.computeOutputShape(inputShape));
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => withUnitSpatialAxes(super.call(inputs, kwargs)));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), outputSize: this.outputSize };
  }
}
tf.serialization.registerClass(ScaledAdaptativeL2NormPool2d);

/** Factory for {@link ScaledAdaptativeL2NormPool2d}. */
export function scaledAdaptativeL2NormPool2d(
  args: ScaledAdaptativeL2NormPool2dArgs = {},
): ScaledAdaptativeL2NormPool2d {
  return new ScaledAdaptativeL2NormPool2d(args);
}
