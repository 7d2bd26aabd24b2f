import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { LipnetInputError, opt, type OptionSchema, type OptionsDefinition } from '@lipnet/core';
import { PRELU_LIP_OPTIONS, PReLUlip, type PReLUlipArgs } from './prelu-lip';

type Shape = Array<number | null>;

/** Arguments of {@link LPReLU}. */
export interface LPReLUArgs extends PReLUlipArgs {
  /** Number of slopes: 1 (one α shared by every element, the default) or the channel count (one α per channel, last axis). */
  numParameters?: number;
  /** Initial value of every α. Default 0.25 (torch's `PReLU` default). */
  init?: number;
}

/** The options of LPReLU: PReLUlip's and torch's slope layout. */
const LPRELU_OPTIONS = PRELU_LIP_OPTIONS.extend('LPReLU', {
  numParameters: opt
    .integer({ min: 1 })
    .describedAs('1 or the channel count', 'Pass 1 (shared slope) or the number of channels.')
    .default(1),
  init: opt.number().describedAs('a finite number', 'Pass e.g. 0.25.').default(0.25),
});

/**
 * torchlip's Lipschitz PReLU: `y = x` for x ≥ 0, `y = clip(α, −k, k) · x` otherwise, with
 * `numParameters` trainable slopes (1, shared, or one per channel) initialised to `init`.
 * deel-torchlip: `LPReLU(num_parameters=1, init=0.25, k_coef_lip=1.0)`.
 *
 * Same math as {@link PReLUlip} (lipnet's port of deel-lip's `PReLUlip`, which also clips the
 * slopes in the forward pass), with torch's slope layout and initial value instead of Keras'
 * (one α per input element, initialised to 0): a subclass, not an alias, because the weights
 * differ in shape. Like torchlip, the gradient w.r.t. a slope outside [−k, k] is zero (clamp).
 * Channels are the last axis (NHWC); torchlip's are axis 1 (NCHW).
 *
 * Lipschitz constant (L2): max(1, max|clip(α)|) ≤ max(1, k).
 *
 * @example
 * lpRelu().apply(tf.tensor2d([[-4, 2]]))  // α = 0.25: [[-1, 2]]
 */
export class LPReLU extends PReLUlip {
  static override className = 'LPReLU';
  protected static override readonly options: OptionsDefinition<OptionSchema> = LPRELU_OPTIONS;
  readonly numParameters: number;
  readonly init: number;

  constructor(args: LPReLUArgs = {}) {
    super(args);
    const o = LPRELU_OPTIONS.parse(args, this.getClassName());
    this.numParameters = o.numParameters;
    this.init = o.init;
  }

  protected override alphaShape(shape: Shape): number[] {
    const c = shape[shape.length - 1];
    if (this.numParameters !== 1 && (shape.length < 2 || c !== this.numParameters)) {
      throw new LipnetInputError({
        code: 'INVALID_SHAPE',
        who: 'LPReLU',
        option: 'input',
        message:
          `\`numParameters\` ${this.numParameters} must be 1 or the channel count (last axis), got input shape [${shape.map(String).join(', ')}]. ` +
          `Pass numParameters: ${c ?? 1}.`,
      });
    }
    return [this.numParameters];
  }

  protected override alphaInitializer(): ReturnType<typeof tfl.initializers.zeros> {
    return tfl.initializers.constant({ value: this.init });
  }

  protected override vanillaSharedAxes(rank: number): number[] {
    const all = Array.from({ length: rank - 1 }, (_, i) => i + 1);
    return this.numParameters === 1 ? all : all.slice(0, -1);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), numParameters: this.numParameters, init: this.init };
  }
}
tf.serialization.registerClass(LPReLU);

/** Factory for {@link LPReLU}. */
export function lpRelu(args: LPReLUArgs = {}): LPReLU {
  return new LPReLU(args);
}
