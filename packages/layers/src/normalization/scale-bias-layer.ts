import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { opt } from '@lipnet/core';
import { layerOptions } from '../layer-options';
import { channelCount } from './normalization-checks';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
type Shape = Array<number | null>;

/** Arguments of {@link ScaleBiasLayer}. */
export interface ScaleBiasLayerArgs extends LayerArgs {
  /** The fixed (non-trainable) factor s. Default 1. */
  scalar?: number;
  /** Whether to add a trainable bias `β` of shape `[C]` (initialised to 0). Default true. */
  useBias?: boolean;
}

/** The options of ScaleBiasLayer, declared once. */
const OPTIONS = layerOptions('ScaleBiasLayer', {
  scalar: opt.number().describedAs('a finite number', 'Pass e.g. 1.').default(1),
  useBias: opt.boolean().default(true),
});

/**
 * `y = s·x + β` with a fixed scalar s and a per-channel bias (channels last): what
 * {@link BatchLipNorm} and {@link BatchCentering} export to (`vanillaExport`).
 * deel-torchlip: `ScaleBiasLayer(scalar=1.0, num_features=1, bias=True)`. Lipschitz constant |s|.
 */
export class ScaleBiasLayer extends tfl.layers.Layer {
  static className = 'ScaleBiasLayer';
  readonly scalar: number;
  readonly useBias: boolean;
  private bias: tfl.LayerVariable | null = null;

  constructor(args: ScaleBiasLayerArgs = {}) {
    super(args);
    const o = OPTIONS.parse(args);
    this.scalar = o.scalar;
    this.useBias = o.useBias;
  }

  /** The L2 Lipschitz constant: |scalar|. */
  lipschitzBound(): number {
    return Math.abs(this.scalar);
  }

  override build(inputShape: Shape | Shape[]): void {
    const c = channelCount('ScaleBiasLayer', inputShape);
    if (this.useBias) this.bias = this.addWeight('bias', [c], 'float32', tfl.initializers.zeros(), undefined, true);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      this.invokeCallHook(inputs, kwargs);
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      const y = this.scalar === 1 ? x : tf.mul(x, tf.scalar(this.scalar));
      return this.bias ? tf.add(y, this.bias.read()) : tf.clone(y);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), scalar: this.scalar, useBias: this.useBias };
  }
}
tf.serialization.registerClass(ScaleBiasLayer);

/** Factory for {@link ScaleBiasLayer}. */
export function scaleBiasLayer(args: ScaleBiasLayerArgs = {}): ScaleBiasLayer {
  return new ScaleBiasLayer(args);
}
