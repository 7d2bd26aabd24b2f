import { FUSED_KERNELS } from '@lipnet/core';
import { GraphBuilder, bool, str, type } from './graph-builder';
import { convAttrs, convShape } from './graph-layers';
import { type WeightlessSpec, poolAttrs, pooledShape, weightlessForward } from './graph-weightless';
import { CONV_SORT_POOL_OPS } from './conv-sort-pool-ops';
import { WINOGRAD_OPS, winogradTakes } from './winograd-ops';
import type { TrainLayer, TrainLayerSpec } from './train-graph-layers';

/** Options of the training graph. */
export interface TrainGraphOptions {
  /** Whether lipnet_ops has `LipnetConvBiasPairSortL2Pool` (+ Grad) for a first layer. */
  convSortPool: boolean;
  /**
   * Whether to compute the convolutions the Winograd ops take ({@link winogradTakes}: 3×3, stride 1,
   * 'same', channels multiples of 8) with lipnet_ops' `LipnetWinogradConv2D` and its two gradients
   * instead of TensorFlow's Conv2D, Conv2DBackpropInput and Conv2DBackpropFilter. Default false.
   */
  winograd?: boolean;
}

const F = { T: type('float') };

export type Linear = Extract<TrainLayerSpec, { kind: 'conv2d' | 'dense' }>;
export type Pool = Extract<TrainLayerSpec, { kind: 'l2Pool' }>;
export type Conv = Extract<TrainLayerSpec, { kind: 'conv2d' }>;

/**
 * One emitted forward step and what its backward step reads: a linear layer
 * (z = conv/matmul, y = activation of z + b), a conv + bias + GroupSort(2) +
 * pooling pair (z kept, the sorted activation never written), the same pair as
 * the first layer in one op (nothing kept but x), or a weightless layer.
 */
export type TrainEntry =
  | (LinearInput & { kind: 'linear'; spec: Linear; z: string; y: string })
  | (LinearInput & { kind: 'convSortPool'; spec: Conv; pool: Pool; z: string })
  | { kind: 'firstConvSortPool'; spec: Conv; pool: Pool; index: number; h: string; w: string[] }
  | { kind: 'plain'; spec: WeightlessSpec; h: string; hShape: number[] };

/** What a linear layer's weight and input gradients read: its index, input h, the kernel and bias placeholders. */
export interface LinearInput {
  index: number;
  h: string;
  hShape: number[];
  /** [W̄] or [W̄, b]. */
  w: string[];
  kernelShape: number[];
  /** Whether the layer's convolution (and so its gradients) uses the Winograd ops. */
  winograd?: boolean;
}

/** The most taps kh·kw·Cin `LipnetConvBiasPairSortL2Pool` takes (conv_sort_pool_ops.cc's kMaxTaps). */
export const CONV_SORT_POOL_MAX_TAPS = 256;

/** Whether the first-layer op computes conv `spec` of kernel shape `kernel`: stride 1, at most the op's taps. */
function firstLayerOpTakes(spec: Conv, kernel: number[]): boolean {
  return spec.strides.every((st) => st === 1) && kernel[0]! * kernel[1]! * kernel[2]! <= CONV_SORT_POOL_MAX_TAPS;
}

/** Whether linear layer `spec` of kernel shape `kernel` is a convolution the Winograd ops compute (when `o.winograd`). */
function usesWinograd(spec: Linear, kernel: number[], o: TrainGraphOptions): boolean {
  return spec.kind === 'conv2d' && o.winograd === true && winogradTakes(kernel, spec.strides, spec.padding);
}

/** z = h·W̄ (dense) or conv(h, W̄) (by Winograd when `winograd`) and its shape. */
function linearZ(
  g: GraphBuilder,
  spec: Linear,
  h: string,
  s: number[],
  w: string,
  kernel: number[],
  winograd: boolean,
): [string, number[]] {
  if (spec.kind === 'dense') {
    if (s.length !== 2) throw new Error('trainGraph: a dense layer on a non-vector input');
    const z = g.op('MatMul', [h, w], { ...F, transpose_a: bool(false), transpose_b: bool(false) });
    return [z, [s[0]!, kernel[1]!]];
  }
  const z = winograd ? g.op(WINOGRAD_OPS.forward, [h, w]) : g.op('Conv2D', [h, w], convAttrs(spec));
  return [z, convShape(s, kernel, spec)];
}

/** The activation of z (with the bias, if any): y. */
function activate(g: GraphBuilder, spec: Linear, z: string, b: string | undefined): string {
  if (spec.act === 'groupSort2')
    return b ? g.op(FUSED_KERNELS.biasPairSort, [z, b]) : g.op(FUSED_KERNELS.pairSort, [z]);
  const v = b ? g.f('AddV2', z, b) : z;
  return spec.act === 'relu' ? g.f('Relu', v) : v;
}

/** Whether layers[i], layers[i + 1] are a conv with bias and GroupSort(2), then a pooling: the fused pair. */
function sortPoolPair(layers: readonly TrainLayer[], i: number): [Conv, Pool] | null {
  const a = layers[i]!.spec;
  const b = layers[i + 1]?.spec;
  if (a.kind !== 'conv2d' || !a.bias || a.act !== 'groupSort2' || b?.kind !== 'l2Pool') return null;
  return [a, b];
}

/** The forward pass of `layers` from placeholder `x` (shape `shape`), with the entries its backward pass reads. */
export function emitTrainForward(
  g: GraphBuilder,
  layers: readonly TrainLayer[],
  x: string,
  shape: number[],
  o: TrainGraphOptions,
): { entries: TrainEntry[]; weights: string[][]; logits: string; shape: number[] } {
  const entries: TrainEntry[] = [];
  const weights: string[][] = layers.map(() => []);
  let h = x;
  let s = shape;
  for (let i = 0; i < layers.length; i++) {
    const layer = layers[i]!;
    if (!layer.kernelShape) {
      const spec = layer.spec as WeightlessSpec;
      entries.push({ kind: 'plain', spec, h, hShape: s });
      [h, s] = weightlessForward(g, spec, h, s);
      continue;
    }
    const w = [g.placeholder(`kernel_${i}`, 'float', layer.kernelShape)];
    if (layer.bias) w.push(g.placeholder(`bias_${i}`, 'float', layer.bias.shape as number[]));
    weights[i] = w;
    const pair = sortPoolPair(layers, i);
    const kernel = layer.kernelShape;
    if (pair && i === 0 && o.convSortPool && firstLayerOpTakes(pair[0], kernel)) {
      const y = g.op(CONV_SORT_POOL_OPS.forward, [h, w[0]!, w[1]!], {
        ...poolAttrs(pair[1], false),
        padding: str(pair[0].padding),
      });
      entries.push({ kind: 'firstConvSortPool', spec: pair[0], pool: pair[1], index: i, h, w });
      [h, s] = [y, pooledShape(convShape(s, kernel, pair[0]), pair[1])];
      i++;
      continue;
    }
    const winograd = usesWinograd(layer.spec as Linear, kernel, o);
    const [z, zs] = linearZ(g, layer.spec as Linear, h, s, w[0]!, kernel, winograd);
    if (pair) {
      const y = g.op(FUSED_KERNELS.biasPairSortL2Pool, [z, w[1]!], poolAttrs(pair[1], false));
      entries.push({
        kind: 'convSortPool',
        spec: pair[0],
        pool: pair[1],
        index: i,
        h,
        hShape: s,
        z,
        w,
        kernelShape: kernel,
        winograd,
      });
      [h, s] = [y, pooledShape(zs, pair[1])];
      i++;
      continue;
    }
    const y = activate(g, layer.spec as Linear, z, w[1]);
    const spec = layer.spec as Linear;
    entries.push({ kind: 'linear', spec, index: i, h, hShape: s, z, y, w, kernelShape: kernel, winograd });
    [h, s] = [y, zs];
  }
  return { entries, weights, logits: h, shape: s };
}
