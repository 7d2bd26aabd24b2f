import type * as tfl from '@tensorflow/tfjs-layers';
import { FUSED_KERNELS } from '@lipnet/core';
import { type GraphBuilder, bool, float, int, ints, str, type } from './graph-builder';

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
  | { kind: 'groupSort2' }
  | { kind: 'l2Pool'; pool: [number, number]; scale: number; eps: number }
  | { kind: 'flatten' };

/** A layer's graph spec and the variables fed for it (kernel, then bias). */
export interface GraphLayer {
  spec: GraphLayerSpec;
  weights: tfl.LayerVariable[];
}

function weightOf(layer: tfl.layers.Layer, suffix: string): tfl.LayerVariable | undefined {
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
  if (cls === 'Flatten') return { spec: { kind: 'flatten' }, weights: [] };
  if (cls === 'GroupSort') {
    const plain = cfg['n'] === 2 && cfg['kCoefLip'] === 1 && cfg['dataFormat'] === 'channelsLast';
    return plain ? { spec: { kind: 'groupSort2' }, weights: [] } : null;
  }
  if (cls === 'ScaledL2NormPooling2D') {
    const pool = cfg['poolSize'] as [number, number];
    const strides = cfg['strides'] as [number, number];
    if (cfg['padding'] !== 'valid' || cfg['dataFormat'] !== 'channelsLast') return null;
    if (strides[0] !== pool[0] || strides[1] !== pool[1]) return null;
    const scale = Math.sqrt(pool[0] * pool[1]) * (cfg['kCoefLip'] as number);
    return {
      spec: { kind: 'l2Pool', pool: [pool[0], pool[1]], scale, eps: cfg['epsGradSqrt'] as number },
      weights: [],
    };
  }
  return null;
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
    case 'groupSort2':
      return [g.op(FUSED_KERNELS.pairSort, [x]), inShape];
    case 'l2Pool': {
      const [n, h, wd, c] = inShape as [number, number, number, number];
      const y = g.op(FUSED_KERNELS.l2Pool, [x], {
        ph: int(spec.pool[0]),
        pw: int(spec.pool[1]),
        scale: float(spec.scale),
      });
      return [y, [n, Math.floor(h / spec.pool[0]), Math.floor(wd / spec.pool[1]), c]];
    }
    case 'flatten': {
      const flat = inShape.slice(1).reduce((a, b) => a * b, 1);
      return [
        g.op('Reshape', [x, g.int32s([inShape[0]!, flat])], { ...F, Tshape: type('int32') }),
        [inShape[0]!, flat],
      ];
    }
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
    case 'groupSort2':
      return g.op(FUSED_KERNELS.pairSortGrad, [e.input, dy]);
    case 'l2Pool':
      return g.op(FUSED_KERNELS.l2PoolGrad, [e.input, dy], {
        ph: int(spec.pool[0]),
        pw: int(spec.pool[1]),
        scale: float(spec.scale),
        eps: float(spec.eps),
      });
    case 'flatten':
      return g.op('Reshape', [dy, g.int32s(e.inShape)], { ...F, Tshape: type('int32') });
  }
}

/** ∂L/∂x of the forward graph's input from ∂L/∂output `dy`: the layers' input gradients in reverse. */
export function emitInputGradient(g: GraphBuilder, fwd: ForwardGraph, dy: string): string {
  let d = dy;
  for (let i = fwd.tape.length - 1; i >= 0; i--) d = backwardLayer(g, fwd.tape[i]!, d);
  return d;
}
