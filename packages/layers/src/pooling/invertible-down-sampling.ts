import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { PoolingConfigError } from './pooling-config-error';
import { normalizePair, parsePoolDataFormat } from './pooling-checks';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
type Shape = Array<number | null>;

/**
 * Channel order of a space-to-depth rearrangement, for an input channel c and a
 * position (i, j) inside a `ph×pw` block:
 * - `'pixelshuffle'`: output channel `c·ph·pw + i·pw + j` (PyTorch `PixelUnshuffle`;
 *   deel-lip 1.5.1 and later, commit b2037d0);
 * - `'spacetodepth'`: output channel `(i·pw + j)·C + c` (TF `space_to_depth`;
 *   deel-lip ≤ 1.5.0, which concatenated `x[:, i::ph, j::pw, :]` over (i, j)).
 */
export type InvertibleChannelOrder = 'pixelshuffle' | 'spacetodepth';

/** Arguments of {@link InvertibleDownSampling}. */
export interface InvertibleDownSamplingArgs extends LayerArgs {
  /** Block (ph, pw); an integer means (n, n). Required, as in deel-lip. */
  poolSize: number | [number, number];
  /** `'channelsLast'` (default, NHWC) or `'channelsFirst'` (NCHW); deel-lip's snake_case spellings are accepted. */
  dataFormat?: 'channelsLast' | 'channelsFirst' | 'channels_last' | 'channels_first';
  /** Channel order, default `'pixelshuffle'` (deel-lip 1.5.1). See {@link InvertibleChannelOrder}. */
  channelOrder?: InvertibleChannelOrder;
}

/** @internal Validates the arguments shared by the two invertible samplings. */
export function checkInvertibleArgs(
  cls: string,
  args: { poolSize?: unknown; dataFormat?: unknown; channelOrder?: unknown } | undefined,
): { poolSize: [number, number]; dataFormat: 'channelsLast' | 'channelsFirst'; channelOrder: InvertibleChannelOrder } {
  if (args?.poolSize == null) {
    throw new PoolingConfigError(`${cls}: expected \`poolSize\`, got ${String(args?.poolSize)}. Pass e.g. poolSize: 2 or [2, 2].`);
  }
  const poolSize = normalizePair(cls, 'poolSize', args.poolSize);
  const dataFormat = parsePoolDataFormat(args.dataFormat ?? 'channelsLast');
  if (dataFormat === null) {
    throw new PoolingConfigError(
      `${cls}: expected \`dataFormat\` 'channelsLast' or 'channelsFirst', got '${String(args.dataFormat)}'. Pick one of the two.`,
    );
  }
  const channelOrder = args.channelOrder ?? 'pixelshuffle';
  if (channelOrder !== 'pixelshuffle' && channelOrder !== 'spacetodepth') {
    throw new PoolingConfigError(
      `${cls}: expected \`channelOrder\` 'pixelshuffle' or 'spacetodepth', got '${String(channelOrder)}'. ` +
        "Use 'pixelshuffle' (deel-lip 1.5.1, PyTorch) or 'spacetodepth' (deel-lip ≤ 1.5.0, TF space_to_depth).",
    );
  }
  return { poolSize, dataFormat, channelOrder };
}

/** @internal NHWC shape of a 4-D input in either data format. */
export function toNhwcShape(cls: string, inputShape: Shape | Shape[], dataFormat: string): Shape {
  const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
  if (s.length !== 4) {
    throw new PoolingConfigError(
      `${cls}: expected a 4-D input, got shape [${s.map(String).join(', ')}]. Reshape the input to ${dataFormat === 'channelsLast' ? 'NHWC' : 'NCHW'}.`,
    );
  }
  return dataFormat === 'channelsLast' ? s : [s[0]!, s[2]!, s[3]!, s[1]!];
}

/**
 * Invertible down-sampling (space-to-depth, Anil et al. 2019 "Preventing gradient attenuation
 * in Lipschitz constrained convolutional networks"): each `ph×pw` spatial block becomes
 * `ph·pw` channels, `(b, H, W, C) → (b, H/ph, W/pw, C·ph·pw)`, in the
 * {@link InvertibleChannelOrder} chosen (default deel-lip 1.5.1 / PyTorch `PixelUnshuffle`:
 * `y[b, h, w, c·ph·pw + i·pw + j] = x[b, h·ph + i, w·pw + j, c]`).
 * deel-lip: `deel.lip.layers.InvertibleDownSampling(pool_size, data_format)`.
 *
 * A permutation of coordinates, hence orthogonal: exactly 1-Lipschitz and norm preserving,
 * with no `kCoefLip` to set. Like deel-lip it is not a `LipschitzLayer`; it carries the marker
 * `isOrthogonal: true` instead, and {@link lipschitzBound} returns 1.
 * H and W must be multiples of ph and pw.
 *
 * @example
 * invertibleDownSampling({poolSize: 2}).apply(tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]))  // [[[[1, 2, 3, 4]]]]
 */
export class InvertibleDownSampling extends tfl.layers.Layer {
  static className = 'InvertibleDownSampling';
  /** Marker: the layer is an orthogonal map (a permutation), 1-Lipschitz with no coefficient. */
  readonly isOrthogonal = true as const;
  readonly poolSize: [number, number];
  readonly dataFormat: 'channelsLast' | 'channelsFirst';
  readonly channelOrder: InvertibleChannelOrder;

  constructor(args: InvertibleDownSamplingArgs) {
    super(args);
    const c = checkInvertibleArgs(InvertibleDownSampling.className, args);
    this.poolSize = c.poolSize;
    this.dataFormat = c.dataFormat;
    this.channelOrder = c.channelOrder;
  }

  /** Exact L2 Lipschitz constant: 1 (a permutation). */
  lipschitzBound(): number {
    return 1;
  }

  /** {@link lipschitzBound} from a config: 1. */
  static lipschitzBoundFromConfig(): number {
    return 1;
  }

  private outNhwc(nhwc: Shape): Shape {
    const [b, h, w, c] = nhwc;
    const [ph, pw] = this.poolSize;
    for (const [dim, p, axis] of [[h, ph, 'height'], [w, pw, 'width']] as const) {
      if (dim != null && dim % p !== 0) {
        throw new PoolingConfigError(
          `InvertibleDownSampling: expected the input ${axis} ${dim} to be a multiple of the pool size ${p}. ` +
            'Crop or pad the input, or change poolSize.',
        );
      }
    }
    return [b ?? null, h == null ? null : h / ph, w == null ? null : w / pw, c == null ? null : c * ph * pw];
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const o = this.outNhwc(toNhwcShape(InvertibleDownSampling.className, inputShape, this.dataFormat));
    return this.dataFormat === 'channelsLast' ? o : [o[0]!, o[3]!, o[1]!, o[2]!];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      this.invokeCallHook(inputs, kwargs);
      let x = Array.isArray(inputs) ? inputs[0]! : inputs;
      const [b, h, w, c] = this.outNhwc(toNhwcShape(InvertibleDownSampling.className, x.shape, this.dataFormat)) as number[];
      const [ph, pw] = this.poolSize;
      if (this.dataFormat === 'channelsFirst') x = tf.transpose(x, [0, 2, 3, 1]);
      const blocks = tf.reshape(x, [b!, h!, ph, w!, pw, c! / (ph * pw)]); // (b, Ho, i, Wo, j, C)
      const perm = this.channelOrder === 'pixelshuffle' ? [0, 1, 3, 5, 2, 4] : [0, 1, 3, 2, 4, 5];
      const y = tf.reshape(tf.transpose(blocks, perm), [b!, h!, w!, c!]);
      return this.dataFormat === 'channelsFirst' ? tf.transpose(y, [0, 3, 1, 2]) : y;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      poolSize: [...this.poolSize],
      dataFormat: this.dataFormat,
      channelOrder: this.channelOrder,
    };
  }
}
tf.serialization.registerClass(InvertibleDownSampling);

/** Factory for {@link InvertibleDownSampling}. */
export function invertibleDownSampling(args: InvertibleDownSamplingArgs): InvertibleDownSampling {
  return new InvertibleDownSampling(args);
}
