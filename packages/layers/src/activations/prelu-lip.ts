import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Condensable } from '../lipschitz-layer';
import { checkKCoefLip } from './activation-checks';
import { LipnetInputError } from '@lipnet/core';
import type { OptionSchema, OptionsDefinition } from '@lipnet/core';
import { layerOptions, kCoefLipOption } from '../layer-options';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
type Shape = Array<number | null>;

/** Arguments of {@link PReLUlip}. */
export interface PReLUlipArgs extends LayerArgs {
  /** Bound on the slopes: every α used in the forward pass lies in [−k, k]. Default 1. */
  kCoefLip?: number;
}

/** The options of PReLUlip, declared once (subclasses extend them). */
export const PRELU_LIP_OPTIONS = layerOptions('PReLUlip', { kCoefLip: kCoefLipOption });

/**
 * Parametric ReLU with bounded slopes: `y = x` for x > 0, `y = clip(α, −k, k) · x` otherwise,
 * with one trainable α per input element (shape = input shape without the batch axis,
 * initialised to 0, as Keras `PReLU`).
 *
 * deel-lip: `deel.lip.layers.PReLUlip(k_coef_lip)`, a function returning Keras
 * `PReLU(alpha_constraint=MinMaxNorm(−k, k))`. Differences, on purpose:
 * - tfjs-layers never applies weight constraints during `fit`, so the bound is enforced
 *   inside `call` (reparametrisation: the slope used is `clip(α, −k, k)`), and holds at
 *   every training step, not only after a projection;
 * - deel-lip's `MinMaxNorm` rescales the L2 norm of α along its axis 0 to ≤ k, which is
 *   stricter than (and implies) the element-wise bound |α| ≤ k that the Lipschitz
 *   constant depends on. Equal outputs whenever that norm is ≤ k.
 *
 * Lipschitz constant (L2): max(1, max|clip(α)|) ≤ max(1, k). The positive slope is 1,
 * so this is *not* a k-Lipschitz layer for k < 1: like deel-lip, it does not implement
 * `LipschitzLayer` (no `isLipschitz`, `sequential` does not rescale it).
 * It is {@link Condensable}: `condense()` clips the stored α and `vanillaExport()`
 * returns a built tfjs `PReLU` holding the clipped α.
 *
 * @example
 * const l = preluLip({kCoefLip: 0.5}); l.apply(x)   // α starts at 0: relu(x)
 */
export class PReLUlip extends tfl.layers.Layer implements Condensable {
  static className = 'PReLUlip';
  readonly kCoefLip: number;
  private alpha: tfl.LayerVariable | null = null;
  private builtShape: Shape | null = null;
  /** The options schema of this class (a subclass with more options overrides it). */
  protected static readonly options: OptionsDefinition<OptionSchema> = PRELU_LIP_OPTIONS;

  constructor(args: PReLUlipArgs = {}) {
    super(args);
    (this.constructor as typeof PReLUlip).options.parse(args, this.getClassName());
    this.kCoefLip = checkKCoefLip(this.getClassName(), args.kCoefLip ?? 1);
  }

  /** Shape of α for an input shape (with batch): here the input shape without the batch axis. */
  protected alphaShape(shape: Shape): number[] {
    const alphaShape = shape.slice(1);
    if (alphaShape.some((d) => d == null)) {
      throw new LipnetInputError({
        code: 'INVALID_SHAPE',
        who: this.getClassName(),
        option: 'input',
        message:
          `expected a fully known input shape (without batch), got [${shape.map(String).join(', ')}]. ` +
          'Give the model an inputShape with fixed dimensions.',
      });
    }
    return alphaShape as number[];
  }

  /** Initial value of α: 0, as Keras `PReLU`. */
  protected alphaInitializer(): ReturnType<typeof tfl.initializers.zeros> {
    return tfl.initializers.zeros();
  }

  /** tfjs `PReLU` `sharedAxes` reproducing {@link alphaShape} (none: one α per element). */
  protected vanillaSharedAxes(_rank: number): number[] | undefined {
    return undefined;
  }

  /** Upper bound of the L2 Lipschitz constant for this configuration: max(1, kCoefLip). */
  lipschitzBound(): number {
    return Math.max(1, this.kCoefLip);
  }

  /** {@link lipschitzBound} from a `getConfig()` dictionary. */
  static lipschitzBoundFromConfig(config: tf.serialization.ConfigDict): number {
    return Math.max(1, typeof config['kCoefLip'] === 'number' ? config['kCoefLip'] : 1);
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const alphaShape = this.alphaShape(shape);
    this.builtShape = shape;
    this.alpha = this.addWeight('alpha', alphaShape, 'float32', this.alphaInitializer(), undefined, true);
    this.built = true;
  }

  /** The slopes used in the forward pass: clip(α, −k, k). */
  clippedAlpha(): tf.Tensor {
    if (!this.alpha)
      throw new LipnetInputError({
        code: 'INVALID_ARGUMENT',
        who: this.getClassName(),
        option: 'input',
        message: 'the layer is not built yet. Call it on an input first.',
      });
    const a = this.alpha.read();
    return tf.clipByValue(a, -this.kCoefLip, this.kCoefLip);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      this.invokeCallHook(inputs, kwargs);
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      return tf.prelu(x, this.clippedAlpha());
    });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return inputShape;
  }

  /** Overwrites α with clip(α, −k, k) (deel-lip applies the constraint after each optimiser step). */
  condense(): void {
    const clipped = tf.tidy(() => this.clippedAlpha());
    this.alpha!.write(clipped);
    clipped.dispose();
  }

  /** A built tfjs `PReLU` holding clip(α, −k, k): same outputs, loadable without @lipnet. */
  vanillaExport(): tfl.layers.Layer {
    if (!this.builtShape)
      throw new LipnetInputError({
        code: 'INVALID_ARGUMENT',
        who: this.getClassName(),
        option: 'input',
        message: 'the layer is not built yet. Call it on an input first.',
      });
    const sharedAxes = this.vanillaSharedAxes(this.builtShape.length);
    const layer = tfl.layers.prelu({ name: `${this.name}_vanilla`, ...(sharedAxes ? { sharedAxes } : {}) });
    layer.build(this.builtShape);
    const target = layer.getWeights()[0]!.shape;
    const clipped = tf.tidy(() => tf.reshape(this.clippedAlpha(), target));
    layer.setWeights([clipped]);
    clipped.dispose();
    return layer;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), kCoefLip: this.kCoefLip };
  }
}
tf.serialization.registerClass(PReLUlip);

/** Factory for {@link PReLUlip}. */
export function preluLip(args: PReLUlipArgs = {}): PReLUlip {
  return new PReLUlip(args);
}
