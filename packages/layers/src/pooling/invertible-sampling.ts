import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { LipnetInputError, LipnetOptionError, formatValue, opt } from '@lipnet/core';

import { normalizePair, parsePoolDataFormat } from './pooling-checks';
import { layerOptions } from '../layer-options';

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

/** Arguments of {@link InvertibleSampling} (and so of both invertible samplings). */
export interface InvertibleSamplingArgs extends LayerArgs {
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
    throw new LipnetOptionError({
      code: 'INVALID_OPTION',
      who: cls,
      option: 'poolSize',
      message: `expected \`poolSize\`, got ${String(args?.poolSize)}. Pass e.g. poolSize: 2 or [2, 2].`,
    });
  }
  const poolSize = normalizePair(cls, 'poolSize', args.poolSize);
  const dataFormat = parsePoolDataFormat(args.dataFormat ?? 'channelsLast');
  if (dataFormat === null) {
    throw new LipnetOptionError({
      code: 'INVALID_OPTION',
      who: cls,
      option: 'dataFormat',
      message: `expected \`dataFormat\` 'channelsLast' or 'channelsFirst', got '${String(args.dataFormat)}'. Pick one of the two.`,
    });
  }
  const channelOrder = args.channelOrder ?? 'pixelshuffle';
  if (channelOrder !== 'pixelshuffle' && channelOrder !== 'spacetodepth') {
    throw new LipnetOptionError({
      code: 'INVALID_OPTION',
      who: cls,
      option: 'channelOrder',
      message:
        `expected \`channelOrder\` 'pixelshuffle' or 'spacetodepth', got ${formatValue(channelOrder)}. ` +
        "Use 'pixelshuffle' (deel-lip 1.5.1, PyTorch) or 'spacetodepth' (deel-lip ≤ 1.5.0, TF space_to_depth).",
    });
  }
  return { poolSize, dataFormat, channelOrder };
}

/** @internal NHWC shape of a 4-D input in either data format. */
export function toNhwcShape(cls: string, inputShape: Shape | Shape[], dataFormat: string): Shape {
  const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
  if (s.length !== 4) {
    throw new LipnetInputError({
      code: 'INVALID_SHAPE',
      who: cls,
      option: 'input',
      message: `expected a 4-D input, got shape [${s.map(String).join(', ')}]. Reshape the input to ${dataFormat === 'channelsLast' ? 'NHWC' : 'NCHW'}.`,
    });
  }
  return dataFormat === 'channelsLast' ? s : [s[0]!, s[2]!, s[3]!, s[1]!];
}

/** The options of InvertibleSampling, declared once. */
const OPTIONS = layerOptions('InvertibleSampling', {
  poolSize: opt.any(),
  dataFormat: opt.any(),
  channelOrder: opt.any(),
});

/**
 * Common base of {@link InvertibleDownSampling} and {@link InvertibleUpSampling}: the
 * block rearrangements (space-to-depth and its inverse) of Anil et al. 2019, deel-lip's
 * `InvertibleDownSampling` / `InvertibleUpSampling`. Holds the validated `poolSize`,
 * `dataFormat` and `channelOrder`, the `isOrthogonal` marker, the exact Lipschitz constant 1
 * (a permutation of coordinates), the output shape in either data format and the config.
 * Subclasses give the NHWC output shape ({@link outNhwc}) and `call()`. Not registered
 * for serialisation itself (abstract); not a `LipschitzLayer`, as in deel-lip.
 */
export abstract class InvertibleSampling extends tfl.layers.Layer {
  /** Marker: the layer is an orthogonal map (a permutation), 1-Lipschitz with no coefficient. */
  readonly isOrthogonal = true as const;
  readonly poolSize: [number, number];
  readonly dataFormat: 'channelsLast' | 'channelsFirst';
  readonly channelOrder: InvertibleChannelOrder;

  constructor(args: InvertibleSamplingArgs) {
    super(args);
    OPTIONS.parse(args, this.getClassName());
    const c = checkInvertibleArgs(this.getClassName(), args);
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

  /** Output shape (NHWC) for an NHWC input shape; throws when the input does not divide into blocks. */
  protected abstract outNhwc(nhwc: Shape): Shape;

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const o = this.outNhwc(toNhwcShape(this.getClassName(), inputShape, this.dataFormat));
    return this.dataFormat === 'channelsLast' ? o : [o[0]!, o[3]!, o[1]!, o[2]!];
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
