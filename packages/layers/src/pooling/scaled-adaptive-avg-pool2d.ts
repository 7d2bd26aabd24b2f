import * as tf from '@tensorflow/tfjs-core';
import type { LayerOptionsDefinition } from '../layer-options';
import { outputSizeOption, unitSpatialShape, withUnitSpatialAxes } from './adaptive-output-size';
import {
  SCALED_GLOBAL_AVERAGE_POOLING2D_OPTIONS,
  ScaledGlobalAveragePooling2D,
  type ScaledGlobalAveragePooling2DArgs,
} from './scaled-global-average-pooling2d';

type Shape = Array<number | null>;

/** Arguments of {@link ScaledAdaptiveAvgPool2d}. */
export interface ScaledAdaptiveAvgPool2dArgs extends ScaledGlobalAveragePooling2DArgs {
  /** Output spatial size: only `[1, 1]` (the default), as in deel-torchlip. */
  outputSize?: number | [number, number];
}

/** The options of ScaledAdaptiveAvgPool2d: ScaledGlobalAveragePooling2D's and `outputSize`. */
const OPTIONS = SCALED_GLOBAL_AVERAGE_POOLING2D_OPTIONS.extend('ScaledAdaptiveAvgPool2d', {
  outputSize: outputSizeOption,
});

/**
 * deel-torchlip's `ScaledAdaptiveAvgPool2d(output_size=(1, 1), k_coef_lip)`: the global average
 * pool scaled by `k·√(H·W)`, keeping the spatial axes — output `[N, 1, 1, C]` (torch: `[N, C, 1, 1]`).
 * Same values as {@link ScaledGlobalAveragePooling2D} (deel-lip's name, output `[N, C]`);
 * exactly `kCoefLip`-Lipschitz.
 */
export class ScaledAdaptiveAvgPool2d extends ScaledGlobalAveragePooling2D {
  static override className = 'ScaledAdaptiveAvgPool2d';
  readonly outputSize: [1, 1];
  protected static override readonly options: LayerOptionsDefinition = OPTIONS;

  constructor(args: ScaledAdaptiveAvgPool2dArgs = {}) {
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
tf.serialization.registerClass(ScaledAdaptiveAvgPool2d);

/** Factory for {@link ScaledAdaptiveAvgPool2d}. */
export function scaledAdaptiveAvgPool2d(args: ScaledAdaptiveAvgPool2dArgs = {}): ScaledAdaptiveAvgPool2d {
  return new ScaledAdaptiveAvgPool2d(args);
}
