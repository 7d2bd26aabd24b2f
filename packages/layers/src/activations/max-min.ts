import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LipschitzLayer } from '../lipschitz-layer';
import { checkKCoefLip, parseDataFormat } from './activation-checks';
import { LipnetInputError, LipnetOptionError, opt } from '@lipnet/core';
import { layerOptions, kCoefLipOption } from '../layer-options';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
type Shape = Array<number | null>;

/** Arguments of {@link MaxMin}. */
export interface MaxMinArgs extends LayerArgs {
  /** Channel axis: `'channelsLast'` (default, axis −1) or `'channelsFirst'` (axis 1); deel-lip's snake_case spellings are accepted. */
  dataFormat?: 'channelsLast' | 'channelsFirst' | 'channels_last' | 'channels_first';
  /** Lipschitz constant: the output is multiplied by it. Default 1. */
  kCoefLip?: number;
}

/** The options of MaxMin, declared once. */
const OPTIONS = layerOptions('MaxMin', { dataFormat: opt.any(), kCoefLip: kCoefLipOption });

/**
 * MaxMin activation (Blot, Cord & Thome, ICIP 2016): `y = k · concat([relu(x), relu(−x)], channelAxis)`,
 * which doubles the channel count. deel-lip: `deel.lip.layers.MaxMin(data_format, k_coef_lip)`.
 *
 * For scalars a, b: (relu a − relu b)² + (relu(−a) − relu(−b))² ≤ (a − b)², with equality
 * when a and b have the same sign; and ‖f(x)‖ = k‖x‖. The layer is exactly `kCoefLip`-Lipschitz.
 *
 * @example
 * maxMin().apply(tf.tensor([[2, -3]]))  // [[2, 0, 0, 3]]
 */
export class MaxMin extends tfl.layers.Layer implements LipschitzLayer {
  static className = 'MaxMin';
  readonly isLipschitz = true as const;
  kCoefLip: number;
  readonly dataFormat: 'channelsLast' | 'channelsFirst';

  constructor(args: MaxMinArgs = {}) {
    super(args);
    OPTIONS.parse(args, this.getClassName());
    const dataFormat = parseDataFormat(args.dataFormat ?? 'channelsLast');
    if (dataFormat === null) {
      throw new LipnetOptionError({
        code: 'INVALID_OPTION',
        who: 'MaxMin',
        option: 'dataFormat',
        message:
          `expected \`dataFormat\` 'channelsLast' or 'channelsFirst', got '${String(args.dataFormat)}'. ` +
          "Pass 'channelsLast' (NHWC) or 'channelsFirst' (NCHW).",
      });
    }
    this.dataFormat = dataFormat;
    this.kCoefLip = checkKCoefLip('MaxMin', args.kCoefLip ?? 1);
  }

  /** Sets the Lipschitz constant (used by `sequential({kCoefLip})`). */
  setKCoefLip(k: number): void {
    this.kCoefLip = checkKCoefLip('MaxMin', k);
  }

  /** Exact L2 Lipschitz constant of this layer: `kCoefLip`. */
  lipschitzBound(): number {
    return this.kCoefLip;
  }

  /** {@link lipschitzBound} from a `getConfig()` dictionary. */
  static lipschitzBoundFromConfig(config: tf.serialization.ConfigDict): number {
    return typeof config['kCoefLip'] === 'number' ? config['kCoefLip'] : 1;
  }

  private axis(rank: number): number {
    return this.dataFormat === 'channelsLast' ? rank - 1 : 1;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = [...((Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape)];
    const ax = this.axis(shape.length);
    const c = shape[ax];
    shape[ax] = c == null ? null : 2 * c;
    return shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      this.invokeCallHook(inputs, kwargs);
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      if (x.rank < 2) {
        throw new LipnetInputError({
          code: 'INVALID_SHAPE',
          who: 'MaxMin',
          option: 'input',
          message: `expected an input of rank ≥ 2 (batch, …, channels), got shape [${x.shape.join(', ')}]. Add a batch axis.`,
        });
      }
      const y = tf.concat([tf.relu(x), tf.relu(tf.neg(x))], this.axis(x.rank));
      return this.kCoefLip === 1 ? y : tf.mul(y, tf.scalar(this.kCoefLip, y.dtype));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), dataFormat: this.dataFormat, kCoefLip: this.kCoefLip };
  }
}
tf.serialization.registerClass(MaxMin);

/** Factory for {@link MaxMin}. */
export function maxMin(args: MaxMinArgs = {}): MaxMin {
  return new MaxMin(args);
}
