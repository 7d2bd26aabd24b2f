/**
 * The forward half of the kernel pass (see `KernelTrainingForward`): a
 * Sequential's training-mode logits computed kernel by kernel on the active
 * tfjs backend, recording for each layer what its backward step reads. The
 * layer descriptions are the training graph's (`TrainLayer`), so both compiled
 * passes take the same models.
 */
import * as tf from '@tensorflow/tfjs-core';
import { FUSED_KERNELS } from '@lipnet/core';
import type { TrainLayer, TrainLayerSpec } from '../tf-graph/train-graph-layers';
import type { WeightlessSpec } from '../tf-graph/graph-weightless';

export type Linear = Extract<TrainLayerSpec, { kind: 'conv2d' | 'dense' }>;
export type Conv = Extract<TrainLayerSpec, { kind: 'conv2d' }>;
export type Pool = Extract<WeightlessSpec, { kind: 'l2Pool' }>;

/**
 * One layer's forward step and what its backward step reads: a linear layer
 * (z = conv/matmul of h, y = its activation of z + b), a conv + bias +
 * GroupSort(2) + pooling pair (the sorted activation never written), the same
 * pair as the first layer in one kernel (nothing kept but x), or a weightless
 * layer. `index` is the layer's position; `h`, `z` and `w` (its [W̄] or
 * [W̄, b]) are positions in the pass's list of kept tensors.
 */
export type KernelEntry =
  | { kind: 'linear'; spec: Linear; index: number; h: number; z: number; w: number[] }
  | { kind: 'convSortPool'; spec: Conv; pool: Pool; index: number; h: number; z: number; w: number[] }
  | { kind: 'firstConvSortPool'; spec: Conv; pool: Pool; index: number; h: number; w: number[] }
  | { kind: 'plain'; spec: WeightlessSpec; h: number; hShape: number[] };

/** Runs a registered kernel by name on the active backend. */
export function runKernel(name: string, inputs: tf.NamedTensorMap, attrs: object = {}): tf.Tensor | tf.Tensor[] {
  return tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap);
}

/** tfjs' padding name of a layer's 'SAME' / 'VALID'. */
export const padOf = (s: Conv): 'same' | 'valid' => (s.padding === 'SAME' ? 'same' : 'valid');

/** The attrs of lipnet's pooling kernels: poolSize, scale and, for the gradients, eps. */
export function poolKernelAttrs(p: Pool, withEps: boolean): object {
  const a = { poolSize: p.pool, scale: p.scale };
  return withEps ? { ...a, eps: p.eps } : a;
}

/** Whether layers[i], layers[i + 1] are a conv with bias and GroupSort(2), then a pooling: the fused pair. */
function sortPoolPair(layers: readonly TrainLayer[], i: number): [Conv, Pool] | null {
  const a = layers[i]!.spec;
  const b = layers[i + 1]?.spec;
  if (a.kind !== 'conv2d' || !a.bias || a.act !== 'groupSort2' || b?.kind !== 'l2Pool') return null;
  return [a, b];
}

/** Whether the backend has the fused first-layer kernels and they take conv `spec` (stride 1, 4k channels). */
function firstLayerKernelTakes(spec: Conv, w: tf.Tensor): boolean {
  const backend = tf.getBackend();
  const has = (k: string) => tf.getKernel(k, backend) !== undefined;
  if (!has(FUSED_KERNELS.convBiasPairSortL2Pool) || !has(FUSED_KERNELS.convBiasPairSortL2PoolGrad)) return false;
  return spec.strides.every((s) => s === 1) && w.shape[3]! % 4 === 0;
}

/** z = conv(h, W̄) or h·W̄. */
function linearZ(spec: Linear, h: tf.Tensor, w: tf.Tensor): tf.Tensor {
  if (spec.kind === 'dense') return tf.matMul(h as tf.Tensor2D, w as tf.Tensor2D);
  return tf.conv2d(h as tf.Tensor4D, w as tf.Tensor4D, spec.strides, padOf(spec));
}

/** The activation of z with the bias b (if any): GroupSort(2) as lipnet's (bias +) pair-sort kernel, ReLU, or none. */
export function activate(spec: Linear, z: tf.Tensor, b: tf.Tensor | undefined): tf.Tensor {
  if (spec.act === 'groupSort2') {
    return b
      ? (runKernel(FUSED_KERNELS.biasPairSort, { z, b }) as tf.Tensor)
      : (runKernel(FUSED_KERNELS.pairSort, { x: z }) as tf.Tensor);
  }
  if (!b) return spec.act === 'relu' ? tf.relu(z) : z;
  return tf.tidy(() => {
    const v = tf.add(z, b);
    return spec.act === 'relu' ? tf.relu(v) : v;
  });
}

/** One weightless layer forward. */
function weightlessForward(spec: WeightlessSpec, h: tf.Tensor): tf.Tensor {
  switch (spec.kind) {
    case 'groupSort2':
      return runKernel(FUSED_KERNELS.pairSort, { x: h }) as tf.Tensor;
    case 'l2Pool':
      return runKernel(FUSED_KERNELS.l2Pool, { x: h }, poolKernelAttrs(spec, false)) as tf.Tensor;
    case 'flatten':
      return tf.reshape(h, [h.shape[0], -1]);
  }
}

/** The tensors a recording pass keeps for its backward pass, each once, by position. */
class Kept {
  readonly list: tf.Tensor[] = [];
  at(t: tf.Tensor): number {
    const i = this.list.indexOf(t);
    return i >= 0 ? i : this.list.push(t) - 1;
  }
  has(t: tf.Tensor): boolean {
    return this.list.includes(t);
  }
}

/** What {@link kernelForward} returns: the logits, the entries and the tensors they point at. */
export interface KernelForwardResult {
  logits: tf.Tensor;
  entries: KernelEntry[];
  /** The tensors the entries read (x, the weights, layer inputs, pre-activations), by position. */
  kept: tf.Tensor[];
}

/**
 * The logits of `x` through `layers` with weights `weights` (per layer [W̄] or
 * [W̄, b], [] for weightless ones) and, when `record`, the entries the
 * backward pass reads. A tensor made here that is neither kept nor the output
 * is disposed as soon as the next layer has read it; the caller owns the
 * logits and the kept tensors it did not pass in.
 */
export function kernelForward(
  layers: readonly TrainLayer[],
  x: tf.Tensor,
  weights: readonly tf.Tensor[][],
  record = true,
): KernelForwardResult {
  const entries: KernelEntry[] = [];
  const kept = new Kept();
  let h = x;
  const keep = (t: tf.Tensor) => (record ? kept.at(t) : -1);
  const advance = (y: tf.Tensor) => {
    if (h !== x && h !== y && !kept.has(h)) h.dispose();
    h = y;
  };
  for (let i = 0; i < layers.length; i++) {
    const spec = layers[i]!.spec;
    const w = weights[i]!;
    if (spec.kind !== 'conv2d' && spec.kind !== 'dense') {
      // Flatten's gradient reads only the shape.
      if (record) entries.push({ kind: 'plain', spec, h: spec.kind === 'flatten' ? -1 : keep(h), hShape: h.shape });
      advance(weightlessForward(spec, h));
      continue;
    }
    const wi = w.map(keep);
    const pair = sortPoolPair(layers, i);
    if (pair && i === 0 && firstLayerKernelTakes(pair[0], w[0]!)) {
      const attrs = { ...poolKernelAttrs(pair[1], false), padding: padOf(pair[0]) };
      if (record)
        entries.push({ kind: 'firstConvSortPool', spec: pair[0], pool: pair[1], index: i, h: keep(h), w: wi });
      advance(runKernel(FUSED_KERNELS.convBiasPairSortL2Pool, { x: h, w: w[0]!, b: w[1]! }, attrs) as tf.Tensor);
      i++;
      continue;
    }
    const hi = keep(h);
    const z = linearZ(spec, h, w[0]!);
    const zi = keep(z);
    advance(z);
    if (pair) {
      if (record) entries.push({ kind: 'convSortPool', spec: pair[0], pool: pair[1], index: i, h: hi, z: zi, w: wi });
      advance(
        runKernel(FUSED_KERNELS.biasPairSortL2Pool, { z, b: w[1]! }, poolKernelAttrs(pair[1], false)) as tf.Tensor,
      );
      i++;
      continue;
    }
    if (record) entries.push({ kind: 'linear', spec, index: i, h: hi, z: zi, w: wi });
    advance(activate(spec, z, w[1]));
  }
  return { logits: h, entries, kept: kept.list };
}

/** The logits of `x` in inference mode: {@link kernelForward} keeping nothing. */
export function kernelPredict(layers: readonly TrainLayer[], x: tf.Tensor, weights: readonly tf.Tensor[][]): tf.Tensor {
  return kernelForward(layers, x, weights, false).logits;
}
