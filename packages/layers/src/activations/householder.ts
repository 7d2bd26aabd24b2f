import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { withoutGradient } from '@lipnet/constraints';
import type { LipschitzLayer } from '../lipschitz-layer';
import { LipnetInputError, LipnetOptionError, formatShape, formatValue, opt } from '@lipnet/core';
import { initializerOption, serializeInitializer, toInitializer, type InitializerId } from '../initializer-spec';
import { layerOptions, kCoefLipOption } from '../layer-options';
import { checkKCoefLip, parseDataFormat } from './activation-checks';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
type Shape = Array<number | null>;

/** Arguments of {@link Householder}. */
export interface HouseholderArgs extends LayerArgs {
  /** Only `'channelsLast'` (the default; deel-lip's `'channels_last'` is accepted), as in deel-lip. */
  dataFormat?: 'channelsLast' | 'channels_last';
  /** Lipschitz constant: the output is multiplied by it. Default 1 (see the class notes). */
  kCoefLip?: number;
  /**
   * Initial angles θ (shape `[C/2]`): a number (every θ equal to it), an initializer name
   * ('zeros', 'ones', 'randomNormal', …), an instance or `{className, config}`.
   * Default π/2, which makes the layer GroupSort2 across the two halves. deel-lip: a Keras
   * initializer or None (π/2); torchlip: a float or 'zeros' | 'ones' | 'normal'.
   */
  thetaInitializer?: number | InitializerId;
}

/** The options of Householder, declared once. */
const OPTIONS = layerOptions('Householder', {
  dataFormat: opt.any(),
  kCoefLip: kCoefLipOption,
  thetaInitializer: opt
    .anyOf([opt.number(), initializerOption])
    .describedAs(
      'a finite angle or an initializer name, instance or {className, config}',
      "Pass an angle such as Math.PI / 2, or an initializer such as 'zeros'.",
    ),
});

/**
 * Householder activation (Singla, Singla & Feizi, "Improved deterministic l2 robustness on
 * CIFAR-10 and CIFAR-100", ICLR 2022). The channels are split in **halves** `z1 = x[…, :C/2]`,
 * `z2 = x[…, C/2:]` (not adjacent pairs as in GroupSort); per channel pair, with a trainable
 * angle θ:
 *
 *   `sel = z1·sin(θ/2) − z2·cos(θ/2)`;
 *   `(a, b) = (z1, z2)` if `sel ≤ 0`, else the reflection `(z1·cosθ + z2·sinθ, z1·sinθ − z2·cosθ)`;
 *   `y = k · concat([a, b], −1)`.
 *
 * The reflection fixes the line `sel = 0`, so the map is continuous, piecewise orthogonal and
 * exactly `kCoefLip`-Lipschitz (gradient-norm preserving). θ = π/2 gives
 * `(min(z1, z2), max(z1, z2))`.
 *
 * deel-lip: `deel.lip.layers.Householder(data_format, k_coef_lip, theta_initializer)`;
 * deel-torchlip: `HouseHolder(channels, k_coef_lip, theta_initializer)` (NCHW, channel axis 1,
 * same formula; both agree with lipnet on the committed fixtures of each library).
 * Difference, on purpose: both libraries store `k_coef_lip` but never apply it in the
 * forward pass, so a `Sequential(k_coef_lip=k)` holding one is not k-Lipschitz; here the
 * output is multiplied by `kCoefLip`, as for every other lipnet activation. Identical for
 * the default k = 1.
 *
 * @example
 * householder().apply(tf.tensor2d([[3, 1]]))  // θ = π/2: [[1, 3]]
 */
export class Householder extends tfl.layers.Layer implements LipschitzLayer {
  static className = 'Householder';
  readonly isLipschitz = true as const;
  kCoefLip: number;
  readonly dataFormat: 'channelsLast';
  private readonly thetaInit: number | InitializerId;
  private theta: tfl.LayerVariable | null = null;

  constructor(args: HouseholderArgs = {}) {
    super(args);
    const o = OPTIONS.parse(args, 'Householder');
    if (parseDataFormat(args.dataFormat ?? 'channelsLast') !== 'channelsLast') {
      throw new LipnetOptionError({
        code: 'INVALID_OPTION',
        who: 'Householder',
        option: 'dataFormat',
        message:
          `expected \`dataFormat\` 'channelsLast', got ${formatValue(args.dataFormat)}. ` +
          'Only channels-last inputs are supported (as in deel-lip); transpose NCHW data to NHWC.',
      });
    }
    this.dataFormat = 'channelsLast';
    this.kCoefLip = o.kCoefLip;
    this.thetaInit = o.thetaInitializer ?? Math.PI / 2;
  }

  /** Sets the Lipschitz constant (used by `sequential({kCoefLip})`). */
  setKCoefLip(k: number): void {
    this.kCoefLip = checkKCoefLip('Householder', k);
  }

  /** Exact L2 Lipschitz constant of this layer: `kCoefLip`. */
  lipschitzBound(): number {
    return this.kCoefLip;
  }

  /** {@link lipschitzBound} from a `getConfig()` dictionary. */
  static lipschitzBoundFromConfig(config: tf.serialization.ConfigDict): number {
    return typeof config['kCoefLip'] === 'number' ? config['kCoefLip'] : 1;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const c = shape[shape.length - 1];
    if (shape.length < 2 || c == null || c % 2 !== 0) {
      throw new LipnetInputError({
        code: 'INVALID_SHAPE',
        who: 'Householder',
        option: 'input',
        message:
          `expected an even, known channel count (last axis), got input shape ${formatShape(shape)}. ` +
          'Give the layer an input whose last dimension is even.',
      });
    }
    const init =
      typeof this.thetaInit === 'number'
        ? tfl.initializers.constant({ value: this.thetaInit })
        : toInitializer('Householder', this.thetaInit, 'thetaInitializer');
    this.theta = this.addWeight('theta', [c / 2], 'float32', init, undefined, true);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      this.invokeCallHook(inputs, kwargs);
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      const theta = this.theta!.read();
      if (x.shape[x.rank - 1] !== 2 * theta.shape[0]) {
        throw new LipnetInputError({
          code: 'INVALID_SHAPE',
          who: 'Householder',
          option: 'input',
          message: `the layer was built for ${2 * theta.shape[0]} channels, got input shape ${formatShape(x.shape)}. Use one layer per channel count.`,
        });
      }
      const [z1, z2] = tf.split(x, 2, -1) as [tf.Tensor, tf.Tensor];
      const half = tf.mul(theta, 0.5);
      const sel = tf.sub(tf.mul(z1, tf.sin(half)), tf.mul(z2, tf.cos(half)));
      const cos = tf.cos(theta);
      const sin = tf.sin(theta);
      // 1 where the pair is reflected (sel > 0), as a float mask without gradient (tfjs has
      // no gradient for comparisons): y = z + mask·(reflected − z), torchlip's form.
      const mask = withoutGradient((s) => tf.cast(tf.greater(s, 0), 'float32'), sel);
      const a = tf.add(z1, tf.mul(mask, tf.sub(tf.add(tf.mul(z1, cos), tf.mul(z2, sin)), z1)));
      const b = tf.add(z2, tf.mul(mask, tf.sub(tf.sub(tf.mul(z1, sin), tf.mul(z2, cos)), z2)));
      const y = tf.concat([a, b], -1);
      return this.kCoefLip === 1 ? y : tf.mul(y, tf.scalar(this.kCoefLip));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const init = typeof this.thetaInit === 'number' ? this.thetaInit : serializeInitializer(this.thetaInit);
    return { ...super.getConfig(), dataFormat: this.dataFormat, kCoefLip: this.kCoefLip, thetaInitializer: init };
  }
}
tf.serialization.registerClass(Householder);

/** Factory for {@link Householder}. */
export function householder(args: HouseholderArgs = {}): Householder {
  return new Householder(args);
}
