import * as tf from '@tensorflow/tfjs-core';
import { checkEpsGradSqrt } from './pooling-checks';
import { ScaledWindowPooling2D, type ScaledWindowPooling2DArgs } from './scaled-window-pooling2d';
import { windowL2Norm } from './window-l2-norm';
import { fusedBiasPairSortL2Pool } from '../fused-kernels';
import type { SortedHandoff, SortedHandoffReceiver } from '../sorted-handoff';

/** Arguments of {@link ScaledL2NormPooling2D}. */
export interface ScaledL2NormPooling2DArgs extends ScaledWindowPooling2DArgs {
  /** ε of the square-root gradient `dy / (2(√s + ε))`, finite at 0. Default 1e-6, must be ≥ 0. */
  epsGradSqrt?: number;
}

/**
 * L2-norm pooling (Boureau, Ponce & LeCun 2010): the L2 norm of each non-overlapping
 * `ph×pw` window, per channel, times `kCoefLip`:
 * `y = k · √(ph·pw) · √(avgpool(x²)) = k · ‖x_window‖₂`.
 * deel-lip: `deel.lip.layers.ScaledL2NormPooling2D(pool_size=(2,2), eps_grad_sqrt=1e-6)`,
 * including its custom square-root gradient `dy / (2(√s + eps_grad_sqrt))`, which makes the
 * gradient 0 (not NaN) on an all-zero window.
 *
 * Windows are disjoint and |‖a‖ − ‖b‖| ≤ ‖a − b‖, so the layer is `kCoefLip`-Lipschitz,
 * with equality along rays (‖J‖ = k wherever a window is non-zero).
 *
 * @example
 * scaledL2NormPooling2D().apply(tf.tensor4d([3, 4, 0, 0], [1, 2, 2, 1]))  // [[[[5]]]]
 */
export class ScaledL2NormPooling2D extends ScaledWindowPooling2D implements SortedHandoffReceiver {
  static className = 'ScaledL2NormPooling2D';
  readonly epsGradSqrt: number;
  /** The layer before's sort₂(z + b) for the next call (see {@link SortedHandoff}); owns z. */
  private handoff: SortedHandoff | null = null;

  constructor(args: ScaledL2NormPooling2DArgs = {}) {
    super(args);
    this.epsGradSqrt = checkEpsGradSqrt(ScaledL2NormPooling2D.className, args.epsGradSqrt ?? 1e-6);
  }

  /** `k · √(ph·pw) · sqrtEps(avgpool(x²))` = k · window L2 norms (1-Lipschitz, attained along rays). */
  protected pool(x: tf.Tensor4D): tf.Tensor {
    const area = this.poolSize[0] * this.poolSize[1];
    const poolSize: [number, number] = [this.poolSize[0], this.poolSize[1]];
    const h = this.handoff;
    this.handoff = null;
    if (h !== null) {
      // x is the layer before's sort₂(z + b): pool from z and b, the same values, a shorter backward pass.
      const fused = h.y === x && !x.isDisposed && !h.b.isDisposed;
      const y = fused
        ? fusedBiasPairSortL2Pool(
            h.z as tf.Tensor4D,
            h.b as tf.Tensor1D,
            poolSize,
            Math.sqrt(area) * this.kCoefLip,
            this.epsGradSqrt,
          )
        : null;
      h.z.dispose();
      if (y) return y;
    }
    // deel-lip order of operations: sqrt_eps(avgpool(x²)) · √(ph·pw) · k.
    return windowL2Norm(x, poolSize, Math.sqrt(area) * this.kCoefLip, this.epsGradSqrt);
  }

  /** Whether a {@link SortedHandoff} of `channels` channels would be pooled fused: an even count. */
  takesSortedHandoff(channels: number): boolean {
    return channels % 2 === 0;
  }

  /** Takes the layer before's sort₂(z + b) and z (disposed at the next call) for that call. */
  receiveSortedHandoff(h: SortedHandoff): void {
    this.handoff?.z.dispose();
    this.handoff = h;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsGradSqrt: this.epsGradSqrt };
  }
}
tf.serialization.registerClass(ScaledL2NormPooling2D);

/** Factory for {@link ScaledL2NormPooling2D}. */
export function scaledL2NormPooling2D(args: ScaledL2NormPooling2DArgs = {}): ScaledL2NormPooling2D {
  return new ScaledL2NormPooling2D(args);
}
