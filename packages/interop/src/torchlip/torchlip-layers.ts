import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  FrobeniusConv2D,
  FrobeniusDense,
  FullSort,
  GroupSort,
  GroupSort2,
  MaxMin,
  ScaledAveragePooling2D,
  ScaledL2NormPooling2D,
  SpectralConv2D,
  SpectralDense,
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

/** OIHW (torch Conv2d) → HWIO (tfjs). */
const convKernel = (w: tf.Tensor) => tf.transpose(w, [2, 3, 1, 0]);

/**
 * Fills a reparametrised layer: raw kernel from `parametrizations.weight.original`, bias, power-iteration
 * vector `u` from the spectral norm's `_u` (spectral layers), and the served inference kernel from the eval
 * weight the exporter saved as `<name>.weight` (the product of torchlip's parametrizations).
 */
function assignReparametrized(
  layer: SpectralDense | FrobeniusDense | SpectralConv2D | FrobeniusConv2D,
  name: string,
  torchShape: number[],
  bias: boolean,
  turn: (w: tf.Tensor) => tf.Tensor,
  spectral: boolean,
) {
  return (get: TensorSource) => {
    const own = tf.tidy(() => {
      const values = new Map<string, tf.Tensor>();
      values.set('kernel', turn(get(`${name}.parametrizations.weight.original`, torchShape)));
      if (bias) values.set('bias', get(`${name}.bias`, [torchShape[0]!]));
      if (spectral)
        values.set('u', tf.reshape(get(`${name}.parametrizations.weight.0._u`, [torchShape[0]!]), [1, torchShape[0]!]));
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

/** torchlip `SpectralConv2d` / `FrobeniusConv2d` (zero padding (k−1)/2, stride 1) → @lipnet conv, 'strict' coefficient. */
export function conv(r: ConfigReader, spectral: boolean): TorchlipConverted {
  const name = r.string('name', '');
  const inC = r.number('inChannels', undefined, { integer: true, min: 1 });
  const filters = r.number('outChannels', undefined, { integer: true, min: 1 });
  const kernelSize = r.pair('kernelSize');
  const useBias = r.bool('bias', true);
  const same = kernelSize.map((k) => (k - 1) / 2);
  r.only(
    'padding',
    [same, 'same'],
    `lipnet's convolutions pad (k − 1)/2 zeros on each side ('same' for odd k, stride 1), i.e. padding=${JSON.stringify(same)}.`,
  );
  r.only(
    'paddingMode',
    ['zeros'],
    "lipnet's convolutions pad with zeros only (torchlip's circular/reflect/symmetric padding is not available yet).",
  );
  r.only(
    'stride',
    [[1, 1]],
    "lipnet loads stride-1 torchlip convolutions only (torch's symmetric padding and tfjs' 'same' place strided windows differently).",
  );
  r.only('dilation', [[1, 1]], 'lipnet has no dilated Lipschitz convolution yet.');
  r.only('groups', [1], 'lipnet has no grouped convolution.');
  const kCoefLip = r.number('kCoefLip', 1, { min: Number.MIN_VALUE });
  const args = { name, filters, kernelSize, useBias, kCoefLip, convNormalization: 'strict' as const };
  const layer = spectral ? new SpectralConv2D(args) : new FrobeniusConv2D(args);
  return {
    layers: [layer],
    assign: assignReparametrized(layer, name, [filters, inC, ...kernelSize], useBias, convKernel, spectral),
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
