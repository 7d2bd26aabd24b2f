import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { LipnetInputError, formatShape, formatValue } from '@lipnet/core';
import { layerOptions } from '../layer-options';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
type Shape = Array<number | null>;

/** Arguments of {@link LipResidual}. */
export type LipResidualArgs = LayerArgs;

/** LipResidual takes tfjs' layer arguments only. */
const OPTIONS = layerOptions('LipResidual', {});

/**
 * 1-Lipschitz residual merge (deel-torchlip `LipResidual()`): applied to `[x, y]` (e.g. a skip
 * input and a block's output of the same shape), `z = σ(a)·x + (1 − σ(a))·y` with one trainable
 * scalar `a` initialised to 0 (an even mix). A convex combination: if x and y are L_x- and
 * L_y-Lipschitz functions of the network input, z is (σ(a)·L_x + (1 − σ(a))·L_y)-Lipschitz —
 * a residual block stays 1-Lipschitz when its branch is, where a plain `Add` gives 2. As a map
 * of the pair (x, y), its norm is √(σ² + (1 − σ)²) ≤ 1.
 *
 * @example
 * const z = lipResidual().apply([x, block.apply(x)]);
 */
export class LipResidual extends tfl.layers.Layer {
  static className = 'LipResidual';
  private alpha: tfl.LayerVariable | null = null;

  constructor(args: LipResidualArgs = {}) {
    super(args);
    OPTIONS.parse(args);
  }

  /** The mixing weights `[σ(a), 1 − σ(a)]` of the two inputs (for graph bounds). */
  branchCoefficients(): [number, number] {
    if (!this.alpha) return [0.5, 0.5];
    const s = 1 / (1 + Math.exp(-this.alpha.read().dataSync()[0]!));
    return [s, 1 - s];
  }

  /** L2 Lipschitz constant as a map of the pair (x, y): √(σ² + (1 − σ)²) ≤ 1. */
  lipschitzBound(): number {
    const [s, r] = this.branchCoefficients();
    return Math.sqrt(s * s + r * r);
  }

  override build(inputShape: Shape | Shape[]): void {
    const shapes = inputShape as Shape[];
    if (!Array.isArray(shapes[0]) || shapes.length !== 2) {
      throw new LipnetInputError({
        code: 'INVALID_ARGUMENT',
        who: 'LipResidual',
        option: 'inputs',
        message: `expected two inputs [x, y], got ${formatValue(inputShape)}. Call it as lipResidual().apply([x, y]).`,
      });
    }
    const [a, b] = shapes as [Shape, Shape];
    if (a.length !== b.length || a.some((d, i) => i > 0 && d != null && b[i] != null && d !== b[i])) {
      throw new LipnetInputError({
        code: 'INVALID_SHAPE',
        who: 'LipResidual',
        option: 'inputs',
        message: `the inputs have different shapes ${formatShape(a)} and ${formatShape(b)}. Merge tensors of one shape.`,
      });
    }
    this.alpha = this.addWeight('alpha', [], 'float32', tfl.initializers.zeros(), undefined, true);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return (inputShape as Shape[])[0]!;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      this.invokeCallHook(inputs, kwargs);
      const [x, y] = inputs as tf.Tensor[];
      const s = tf.sigmoid(this.alpha!.read());
      return tf.add(tf.mul(x!, s), tf.mul(y!, tf.sub(1, s)));
    });
  }
}
tf.serialization.registerClass(LipResidual);

/** Factory for {@link LipResidual}. */
export function lipResidual(args: LipResidualArgs = {}): LipResidual {
  return new LipResidual(args);
}
