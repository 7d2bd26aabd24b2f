import type * as tfl from '@tensorflow/tfjs-layers';
import { type GraphBuilder, bool, ints, str, type } from './graph-builder';
import { type WeightlessSpec, weightlessBackward, weightlessForward, weightlessSpecOf } from './graph-weightless';

/**
 * The layers a TensorFlow graph of a Sequential model's logits and input
 * gradient is written for (the demo4 network after `vanillaExport`): Keras'
 * Conv2D (channels last, linear or relu) and Dense (on vectors, linear or
 * relu), lipnet's GroupSort (n = 2, k = 1) and ScaledL2NormPooling2D
 * (strides = pool size, 'valid'), Flatten. Weights are fed at each run, so the
 * graph stays valid while they change.
 */
export type GraphLayerSpec =
  | { kind: 'conv2d'; strides: [number, number]; padding: 'SAME' | 'VALID'; bias: boolean; relu: boolean }
  | { kind: 'dense'; bias: boolean; relu: boolean }
  | WeightlessSpec;

/** A layer's graph spec and the variables fed for it (kernel, then bias). */
export interface GraphLayer {
  spec: GraphLayerSpec;
  weights: tfl.LayerVariable[];
}

/** `layer`'s weight named `suffix` ('kernel', 'bias'; with or without the layer's name as prefix). */
export function weightOf(layer: tfl.layers.Layer, suffix: string): tfl.LayerVariable | undefined {
  return layer.weights.find((w) => w.originalName.endsWith(`/${suffix}`) || w.originalName === suffix);
}

function linearLayer(layer: tfl.layers.Layer, cfg: Record<string, unknown>): GraphLayer | null {
  const act = cfg['activation'];
  if (act !== 'linear' && act !== 'relu') return null;
  const kernel = weightOf(layer, 'kernel');
  const bias = cfg['useBias'] ? weightOf(layer, 'bias') : undefined;
  if (!kernel || (cfg['useBias'] && !bias)) return null;
  const weights = bias ? [kernel, bias] : [kernel];
  const relu = act === 'relu';
  if (layer.getClassName() === 'Dense') return { spec: { kind: 'dense', bias: !!bias, relu }, weights };
  const strides = cfg['strides'] as [number, number];
  const dil = cfg['dilationRate'] as [number, number] | number;
  const dilated = Array.isArray(dil) ? dil.some((d) => d !== 1) : dil !== 1;
  if (cfg['dataFormat'] !== 'channelsLast' || dilated) return null;
  if (cfg['padding'] !== 'same' && cfg['padding'] !== 'valid') return null;
  const padding = cfg['padding'] === 'same' ? 'SAME' : 'VALID';
  return { spec: { kind: 'conv2d', strides: [strides[0], strides[1]], padding, bias: !!bias, relu }, weights };
}

function layerOf(layer: tfl.layers.Layer): GraphLayer | null {
  const cls = layer.getClassName();
  const cfg = layer.getConfig() as Record<string, unknown>;
  if (cls === 'Conv2D' || cls === 'Dense') return linearLayer(layer, cfg);
  const spec = weightlessSpecOf(cls, cfg);
  return spec ? { spec, weights: [] } : null;
}

/** The graph layers of a Sequential model's layers (InputLayer skipped), or null when one is not supported. */
export function graphLayersOf(layers: readonly tfl.layers.Layer[]): GraphLayer[] | null {
  const out: GraphLayer[] = [];
  for (const l of layers) {
    if (l.getClassName() === 'InputLayer') continue;
    const g = layerOf(l);
    if (!g) return null;
    out.push(g);
  }
  return out;
}

/** What the backward pass of one layer needs: its spec, input (name, shape), output and weight names. */
interface TapeEntry {
  spec: GraphLayerSpec;
  input: string;
  inShape: number[];
  output: string;
  weights: string[];
}

/** The forward graph's output, its static shape, and the tape for {@link emitInputGradient}. */
export interface ForwardGraph {
  output: string;
  shape: number[];
  tape: TapeEntry[];
}

const F = { T: type('float') };

/** Conv2D / Conv2DBackpropInput / Conv2DBackpropFilter attrs of an NHWC convolution without dilation. */
export function convAttrs(s: { strides: [number, number]; padding: 'SAME' | 'VALID' }) {
  return {
    ...F,
    strides: ints([1, s.strides[0], s.strides[1], 1]),
    padding: str(s.padding),
    data_format: str('NHWC'),
    dilations: ints([1, 1, 1, 1]),
    use_cudnn_on_gpu: bool(true),
    explicit_paddings: ints([]),
  };
}

/** The output shape of an NHWC convolution of `inShape` by a kernel of shape `kernel`. */
export function convShape(
  inShape: number[],
  kernel: number[],
  s: { strides: [number, number]; padding: string },
): number[] {
  const [n, h, w] = inShape as [number, number, number];
  const out = (size: number, k: number, st: number) =>
    s.padding === 'SAME' ? Math.ceil(size / st) : Math.floor((size - k) / st) + 1;
  return [n, out(h, kernel[0]!, s.strides[0]), out(w, kernel[1]!, s.strides[1]), kernel[3]!];
}

/** One layer forward: the output node and its shape. */
function forwardLayer(
  g: GraphBuilder,
  spec: GraphLayerSpec,
  x: string,
  inShape: number[],
  w: string[],
  kernelShape: number[],
): [string, number[]] {
  switch (spec.kind) {
    case 'conv2d': {
      let y = g.op('Conv2D', [x, w[0]!], convAttrs(spec));
      if (spec.bias) y = g.f('AddV2', y, w[1]!);
      return [spec.relu ? g.f('Relu', y) : y, convShape(inShape, kernelShape, spec)];
    }
    case 'dense': {
      let y = g.op('MatMul', [x, w[0]!], { ...F, transpose_a: bool(false), transpose_b: bool(false) });
      if (spec.bias) y = g.f('AddV2', y, w[1]!);
      return [spec.relu ? g.f('Relu', y) : y, [inShape[0]!, kernelShape[1]!]];
    }
    default:
      return weightlessForward(g, spec, x, inShape);
  }
}

/**
 * The forward graph of `layers` from `x` (static shape `shape`), with weight
 * placeholders `weightNames[i]` of shapes `weightShapes[i]` per layer.
 */
export function emitForward(
  g: GraphBuilder,
  layers: readonly GraphLayer[],
  x: string,
  shape: number[],
  weightNames: string[][],
  weightShapes: number[][][],
): ForwardGraph {
  const tape: TapeEntry[] = [];
  let h = x;
  let s = shape;
  layers.forEach((layer, i) => {
    const w = weightNames[i] ?? [];
    if (layer.spec.kind === 'dense' && s.length !== 2) throw new Error('graph: Dense on a non-vector input');
    const [y, ys] = forwardLayer(g, layer.spec, h, s, w, weightShapes[i]?.[0] ?? []);
    tape.push({ spec: layer.spec, input: h, inShape: s, output: y, weights: w });
    h = y;
    s = ys;
  });
  return { output: h, shape: s, tape };
}

/** One layer backward: ∂L/∂input from ∂L/∂output `dy`. */
function backwardLayer(g: GraphBuilder, e: TapeEntry, dy: string): string {
  const { spec } = e;
  switch (spec.kind) {
    case 'conv2d': {
      const d = spec.relu ? g.f('ReluGrad', dy, e.output) : dy;
      return g.op('Conv2DBackpropInput', [g.int32s(e.inShape), e.weights[0]!, d], convAttrs(spec));
    }
    case 'dense': {
      const d = spec.relu ? g.f('ReluGrad', dy, e.output) : dy;
      return g.op('MatMul', [d, e.weights[0]!], { ...F, transpose_a: bool(false), transpose_b: bool(true) });
    }
    default:
      return weightlessBackward(g, spec, e.input, e.inShape, dy);
  }
}

/** ∂L/∂x of the forward graph's input from ∂L/∂output `dy`: the layers' input gradients in reverse. */
export function emitInputGradient(g: GraphBuilder, fwd: ForwardGraph, dy: string): string {
  let d = dy;
  for (let i = fwd.tape.length - 1; i >= 0; i--) d = backwardLayer(g, fwd.tape[i]!, d);
  return d;
}
