import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { weightOf } from './graph-layers';
import { type WeightlessSpec, isPairSort, weightlessSpecOf } from './graph-weightless';

/** The activation after a trained linear layer that the training graph writes. */
export type TrainActivation = 'none' | 'relu' | 'groupSort2';

/**
 * One layer of a Sequential model as the training graph writes it: a
 * reparametrised convolution or dense layer of @lipnet/layers (its normalised
 * kernel W̄ is computed eagerly, on the tape, and fed), GroupSort(2),
 * ScaledL2NormPooling2D (strides = pool size, 'valid'), Flatten.
 */
export type TrainLayerSpec =
  | { kind: 'conv2d'; strides: [number, number]; padding: 'SAME' | 'VALID'; bias: boolean; act: TrainActivation }
  | { kind: 'dense'; bias: boolean; act: TrainActivation }
  | WeightlessSpec;

/** What @lipnet/layers' reparametrised layers offer a compiled training step (`ReparametrizedLayer.trainingKernel`). */
interface TrainableKernelLayer {
  trainingKernel(): tf.Tensor;
  effectiveWeights(): tf.Tensor[];
}

/** A layer's graph spec and how its fed tensors are read at each step (kernel W̄, then bias). */
export interface TrainLayer {
  spec: TrainLayerSpec;
  /** W̄ as a training call computes it (on the tape; updates u and σ), or null for weightless layers. */
  kernel: (() => tf.Tensor) | null;
  /** [W̄, bias] (or [W̄]) as inference uses them (new tensors, the caller disposes them), or null for weightless layers. */
  inference: (() => tf.Tensor[]) | null;
  /** The bias variable, or null. */
  bias: tfl.LayerVariable | null;
  /** The kernel's shape (W̄ has it), or null. */
  kernelShape: number[] | null;
}

const CONVS = new Set(['SpectralConv2D', 'FrobeniusConv2D']);
const DENSES = new Set(['SpectralDense', 'FrobeniusDense']);

function activationOf(cfg: Record<string, unknown>): TrainActivation | null {
  const act = cfg['activation'];
  if (act === null || act === undefined || act === 'linear') return 'none';
  if (act === 'relu') return 'relu';
  const a = act as { className?: string; config?: Record<string, unknown> };
  if (a.className !== 'GroupSort' || !a.config) return null;
  return isPairSort(a.config) ? 'groupSort2' : null;
}

function linearSpec(cls: string, cfg: Record<string, unknown>, act: TrainActivation): TrainLayerSpec | null {
  const bias = cfg['useBias'] === true;
  if (DENSES.has(cls)) return { kind: 'dense', bias, act };
  const strides = cfg['strides'] as [number, number];
  const dil = cfg['dilationRate'] as [number, number];
  if (dil.some((d) => d !== 1) || (cfg['padding'] !== 'same' && cfg['padding'] !== 'valid')) return null;
  const padding = cfg['padding'] === 'same' ? 'SAME' : 'VALID';
  return { kind: 'conv2d', strides: [strides[0], strides[1]], padding, bias, act };
}

function linearLayer(layer: tfl.layers.Layer, cls: string, cfg: Record<string, unknown>): TrainLayer | null {
  const owner = layer as unknown as Partial<TrainableKernelLayer>;
  const act = activationOf(cfg);
  const kernelVar = weightOf(layer, 'kernel');
  const bias = (cfg['useBias'] === true ? weightOf(layer, 'bias') : undefined) ?? null;
  if (typeof owner.trainingKernel !== 'function' || typeof owner.effectiveWeights !== 'function') return null;
  if (!act || !kernelVar) return null;
  if (cfg['useBias'] === true && !bias) return null;
  const spec = linearSpec(cls, cfg, act);
  if (!spec) return null;
  return {
    spec,
    kernel: () => owner.trainingKernel!.call(layer),
    inference: () => owner.effectiveWeights!.call(layer),
    bias,
    kernelShape: kernelVar.shape as number[],
  };
}

function trainLayerOf(layer: tfl.layers.Layer): TrainLayer | null {
  const cls = layer.getClassName();
  const cfg = layer.getConfig() as Record<string, unknown>;
  if (CONVS.has(cls) || DENSES.has(cls)) return linearLayer(layer, cls, cfg);
  const spec = weightlessSpecOf(cls, cfg);
  return spec ? { spec, kernel: null, inference: null, bias: null, kernelShape: null } : null;
}

/**
 * The training-graph layers of a Sequential's layers (InputLayer skipped), or
 * null when one is not supported: SpectralConv2D / FrobeniusConv2D ('same' or
 * 'valid', no dilation), SpectralDense / FrobeniusDense, each with no
 * activation, 'relu' or GroupSort(2); GroupSort(2); ScaledL2NormPooling2D;
 * Flatten. Every weight must be float32.
 */
export function trainLayersOf(layers: readonly tfl.layers.Layer[]): TrainLayer[] | null {
  const out: TrainLayer[] = [];
  for (const l of layers) {
    if (l.getClassName() === 'InputLayer') continue;
    if (l.weights.some((w) => w.dtype !== 'float32')) return null;
    const t = trainLayerOf(l);
    if (!t) return null;
    out.push(t);
  }
  return out.length > 0 ? out : null;
}

/**
 * Per layer, the weights a compiled training pass feeds: [W̄, b] or [W̄] with W̄ as a training call
 * computes it (`TrainLayer.kernel`: on the tape, u and σ updated), [] for weightless layers.
 */
export function trainingWeights(layers: readonly TrainLayer[]): tf.Tensor[][] {
  return layers.map((l) => {
    if (!l.kernel) return [];
    const w = l.kernel();
    return l.bias ? [w, l.bias.read()] : [w];
  });
}

/** Per layer, [W̄, b] or [W̄] as inference uses them (`TrainLayer.inference`: new tensors, the caller disposes them). */
export function inferenceWeights(layers: readonly TrainLayer[]): tf.Tensor[][] {
  return layers.map((l) => (l.inference ? l.inference() : []));
}
