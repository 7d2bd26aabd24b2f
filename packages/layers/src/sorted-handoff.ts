import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { FUSED_KERNELS, hasFusedKernel } from './fused-kernels';

/**
 * What a reparametrized layer with a bias and a GroupSort(2) activation (k = 1)
 * hands to the L2-norm pooling layer that is its only consumer in a model:
 * its output y = sort₂(z + b) and the operands z (which the receiver disposes
 * once used, if the enclosing scope has not) and b. The pooling then pools from z and b in one fused kernel
 * (`LipnetBiasPairSortL2Pool`), whose gradient goes straight to z and b: the
 * sorted tensor is neither kept for nor read by the backward pass, which
 * reads z once instead of reading y for the pooling's gradient and z for the
 * sort's. The forward values are the same; y is still the layer's output.
 */
export interface SortedHandoff {
  y: tf.Tensor;
  z: tf.Tensor;
  b: tf.Tensor;
}

/** A layer that can take a {@link SortedHandoff} (ScaledL2NormPooling2D). */
export interface SortedHandoffReceiver {
  /** Whether it would pool a handoff of a `C`-channel tensor through the fused kernel. */
  takesSortedHandoff(channels: number): boolean;
  /** Takes `h` (and ownership of `h.z`) for its next call; drops any earlier one. */
  receiveSortedHandoff(h: SortedHandoff): void;
}

function isReceiver(layer: unknown): layer is SortedHandoffReceiver {
  const r = layer as Partial<SortedHandoffReceiver> | null;
  return typeof r?.takesSortedHandoff === 'function' && typeof r.receiveSortedHandoff === 'function';
}

/**
 * The layer that would take `layer`'s sort₂(z + b) of `z`: the next layer when
 * it is `layer`'s only consumer (one outbound node), a
 * {@link SortedHandoffReceiver} that takes it, and the backend registers the
 * fused kernel and its gradient; else null. The caller returns z out of its
 * `tf.tidy` (so the enclosing scope disposes it, as it does y) and hands it
 * over with `receiveSortedHandoff`, which also disposes it once used.
 */
export function sortedHandoffTarget(layer: tfl.layers.Layer, z: tf.Tensor): SortedHandoffReceiver | null {
  if (layer.outboundNodes.length !== 1 || z.rank !== 4 || z.dtype !== 'float32') return null;
  const next = layer.outboundNodes[0]!.outboundLayer;
  if (!isReceiver(next) || !next.takesSortedHandoff(z.shape[3]!)) return null;
  if (!hasFusedKernel(FUSED_KERNELS.biasPairSortL2Pool, FUSED_KERNELS.biasPairSortL2PoolGrad)) return null;
  return next;
}
