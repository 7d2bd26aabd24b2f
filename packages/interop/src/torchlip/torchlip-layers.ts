import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  FrobeniusDense,
  FullSort,
  GroupSort,
  GroupSort2,
  MaxMin,
  ScaledAveragePooling2D,
  ScaledL2NormPooling2D,
  SpectralDense,
  type ReparametrizedLayer,
} from '@lipnet/layers';
import type { ConfigReader } from '../keras/config-reader';

/** A state-dict tensor as a tfjs tensor (the caller disposes it). */
export type TensorSource = (key: string, shape: number[]) => tf.Tensor;

/** A converted torchlip module: its layers (channels last) and how to fill their weights from the state dict. */
export interface TorchlipConverted {
  layers: tfl.layers.Layer[];
  /** Loads the weights into `layers[0]` once the model is built. */
  assign?: (get: TensorSource) => void;
}

/** Layout changes between PyTorch and tfjs: how the kernel of one layer is turned around. */
export interface KernelLayout {
  /** The flattened input of a Linear in PyTorch's order (C, H, W): rows are reordered to tfjs' (H, W, C). */
  flattenedFrom?: [number, number, number];
}

/** [out, in] (torch Linear) → [in, out] (tfjs), rows reordered from (C, H, W) to (H, W, C) after a Flatten. */
function linearKernel(w: tf.Tensor, layout: KernelLayout): tf.Tensor {
  return tf.tidy(() => {
    const t = tf.transpose(w);
    if (!layout.flattenedFrom) return t;
    const [c, h, wd] = layout.flattenedFrom;
    const units = t.shape[1]!;
    return tf.reshape(tf.transpose(tf.reshape(t, [c, h, wd, units]), [1, 2, 0, 3]), [c * h * wd, units]);
  });
}

/**
 * Fills a reparametrised layer: raw kernel from `parametrizations.weight.original`, bias, power-iteration
 * vector `u` from the spectral norm's `_u` (spectral layers), and the served inference kernel from the eval
 * weight the exporter saved as `<name>.weight` (the product of torchlip's parametrizations). `outputs` is the
 * number of output channels (the length of the bias and of `_u`: torch's spectral norm works on dim 1 of a
 * transposed convolution's [in, out, kh, kw] weight, dim 0 otherwise).
 */
export function assignReparametrized(
  layer: ReparametrizedLayer,
  name: string,
  torchShape: number[],
  bias: boolean,
  turn: (w: tf.Tensor) => tf.Tensor,
  spectral: boolean,
  outputs = torchShape[0]!,
) {
  return (get: TensorSource) => {
    const own = tf.tidy(() => {
      const values = new Map<string, tf.Tensor>();
      values.set('kernel', turn(get(`${name}.parametrizations.weight.original`, torchShape)));
      if (bias) values.set('bias', get(`${name}.bias`, [outputs]));
      if (spectral) values.set('u', tf.reshape(get(`${name}.parametrizations.weight.0._u`, [outputs]), [1, outputs]));
      if (spectral) values.set('sig', tf.ones([1, 1]));
      return {
        list: layer.weights.map((w) => values.get(w.originalName.split('/').pop()!)!),
        wbar: turn(get(`${name}.weight`, torchShape)),
      };
    });
    layer.setWeights(own.list);
    layer.setInferenceKernel(own.wbar);
    tf.dispose([...own.list, own.wbar]);
  };
}

/** torchlip `SpectralLinear` / `FrobeniusLinear` → @lipnet `SpectralDense` / `FrobeniusDense`. */
export function linear(r: ConfigReader, spectral: boolean, layout: KernelLayout): TorchlipConverted {
  const name = r.string('name', '');
  const inF = r.number('inFeatures', undefined, { integer: true, min: 1 });
  const units = r.number('outFeatures', undefined, { integer: true, min: 1 });
  const useBias = r.bool('bias', true);
  const kCoefLip = r.number('kCoefLip', 1, { min: Number.MIN_VALUE });
  const layer = spectral
    ? new SpectralDense({ name, units, useBias, kCoefLip })
    : new FrobeniusDense({ name, units, useBias, kCoefLip, disjointNeurons: r.bool('disjointNeurons', true) });
  return {
    layers: [layer],
    assign: assignReparametrized(layer, name, [units, inF], useBias, (w) => linearKernel(w, layout), spectral),
  };
}

/** torchlip `GroupSort(n)`, `GroupSort2`, `FullSort`, `MaxMin` (channel axis 1 in torch, last in tfjs). */
export function activation(r: ConfigReader, type: string): TorchlipConverted {
  const args = { name: r.string('name', ''), kCoefLip: r.number('kCoefLip', 1, { min: Number.MIN_VALUE }) };
  if (type === 'MaxMin') return { layers: [new MaxMin(args)] };
  const n = r.raw('groupSize');
  if (type === 'GroupSort2') return { layers: [new GroupSort2(args)] };
  if (type === 'FullSort') return { layers: [new FullSort(args)] };
  return { layers: [new GroupSort({ ...args, n: (n as number | null) ?? null })] };
}

/** torchlip `ScaledL2NormPool2d` / `ScaledAvgPool2d` (stride = kernel, no padding). */
export function pooling(r: ConfigReader, l2: boolean): TorchlipConverted {
  const poolSize = r.pair('kernelSize');
  r.only(
    'stride',
    [poolSize, null],
    'lipnet pools non-overlapping windows (stride = kernel size), as torchlip requires.',
  );
  r.only('padding', [[0, 0]], 'lipnet pools without padding, as torchlip requires.');
  r.only('ceilMode', [false], 'lipnet drops incomplete windows (ceil_mode=False).');
  const args = { name: r.string('name', ''), poolSize, kCoefLip: r.number('kCoefLip', 1, { min: Number.MIN_VALUE }) };
  return { layers: [l2 ? new ScaledL2NormPooling2D(args) : new ScaledAveragePooling2D(args)] };
}
