/**
 * The backward half of the kernel pass (see `KernelTrainingForward`): from
 * ∂L/∂logits, each layer's ∂L/∂W̄ and ∂L/∂b, kernel by kernel, reading what
 * `kernelForward` kept. The same kernels as tfjs' gradients of the eager
 * layers (Conv2D's and MatMul's, lipnet's fused pair-sort and pooling
 * gradients), so the same numbers; no ∂L/∂x is computed for the input.
 */
import * as tf from '@tensorflow/tfjs-core';
import { FUSED_KERNELS } from '@lipnet/core';
import type { WeightlessSpec } from '../tf-graph/graph-weightless';
import { type Conv, type KernelEntry, type Linear, padOf, poolKernelAttrs, runKernel } from './kernel-pass-forward';

/** ∂L/∂z and ∂L/∂b of a linear layer's activation of z + b, from ∂L/∂y. */
function activationGrad(spec: Linear, z: tf.Tensor, b: tf.Tensor | undefined, dy: tf.Tensor): [tf.Tensor, tf.Tensor?] {
  let dz: tf.Tensor;
  if (spec.act === 'groupSort2') {
    if (b) {
      const [d, db] = runKernel(FUSED_KERNELS.biasPairSortGrad, { z, b, dy }) as tf.Tensor[];
      return [d!, db!];
    }
    dz = runKernel(FUSED_KERNELS.pairSortGrad, { x: z, dy }) as tf.Tensor;
  } else if (spec.act === 'relu') {
    dz = tf.tidy(() => tf.mul(dy, tf.step(b ? tf.add(z, b) : z)));
  } else {
    dz = dy;
  }
  return [dz, b ? tf.sum(tf.reshape(dz, [-1, dz.shape[dz.rank - 1]!]), 0) : undefined];
}

/** ∂L/∂W̄ of conv `spec` from its input h and ∂L/∂z (tfjs' Conv2D gradient). */
function convFilterGrad(spec: Conv, h: tf.Tensor, w: tf.Tensor, dz: tf.Tensor): tf.Tensor {
  return runKernel(
    'Conv2DBackpropFilter',
    { x: h, dy: dz },
    { strides: spec.strides, pad: padOf(spec), dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: w.shape },
  ) as tf.Tensor;
}

/** ∂L/∂h of conv `spec` from ∂L/∂z (tfjs' Conv2D gradient). */
function convInputGrad(spec: Conv, h: tf.Tensor, w: tf.Tensor, dz: tf.Tensor): tf.Tensor {
  return runKernel(
    'Conv2DBackpropInput',
    { dy: dz, filter: w },
    { strides: spec.strides, pad: padOf(spec), dataFormat: 'NHWC', dimRoundingMode: undefined, inputShape: h.shape },
  ) as tf.Tensor;
}

/** [∂L/∂W̄, ∂L/∂h] of z = conv(h, W̄) or h·W̄ from ∂L/∂z; no ∂L/∂h when `first`. */
function linearGrads(spec: Linear, h: tf.Tensor, w: tf.Tensor, dz: tf.Tensor, first: boolean): [tf.Tensor, tf.Tensor?] {
  if (spec.kind === 'dense') {
    const dw = tf.matMul(h as tf.Tensor2D, dz as tf.Tensor2D, true, false);
    return [dw, first ? undefined : tf.matMul(dz as tf.Tensor2D, w as tf.Tensor2D, false, true)];
  }
  return [convFilterGrad(spec, h, w, dz), first ? undefined : convInputGrad(spec, h, w, dz)];
}

/** ∂L/∂h of a weightless layer from its input h (null for Flatten, whose gradient reads only the shape). */
function weightlessGrad(spec: WeightlessSpec, h: tf.Tensor | null, hShape: number[], dy: tf.Tensor): tf.Tensor {
  switch (spec.kind) {
    case 'groupSort2':
      return runKernel(FUSED_KERNELS.pairSortGrad, { x: h!, dy }) as tf.Tensor;
    case 'l2Pool':
      return runKernel(FUSED_KERNELS.l2PoolGrad, { x: h!, dy }, poolKernelAttrs(spec, true)) as tf.Tensor;
    case 'flatten':
      return tf.reshape(dy, hShape);
  }
}

/**
 * One entry's backward step: ∂L/∂input from ∂L/∂output `dy` (undefined when
 * `first`), its weight gradients set in `grads` at its layer index.
 */
function entryGrad(
  e: KernelEntry,
  kept: readonly tf.Tensor[],
  dy: tf.Tensor,
  first: boolean,
  grads: Map<number, tf.Tensor[]>,
): tf.Tensor | undefined {
  if (e.kind === 'plain') return first ? undefined : weightlessGrad(e.spec, kept[e.h] ?? null, e.hShape, dy);
  const [w, b] = e.w.map((i) => kept[i]!);
  const h = kept[e.h]!;
  if (e.kind === 'firstConvSortPool') {
    const attrs = { ...poolKernelAttrs(e.pool, true), padding: padOf(e.spec) };
    grads.set(
      e.index,
      runKernel(FUSED_KERNELS.convBiasPairSortL2PoolGrad, { x: h, w: w!, b: b!, dy }, attrs) as tf.Tensor[],
    );
    return undefined;
  }
  const z = kept[e.z]!;
  let dz: tf.Tensor;
  let db: tf.Tensor | undefined;
  if (e.kind === 'convSortPool') {
    [dz, db] = runKernel(FUSED_KERNELS.biasPairSortL2PoolGrad, { z, b: b!, dy }, poolKernelAttrs(e.pool, true)) as [
      tf.Tensor,
      tf.Tensor,
    ];
  } else {
    [dz, db] = activationGrad(e.spec, z, b, dy);
  }
  const [dw, dh] = linearGrads(e.spec, h, w!, dz, first);
  if (dz !== dy) dz.dispose();
  grads.set(e.index, db ? [dw, db] : [dw]);
  return dh;
}

/**
 * Every layer's weight gradients, in `entries` order flattened as the
 * weights were passed ([∂L/∂W̄, ∂L/∂b] per linear layer), from ∂L/∂logits
 * `dy`. Intermediate gradients are disposed as soon as the layer before has
 * read them.
 */
export function kernelBackward(
  entries: readonly KernelEntry[],
  kept: readonly tf.Tensor[],
  dy: tf.Tensor,
): tf.Tensor[] {
  const grads = new Map<number, tf.Tensor[]>();
  let d = dy;
  for (let k = entries.length - 1; k >= 0; k--) {
    const next = entryGrad(entries[k]!, kept, d, k === 0, grads);
    if (d !== dy) d.dispose();
    if (!next) break;
    d = next;
  }
  return [...grads.keys()].sort((a, b) => a - b).flatMap((i) => grads.get(i)!);
}
