import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { opt } from '@lipnet/core';
import { layerOptions } from '../layer-options';
import { axesMismatch, axesOption, channelCount } from './normalization-checks';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
type Shape = Array<number | null>;

/** Arguments of {@link LayerCentering}. */
export interface LayerCenteringArgs extends LayerArgs {
  /**
   * Axes (of the channels-last input, batch = 0) the mean is taken over. Default: the spatial
   * axes, `[1, …, rank − 2]` (torchlip's default `dim=(-2, -1)` on NCHW images = H, W).
   */
  axes?: number[];
  /** Whether to add a trainable bias `β` of shape `[C]` (initialised to 0). Default true. */
  useBias?: boolean;
}

/** The options of LayerCentering, declared once. */
const OPTIONS = layerOptions('LayerCentering', {
  axes: axesOption(1, 'Pass e.g. [1, 2] for H and W.'),
  useBias: opt.boolean().default(true),
});

/**
 * Layer centering (deel-torchlip `LayerCentering(num_features, dim=(-2, -1), bias=True)`):
 * `y = x − mean_{axes}(x) + β`, per sample and channel. The same in training and inference.
 * Subtracting the mean is the orthogonal projection `I − 𝟙𝟙ᵀ/n`, so the layer is 1-Lipschitz
 * (unlike LayerNorm). Channels are the last axis (torch: axis 1). Difference: torchlip's default
 * `dim=(-2, -1)` on a rank-2 `[N, C]` input averages over the batch *and* the channels; here a
 * rank-2 input needs explicit `axes` (e.g. `[1]`, the channel mean).
 *
 * @example
 * layerCentering().apply(x)   // x: [N, H, W, C] → each channel map minus its spatial mean
 */
export class LayerCentering extends tfl.layers.Layer {
  static className = 'LayerCentering';
  readonly axes: number[] | null;
  readonly useBias: boolean;
  private bias: tfl.LayerVariable | null = null;

  constructor(args: LayerCenteringArgs = {}) {
    super(args);
    const o = OPTIONS.parse(args);
    this.axes = o.axes ?? null;
    this.useBias = o.useBias;
  }

  /** The L2 Lipschitz constant: 1 (an orthogonal projection plus a constant). */
  lipschitzBound(): number {
    return 1;
  }

  private reduceAxes(rank: number): number[] {
    if (this.axes) {
      if (this.axes.some((a) => a >= rank)) {
        throw axesMismatch(
          'LayerCentering',
          `\`axes\` [${this.axes.join(', ')}] do not fit an input of rank ${rank}. Pass axes < ${rank}.`,
        );
      }
      return this.axes;
    }
    if (rank < 3) {
      throw axesMismatch(
        'LayerCentering',
        `an input of rank ${rank} has no spatial axes to centre over. Pass \`axes\` explicitly (e.g. [1]).`,
      );
    }
    return Array.from({ length: rank - 2 }, (_, i) => i + 1);
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    this.reduceAxes(shape.length);
    const c = channelCount('LayerCentering', inputShape);
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
      const y = tf.sub(x, tf.mean(x, this.reduceAxes(x.rank), true));
      return this.bias ? tf.add(y, this.bias.read()) : y;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), axes: this.axes, useBias: this.useBias };
  }
}
tf.serialization.registerClass(LayerCentering);

/** Factory for {@link LayerCentering}. */
export function layerCentering(args: LayerCenteringArgs = {}): LayerCentering {
  return new LayerCentering(args);
}
