import type * as tfl from '@tensorflow/tfjs-layers';
import { LipnetUnsupportedError, formatValue } from '@lipnet/core';

/** What a {@link LayerBoundHandler} returns for a layer with one input. */
export interface LayerBoundResult {
  /** Certified upper bound of the layer's L2 Lipschitz constant (on the given input shape). */
  bound: number;
  /** A lower estimate of the constant (power iteration), when the handler has one; else `bound`. */
  estimate?: number;
  /** How the bound was obtained (for reports). */
  method: string;
  /** For a linear Dense layer: its kernel `[in, out]` (row-major), used for per-head bounds. */
  linearKernel?: { data: Float32Array; rows: number; cols: number };
}

/**
 * What a handler returns for a merge layer (several inputs x₁…x_m): how the output's bound follows
 * from the inputs' bounds L₁…L_m (each with respect to the model's input).
 * - `'sum'`: ‖Δy‖ ≤ Σ |c_i|·‖Δx_i‖, so L_y ≤ Σ |c_i|·L_i (Add: c = 1; Average: 1/m; Subtract: 1, 1);
 * - `'l2'`: ‖Δy‖² ≤ Σ ‖Δx_i‖², so L_y ≤ √(Σ L_i²) (Concatenate; element-wise Maximum and Minimum).
 */
export interface MergeBoundResult {
  merge: 'sum' | 'l2';
  /** `'sum'` only: the coefficients c_i (default 1 each). */
  weights?: number[];
  method: string;
}

/** Bounds one layer, given its input shape(s) (with batch 1): one shape, or one per input for a merge. */
export type LayerBoundHandler = (
  layer: tfl.layers.Layer,
  inputShape: number[],
  inputShapes: number[][],
) => LayerBoundResult | MergeBoundResult;

const handlers = new Map<string, LayerBoundHandler>();

/**
 * Registers (or replaces) the bound used for layers of a given `className`, so
 * `lipschitzUpperBound` can handle custom layers. A handler returns a certified upper bound of the
 * layer's L2 Lipschitz constant ({@link LayerBoundResult}), or for a layer with several inputs, how
 * its output's bound combines theirs ({@link MergeBoundResult}). Either is spot-checked on random
 * pairs through the running layer.
 */
export function registerLipschitzBoundHandler(className: string, handler: LayerBoundHandler): void {
  handlers.set(className, handler);
}

/** The handler registered for `className`, if any. */
export function boundHandler(className: string): LayerBoundHandler | undefined {
  return handlers.get(className);
}

/** Every className with a handler, sorted (for error messages). */
export function supportedClassNames(): string[] {
  return [...handlers.keys()].sort();
}

/** A LipnetUnsupportedError (code UNSUPPORTED_LAYER) saying what about `layer` cannot be bounded and what to do. */
export function unsupported(layer: tfl.layers.Layer, why: string, fix: string): LipnetUnsupportedError {
  return new LipnetUnsupportedError({
    code: 'UNSUPPORTED_LAYER',
    who: 'lipschitzUpperBound',
    option: 'model',
    message: `layer '${layer.name}' (${layer.getClassName()}) ${why}. ${fix}`,
  });
}

/** `n | [a, b] | null` → `[a, b]` (tfjs configs hold either). */
export function pair(v: unknown, dflt: number): [number, number] {
  if (v == null) return [dflt, dflt];
  if (typeof v === 'number') return [v, v];
  const a = v as number[];
  return [a[0] ?? dflt, a[1] ?? a[0] ?? dflt];
}

/** `|kCoefLip|` of a @lipnet layer (its field or config; 1 when absent). */
export function kCoef(layer: tfl.layers.Layer): number {
  const k =
    (layer as unknown as { kCoefLip?: unknown }).kCoefLip ??
    (layer.getConfig() as { kCoefLip?: unknown }).kCoefLip ??
    1;
  if (typeof k !== 'number' || !Number.isFinite(k))
    throw unsupported(layer, `has kCoefLip ${formatValue(k)}`, 'Pass a finite kCoefLip.');
  return Math.abs(k);
}

/**
 * Lipschitz constants (L2, element-wise functions) of tfjs' activations: the maximum of |f′|
 * (swish 1.0998, gelu 1.1289, gelu_new 1.1290, mish 1.0885, computed on a 1e-5 grid and
 * rounded up); softmax is 1-Lipschitz as a map of the logit vector (its Jacobian is
 * diag(p) − ppᵀ, of norm ≤ 1/2).
 */
const ACTIVATION_BOUNDS: Record<string, number> = {
  linear: 1,
  relu: 1,
  relu6: 1,
  tanh: 1,
  sigmoid: 0.25,
  hardSigmoid: 0.2,
  hard_sigmoid: 0.2,
  softmax: 1,
  elu: 1,
  softplus: 1,
  softsign: 1,
  selu: 1.0507009873554805 * 1.6732632423543772,
  swish: 1.1,
  gelu: 1.13,
  gelu_new: 1.13,
  mish: 1.09,
};

/** The Lipschitz constant of the `activation` in a layer's config (1 for none). */
export function activationBound(layer: tfl.layers.Layer): number {
  const cfg = layer.getConfig() as { activation?: unknown };
  const act = cfg.activation ?? 'linear';
  const name = typeof act === 'string' ? act : ((act as { className?: string }).className ?? formatValue(act));
  const b = ACTIVATION_BOUNDS[name];
  if (b === undefined) {
    throw unsupported(
      layer,
      `uses activation '${name}', whose Lipschitz constant is not known`,
      `Use one of ${Object.keys(ACTIVATION_BOUNDS).join(', ')}, or put the activation in its own layer with a registered bound.`,
    );
  }
  return b;
}

/** Whether the layer's `activation` is linear (no activation). */
export function hasLinearActivation(layer: tfl.layers.Layer): boolean {
  return ((layer.getConfig() as { activation?: string }).activation ?? 'linear') === 'linear';
}
