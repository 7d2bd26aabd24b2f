import { FUSED_KERNELS } from '@lipnet/core';
import { type GraphBuilder, float, int, type } from './graph-builder';

/**
 * The weightless layers both TensorFlow graphs write (the C&W step's,
 * graph-layers.ts, and the training step's, train-graph*.ts): lipnet's
 * GroupSort (n = 2, k = 1), ScaledL2NormPooling2D (strides = pool size,
 * 'valid') and Flatten.
 */
export type WeightlessSpec =
  { kind: 'groupSort2' } | { kind: 'l2Pool'; pool: [number, number]; scale: number; eps: number } | { kind: 'flatten' };

/** Whether a GroupSort config (a layer's, or a layer's `activation`) is the pair sort the graphs write. */
export function isPairSort(cfg: Record<string, unknown>): boolean {
  return cfg['n'] === 2 && cfg['kCoefLip'] === 1 && cfg['dataFormat'] === 'channelsLast';
}

function poolSpecOf(cfg: Record<string, unknown>): WeightlessSpec | null {
  const pool = cfg['poolSize'] as [number, number];
  const strides = cfg['strides'] as [number, number];
  if (cfg['padding'] !== 'valid' || cfg['dataFormat'] !== 'channelsLast') return null;
  if (strides[0] !== pool[0] || strides[1] !== pool[1]) return null;
  const scale = Math.sqrt(pool[0] * pool[1]) * (cfg['kCoefLip'] as number);
  return { kind: 'l2Pool', pool: [pool[0], pool[1]], scale, eps: cfg['epsGradSqrt'] as number };
}

/** The spec of a weightless layer of class `cls` and config `cfg`, or null when the graphs do not write it. */
export function weightlessSpecOf(cls: string, cfg: Record<string, unknown>): WeightlessSpec | null {
  if (cls === 'Flatten') return { kind: 'flatten' };
  if (cls === 'GroupSort') return isPairSort(cfg) ? { kind: 'groupSort2' } : null;
  if (cls === 'ScaledL2NormPooling2D') return poolSpecOf(cfg);
  return null;
}

/** The attrs of lipnet's pooling ops: ph, pw, scale, and (`withEps`, the gradients) eps. */
export function poolAttrs(p: Extract<WeightlessSpec, { kind: 'l2Pool' }>, withEps: boolean) {
  const a = { ph: int(p.pool[0]), pw: int(p.pool[1]), scale: float(p.scale) };
  return withEps ? { ...a, eps: float(p.eps) } : a;
}

/** The NHWC shape `s` pooled by `p` ('valid', strides = pool size). */
export function pooledShape(s: number[], p: Extract<WeightlessSpec, { kind: 'l2Pool' }>): number[] {
  return [s[0]!, Math.floor(s[1]! / p.pool[0]), Math.floor(s[2]! / p.pool[1]), s[3]!];
}

const RESHAPE = { T: type('float'), Tshape: type('int32') };

/** One weightless layer forward from `x` of static shape `inShape`: its output node and shape. */
export function weightlessForward(
  g: GraphBuilder,
  spec: WeightlessSpec,
  x: string,
  inShape: number[],
): [string, number[]] {
  switch (spec.kind) {
    case 'groupSort2':
      return [g.op(FUSED_KERNELS.pairSort, [x]), inShape];
    case 'l2Pool':
      return [g.op(FUSED_KERNELS.l2Pool, [x], poolAttrs(spec, false)), pooledShape(inShape, spec)];
    case 'flatten': {
      const flat = inShape.slice(1).reduce((a, b) => a * b, 1);
      return [g.op('Reshape', [x, g.int32s([inShape[0]!, flat])], RESHAPE), [inShape[0]!, flat]];
    }
  }
}

/** ∂L/∂input of a weightless layer from its input `x` (static shape `inShape`) and ∂L/∂output `dy`. */
export function weightlessBackward(
  g: GraphBuilder,
  spec: WeightlessSpec,
  x: string,
  inShape: number[],
  dy: string,
): string {
  switch (spec.kind) {
    case 'groupSort2':
      return g.op(FUSED_KERNELS.pairSortGrad, [x, dy]);
    case 'l2Pool':
      return g.op(FUSED_KERNELS.l2PoolGrad, [x, dy], poolAttrs(spec, true));
    case 'flatten':
      return g.op('Reshape', [dy, g.int32s(inShape)], RESHAPE);
  }
}
