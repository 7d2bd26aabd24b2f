import * as tf from '@tensorflow/tfjs-core';
import { FUSED_KERNELS, hasFusedKernel } from '@lipnet/core';

/**
 * Optional fused Björck kernels a backend may register (with
 * `tf.registerKernel`); {@link bjorckNormalization} uses them when the active
 * backend has both, else composes stock ops (two GEMMs and three element-wise
 * ops per iteration, and as many again backward — op overhead dominates at
 * kernel sizes such as 1568×64). `@lipnet/backend` registers native ones for
 * tfjs-node's `tensorflow` backend after `pnpm native:setup`.
 *
 * - `LipnetBjorck`: input `w` [m, n]; attrs `beta`, `maxIter`, `eps`; outputs
 *   `[y, iterates]`: y after the iterations `W ← (1+β)W − β·W·Wᵀ·W`, exactly
 *   `maxIter` of them when `eps` ≤ 0 (deel-lip 1.2.0), else deel-lip 1.5's
 *   rule (stop before an iteration when ‖W_t − W_{t−1}‖_F < eps, the first test
 *   against 10·W; at most `maxIter`); `iterates` [k, m, n] holds W_0 … W_{k−1}.
 * - `LipnetBjorckGrad`: inputs `iterates`, `dy`; attr `beta`; output dW, back
 *   through each step: g ← (1+β)g − β·(g·WᵀW + W·(M + Mᵀ)), M = Wᵀg.
 */
export const FUSED_BJORCK_KERNELS = { bjorck: FUSED_KERNELS.bjorck, bjorckGrad: FUSED_KERNELS.bjorckGrad } as const;

/** Whether the active backend (or `backend`) registers both fused Björck kernels. */
export function hasFusedBjorck(backend: string = tf.getBackend()): boolean {
  return hasFusedKernel(FUSED_KERNELS.bjorck, FUSED_KERNELS.bjorckGrad, backend);
}

/**
 * Björck orthonormalisation through the fused kernels, differentiable (the
 * gradient of the iterations actually run). `eps` ≤ 0: exactly `maxIter`
 * iterations. Same values as the stock loop up to float rounding.
 */
export function fusedBjorck(w: tf.Tensor2D, beta: number, maxIter: number, eps: number): tf.Tensor2D {
  const op = tf.customGrad(((input: tf.Tensor2D, save: tf.GradSaveFunc) => {
    const [y, iterates] = tf
      .engine()
      .runKernel(FUSED_BJORCK_KERNELS.bjorck, { w: input }, { beta, maxIter, eps }) as tf.Tensor[];
    save([iterates!]);
    return {
      value: y!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.engine().runKernel(FUSED_BJORCK_KERNELS.bjorckGrad, { iterates: saved[0]!, dy }, { beta }) as tf.Tensor,
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as (input: tf.Tensor2D) => tf.Tensor2D;
  return op(w);
}
