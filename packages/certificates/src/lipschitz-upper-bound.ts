import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { LipnetError, LipnetOptionError, LipnetUnsupportedError, defineOptions, formatValue, opt } from '@lipnet/core';
import { isCondensable } from '@lipnet/layers';
import { convExactNormBound, convOperatorNormBound, dilateKernel, matrixSpectralNormBound } from '@lipnet/constraints';
import { operatorPowerIteration } from './operator-power-iteration';

/** One row of the per-layer table of {@link lipschitzUpperBound}. */
export interface LayerBound {
  /** Layer name in the model. */
  name: string;
  /** Layer className (for a Condensable layer: its own, e.g. 'SpectralDense'). */
  className: string;
  /** Input shape the bound was computed on (batch 1). */
  inputShape: number[];
  /** Certified upper bound of the layer's L2 Lipschitz constant. */
  bound: number;
  /**
   * Power-iteration value on the layer's exact operator (a lower estimate of its
   * norm for linear layers; equal to `bound` where the bound is exact).
   */
  estimate: number;
  /** How the bound was obtained. */
  method: string;
  /** className of `vanillaExport()` when the layer is Condensable. */
  exportedAs?: string;
}

/** Result of {@link lipschitzUpperBound}. */
export interface LipschitzUpperBound {
  /** Certified upper bound of the model's L2 Lipschitz constant: the product of the per-layer bounds. */
  upperBound: number;
  /** Product of the per-layer `estimate`s (what an uncertified power iteration would report). */
  estimate: number;
  /** Per-layer table, in model order. */
  layers: LayerBound[];
  /**
   * When the model ends with a linear Dense layer (W: [in, C]) after a body with
   * bound B: `perHead[i] = ‖W[:, i]‖·B` bounds logit f_i, `pairwise[i][j] =
   * ‖W[:, i] − W[:, j]‖·B` bounds f_i − f_j; feed them to `certificatesFromBound`.
   */
  heads?: { perHead: number[]; pairwise: number[][]; bodyBound: number };
  /** A readable table. */
  toString(): string;
}

/** What a {@link LayerBoundHandler} returns. */
export interface LayerBoundResult {
  bound: number;
  estimate?: number;
  method: string;
  /** For a linear Dense layer: its kernel `[in, out]` (row-major), used for per-head bounds. */
  linearKernel?: { data: Float32Array; rows: number; cols: number };
}

/** Bounds one layer, given its input shape (with batch 1). */
export type LayerBoundHandler = (layer: tfl.layers.Layer, inputShape: number[]) => LayerBoundResult;

const handlers = new Map<string, LayerBoundHandler>();

/**
 * Registers (or replaces) the bound used for layers of a given `className`, so
 * `lipschitzUpperBound` can handle custom layers. The handler must return a
 * certified upper bound of the layer's L2 Lipschitz constant.
 */
export function registerLipschitzBoundHandler(className: string, handler: LayerBoundHandler): void {
  handlers.set(className, handler);
}

/** Lipschitz constants (L2) of the tfjs activation functions we accept. */
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
};

function activationBound(layer: tfl.layers.Layer): number {
  const cfg = layer.getConfig() as { activation?: unknown };
  const act = cfg.activation ?? 'linear';
  const name = typeof act === 'string' ? act : String((act as { className?: string }).className ?? formatValue(act));
  const b = ACTIVATION_BOUNDS[name];
  if (b === undefined) {
    throw new LipnetUnsupportedError({
      code: 'UNSUPPORTED_LAYER',
      who: 'lipschitzUpperBound',
      option: 'model',
      message: `layer '${layer.name}' (${layer.getClassName()}) uses activation '${name}', whose Lipschitz constant is not known. Use one of ${Object.keys(ACTIVATION_BOUNDS).join(', ')}, or put the activation in its own layer with a registered bound.`,
    });
  }
  return b;
}

function unsupported(layer: tfl.layers.Layer, why: string, fix: string): LipnetUnsupportedError {
  return new LipnetUnsupportedError({
    code: 'UNSUPPORTED_LAYER',
    who: 'lipschitzUpperBound',
    option: 'model',
    message: `layer '${layer.name}' (${layer.getClassName()}) ${why}. ${fix}`,
  });
}

function pair(v: unknown, dflt: number): [number, number] {
  if (v == null) return [dflt, dflt];
  if (typeof v === 'number') return [v, v];
  const a = v as number[];
  return [a[0] ?? dflt, a[1] ?? a[0] ?? dflt];
}

// ---------------------------------------------------------------- handlers

const denseHandler: LayerBoundHandler = (layer) => {
  const w = layer.getWeights()[0];
  if (!w || w.rank !== 2) throw unsupported(layer, 'has no 2-D kernel', 'Build the model before bounding it.');
  const [rows, cols] = w.shape as [number, number];
  const data = w.dataSync() as Float32Array;
  const act = activationBound(layer);
  const s = matrixSpectralNormBound(data, rows, cols);
  const linear = ((layer.getConfig() as { activation?: string }).activation ?? 'linear') === 'linear';
  return {
    bound: s.upper * act,
    estimate: s.lower * act,
    method: 'σ_max(kernel): power iteration + Cholesky certificate' + (act !== 1 ? ` × activation ${act}` : ''),
    linearKernel: linear ? { data: Float32Array.from(data), rows, cols } : undefined,
  };
};

const conv2dHandler: LayerBoundHandler = (layer, inputShape) => {
  const cfg = layer.getConfig() as Record<string, unknown>;
  if ((cfg.dataFormat ?? 'channelsLast') !== 'channelsLast') {
    throw unsupported(layer, `has dataFormat '${String(cfg.dataFormat)}'`, "Only 'channelsLast' is supported.");
  }
  const padding = cfg.padding as string;
  if (padding !== 'same' && padding !== 'valid')
    throw unsupported(layer, `has padding '${padding}'`, "Use 'same' or 'valid'.");
  const k = layer.getWeights()[0];
  if (!k || k.rank !== 4) throw unsupported(layer, 'has no 4-D kernel', 'Build the model before bounding it.');
  const [kh, kw, cin, cout] = k.shape as [number, number, number, number];
  const strides = pair(cfg.strides, 1);
  const dilation = pair(cfg.dilationRate, 1);
  const [, inH, inW] = inputShape as [number, number, number, number];
  const data = k.dataSync();
  const fb = convOperatorNormBound(data, { inH, inW, kh, kw, cin, cout, strides, dilation, padding });
  // tfjs has no gradient for dilated conv2d: run the equivalent undilated kernel.
  const dk = dilateKernel(data, kh, kw, cin, cout, dilation[0], dilation[1]);
  const pi = tf.tensor4d(dk.data, [dk.kh, dk.kw, cin, cout]);
  let est: number;
  try {
    est = operatorPowerIteration((x) => tf.conv2d(x as tf.Tensor4D, pi, strides, padding), inputShape).sigma;
  } finally {
    pi.dispose();
  }
  const act = activationBound(layer);
  const exact = convExactNormBound(data, { inH, inW, kh, kw, cin, cout, strides, dilation, padding }, est);
  const useExact = exact !== null && exact.upper < fb.upper;
  const how = useExact
    ? `certified by a banded Cholesky of the exact operator's Gram matrix (bandwidth ${exact.bandwidth}); Fourier/polyphase canvas bound ${fb.upper.toFixed(5)}`
    : `certified Fourier/polyphase bound on a ${fb.canvas.join('×')} canvas (${fb.frequencies} frequencies)`;
  return {
    bound: (useExact ? exact.upper : fb.upper) * act,
    estimate: est * act,
    method:
      `conv operator on ${inH}×${inW}: power iteration ${est.toFixed(5)}; ${how}` +
      (act !== 1 ? ` × activation ${act}` : ''),
  };
};

/**
 * Linear layers with non-negative matrices (average pools, scaled or not):
 * Schur test ‖A‖₂ ≤ √(‖A‖₁‖A‖∞) = √(max row sum · max column sum), with row
 * sums A·1 from the layer itself and column sums Aᵀ·1 from its gradient.
 * Exact for non-overlapping windows.
 */
const nonNegativeLinearHandler: LayerBoundHandler = (layer, inputShape) => {
  const op = (x: tf.Tensor) => layer.apply(x) as tf.Tensor;
  const [rowMax, colMax, minEntry, odd] = tf.tidy(() => {
    const ones = tf.ones(inputShape);
    const rows = op(ones);
    const cols = tf.grad(op)(ones, tf.onesLike(rows));
    const oddCheck = tf.max(tf.abs(tf.add(op(tf.neg(ones)), rows))); // linear ⇒ A(−1) = −A(1)
    return [tf.max(rows), tf.max(cols), tf.min(tf.minimum(tf.min(rows), tf.min(cols))), oddCheck].map(
      (t) => t.dataSync()[0]!,
    );
  });
  if (minEntry! < 0 || odd! > 1e-5 * (1 + rowMax!)) {
    throw new LipnetError({
      code: 'VERIFICATION_FAILED',
      who: 'lipschitzUpperBound',
      message: `layer '${layer.name}' (${layer.getClassName()}) was expected to be a linear map with non-negative weights (an average pool), but A·1 / Aᵀ·1 / A(−1) say otherwise. Register a handler with registerLipschitzBoundHandler('${layer.getClassName()}', …).`,
    });
  }
  const bound = Math.sqrt(rowMax! * colMax!) * (1 + 1e-6);
  const est = operatorPowerIteration(op, inputShape).sigma;
  return {
    bound,
    estimate: est,
    method: `Schur test √(max row sum ${rowMax!.toPrecision(6)} × max column sum ${colMax!.toPrecision(6)})`,
  };
};

function coverage(layer: tfl.layers.Layer): number {
  const cfg = layer.getConfig() as Record<string, unknown>;
  const [ph, pw] = pair(cfg.poolSize, 2);
  const [sh, sw] = pair(cfg.strides ?? cfg.poolSize, 2);
  return Math.ceil(ph / sh) * Math.ceil(pw / sw);
}

/** Max pooling: |max(a) − max(b)| ≤ ‖a − b‖∞ ≤ ‖a_W − b_W‖₂ per window, and a pixel lies in ≤ c windows ⇒ √c. */
const maxPoolHandler: LayerBoundHandler = (layer) => {
  const c = coverage(layer);
  return {
    bound: Math.sqrt(c),
    estimate: Math.sqrt(c),
    method: c === 1 ? 'non-overlapping max pooling: 1' : `overlapping max pooling: √(windows per pixel) = √${c}`,
  };
};

function kCoef(layer: tfl.layers.Layer): number {
  const k =
    (layer as unknown as { kCoefLip?: unknown }).kCoefLip ??
    (layer.getConfig() as { kCoefLip?: unknown }).kCoefLip ??
    1;
  if (typeof k !== 'number' || !Number.isFinite(k))
    throw unsupported(layer, `has kCoefLip ${formatValue(k)}`, 'Pass a finite kCoefLip.');
  return Math.abs(k);
}

/** ‖window‖₂ per channel: 1-Lipschitz per window (reverse triangle inequality), × √c for overlaps, × kCoefLip. */
const l2PoolHandler: LayerBoundHandler = (layer) => {
  const c = coverage(layer);
  const b = Math.sqrt(c) * kCoef(layer);
  return {
    bound: b,
    estimate: b,
    method: `L2-norm pooling: ‖window‖ is 1-Lipschitz${c > 1 ? `, √${c} for overlaps` : ''} × kCoefLip`,
  };
};
const globalL2PoolHandler: LayerBoundHandler = (layer) => {
  const b = kCoef(layer);
  return { bound: b, estimate: b, method: 'global L2-norm pooling: 1 × kCoefLip' };
};
/** Sorting within groups is a permutation per input region, MaxMin maps a ↦ (relu a, relu −a): both 1-Lipschitz, × kCoefLip. */
const sortHandler: LayerBoundHandler = (layer) => {
  const b = kCoef(layer);
  return { bound: b, estimate: b, method: 'GroupSort/MaxMin: 1 × kCoefLip' };
};
const identityLike =
  (why: string): LayerBoundHandler =>
  () => ({ bound: 1, estimate: 1, method: why });

const activationLayerHandler: LayerBoundHandler = (layer) => {
  const b = activationBound(layer);
  return { bound: b, estimate: b, method: `activation: ${b}` };
};
const leakyReluHandler: LayerBoundHandler = (layer) => {
  const a = Math.abs(Number((layer.getConfig() as { alpha?: number }).alpha ?? 0.3));
  const b = Math.max(1, a);
  return { bound: b, estimate: b, method: `LeakyReLU: max(1, |alpha|)` };
};
const upSamplingHandler: LayerBoundHandler = (layer) => {
  const cfg = layer.getConfig() as { size?: unknown; interpolation?: string };
  if ((cfg.interpolation ?? 'nearest') !== 'nearest')
    throw unsupported(layer, `uses interpolation '${cfg.interpolation}'`, "Only 'nearest' is supported.");
  const [a, b] = pair(cfg.size, 2);
  const v = Math.sqrt(a * b);
  return { bound: v, estimate: v, method: 'nearest up-sampling: √(copies)' };
};
const batchNormHandler: LayerBoundHandler = (layer) => {
  const cfg = layer.getConfig() as { epsilon?: number; scale?: boolean; center?: boolean };
  const ws = layer.getWeights();
  const eps = cfg.epsilon ?? 1e-3;
  const scale = cfg.scale ?? true;
  const gamma = scale ? ws[0]!.dataSync() : null;
  const variance = ws[ws.length - 1]!.dataSync();
  let b = 0;
  for (let i = 0; i < variance.length; i++)
    b = Math.max(b, Math.abs(gamma ? gamma[i]! : 1) / Math.sqrt(variance[i]! + eps));
  return { bound: b * (1 + 1e-6), estimate: b, method: 'BatchNormalization (inference): max |γ/√(var+ε)|' };
};

registerLipschitzBoundHandler('Dense', denseHandler);
registerLipschitzBoundHandler('Conv2D', conv2dHandler);
for (const c of [
  'AveragePooling2D',
  'GlobalAveragePooling2D',
  'AveragePooling1D',
  'GlobalAveragePooling1D',
  'ScaledAveragePooling2D',
  'ScaledGlobalAveragePooling2D',
]) {
  registerLipschitzBoundHandler(c, nonNegativeLinearHandler);
}
registerLipschitzBoundHandler('MaxPooling2D', maxPoolHandler);
registerLipschitzBoundHandler('GlobalMaxPooling2D', identityLike('global max pooling: 1'));
registerLipschitzBoundHandler('ScaledL2NormPooling2D', l2PoolHandler);
registerLipschitzBoundHandler('ScaledGlobalL2NormPooling2D', globalL2PoolHandler);
for (const c of ['GroupSort', 'GroupSort2', 'FullSort', 'MaxMin']) registerLipschitzBoundHandler(c, sortHandler);
for (const c of [
  'InputLayer',
  'Flatten',
  'Reshape',
  'Permute',
  'Dropout',
  'SpatialDropout1D',
  'SpatialDropout2D',
  'GaussianNoise',
  'GaussianDropout',
  'AlphaDropout',
]) {
  registerLipschitzBoundHandler(c, identityLike('reshaping / inference identity: 1'));
}
registerLipschitzBoundHandler('InvertibleDownSampling', identityLike('pixel (un)shuffle, a permutation: 1'));
registerLipschitzBoundHandler('InvertibleUpSampling', identityLike('pixel (un)shuffle, a permutation: 1'));
registerLipschitzBoundHandler('ZeroPadding2D', identityLike('zero padding, an isometric embedding: 1'));
registerLipschitzBoundHandler('Cropping2D', identityLike('cropping, a projection: 1'));
registerLipschitzBoundHandler('ReLU', identityLike('ReLU: 1'));
registerLipschitzBoundHandler('Softmax', identityLike('softmax: 1'));
registerLipschitzBoundHandler('Activation', activationLayerHandler);
registerLipschitzBoundHandler('LeakyReLU', leakyReluHandler);
registerLipschitzBoundHandler('UpSampling2D', upSamplingHandler);
registerLipschitzBoundHandler('BatchNormalization', batchNormHandler);
/** PReLU: max(1, max|alpha|) (alpha per channel, from the layer's weights). */
registerLipschitzBoundHandler('PReLU', (layer) => {
  const a = layer.getWeights()[0]?.dataSync() ?? [];
  let b = 1;
  for (const v of a) b = Math.max(b, Math.abs(v));
  return { bound: b, estimate: b, method: 'PReLU: max(1, max|alpha|)' };
});

// ---------------------------------------------------------------- traversal

const BOUND_OPTIONS = defineOptions('lipschitzUpperBound', {
  inputShape: opt.arrayOf(opt.integer({ min: 1 }), { minLength: 1 }),
  verify: opt.boolean().default(true),
});

/** Options of {@link lipschitzUpperBound}. */
export interface LipschitzUpperBoundOptions {
  /** Input shape without the batch axis; defaults to the model's input shape. Needed when the model has free spatial sizes. */
  inputShape?: number[];
  /**
   * Random-pair spot check of every layer's bound against the layer's own
   * forward pass (`‖f(x) − f(x')‖ ≤ bound·‖x − x'‖`); throws
   * a LipnetError (code VERIFICATION_FAILED) when a layer does not behave as its className says. Default true.
   */
  verify?: boolean;
}

function spotCheck(
  layer: tfl.layers.Layer,
  f: (x: tf.Tensor) => tf.Tensor,
  inputShape: number[],
  bound: number,
  seed: number,
): void {
  const worst = tf.tidy(() => {
    let w = 0;
    for (const [i, scale] of [1, 0.05].entries()) {
      const x = tf.randomNormal(inputShape, 0, 1, 'float32', seed + 2 * i);
      const d = tf.mul(tf.randomNormal(inputShape, 0, 1, 'float32', seed + 2 * i + 1), scale);
      const num = tf.norm(tf.sub(f(tf.add(x, d)), f(x))).dataSync()[0]!;
      const den = tf.norm(d).dataSync()[0]!;
      w = Math.max(w, num / den);
    }
    return w;
  });
  if (worst > bound * (1 + 1e-3) + 1e-6) {
    throw new LipnetError({
      code: 'VERIFICATION_FAILED',
      who: 'lipschitzUpperBound',
      message: `layer '${layer.name}' (${layer.getClassName()}) moved a random pair apart by a factor ${worst.toPrecision(6)}, above its computed bound ${bound.toPrecision(6)}: the layer does not compute what its className promises. Register a correct handler with registerLipschitzBoundHandler('${layer.getClassName()}', …).`,
    });
  }
}

function chainLayers(model: tfl.LayersModel): tfl.layers.Layer[] {
  const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
  let prev: tfl.layers.Layer | null = null;
  for (const l of layers) {
    const nodes = l.inboundNodes.filter((n) => n.inboundLayers.length > 0);
    const ok = nodes.some((n) => {
      if (n.inboundLayers.length !== 1) return false;
      const src = n.inboundLayers[0]!;
      return prev === null ? src.getClassName() === 'InputLayer' : src === prev;
    });
    if (!ok) {
      throw new LipnetUnsupportedError({
        code: 'UNSUPPORTED_LAYER',
        who: 'lipschitzUpperBound',
        option: 'model',
        message: `layer '${l.name}' (${l.getClassName()}) does not take the previous layer's output as its only input; only chains (Sequential or single-path functional models) are supported. Bound each branch yourself and combine them (sum for Add, √(Σ L²) for Concatenate).`,
      });
    }
    prev = l;
  }
  return layers;
}

/** The plain layers a @lipnet Condensable layer exports to (`vanillaExportLayers()` when it has a layer activation), or the layer itself. */
function exportParts(layer: tfl.layers.Layer): tfl.layers.Layer[] {
  const ex = layer as unknown as { vanillaExportLayers?: () => tfl.layers.Layer[] };
  if (typeof ex.vanillaExportLayers === 'function') return ex.vanillaExportLayers();
  if (isCondensable(layer)) return [layer.vanillaExport()];
  return [layer];
}

/** Throws unless the exported layers compute what the layer computes (same outputs on a random input). */
function checkExport(layer: tfl.layers.Layer, parts: tfl.layers.Layer[], shape: number[], idx: number): void {
  const [diff, scale] = tf.tidy(() => {
    const r = tf.randomNormal(shape, 0, 1, 'float32', 1000 + idx);
    const a = layer.apply(r) as tf.Tensor;
    let b: tf.Tensor = r;
    for (const p of parts) b = p.apply(b) as tf.Tensor;
    if (a.shape.join() !== b.shape.join()) return [Infinity, 1];
    return [tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!, tf.max(tf.abs(a)).dataSync()[0]!];
  });
  if (!(diff <= 1e-4 * (1 + scale))) {
    throw new LipnetError({
      code: 'VERIFICATION_FAILED',
      who: 'lipschitzUpperBound',
      message: `layer '${layer.name}' (${layer.getClassName()}): its vanilla export computes different outputs than the layer itself (max |Δ| = ${diff}), so a bound on the export would not bound the running layer. Check that the layer's normalised weights are up to date.`,
    });
  }
}

function disposeQuietly(l: tfl.layers.Layer): void {
  try {
    l.dispose();
  } catch {
    // never applied (no reference count yet): free its weights directly
    const w = l as unknown as { built: boolean; disposeWeights?: () => number };
    if (w.built && typeof w.disposeWeights === 'function') w.disposeWeights();
  }
}

/**
 * A certified upper bound of a model's L2 Lipschitz constant, computed from
 * the layers as they run, independently of their nominal constants:
 *
 * - Dense: σ_max(kernel) by power iteration on the Gram matrix, certified by a
 *   Cholesky factorisation of μI − WᵀW (λ_max < μ); × the activation's constant.
 * - Conv2D (any padding, stride, dilation), on the real input size: power
 *   iteration on the operator (tf.conv2d and its gradient) for the estimate, and a
 *   certified Fourier/polyphase bound of the zero-padded operator (see
 *   `convOperatorNormBound`).
 * - Average pools (plain or Scaled*): Schur test from A·1 and Aᵀ·1 (exact for
 *   non-overlapping windows: √(ph·pw) × 1/√(ph·pw)·scale).
 * - ScaledL2NormPooling2D / ScaledGlobalL2NormPooling2D, GroupSort, MaxMin, ReLU:
 *   1 × kCoefLip; MaxPooling2D 1 (√overlap otherwise); Flatten/Reshape/… 1.
 * - @lipnet Condensable layers (SpectralDense, SpectralConv2D, FrobeniusDense…):
 *   bounded through `vanillaExport()` (their effective normalised kernels), after
 *   checking that the export computes the same outputs as the layer.
 * - Unknown layers throw LipnetUnsupportedError (code UNSUPPORTED_LAYER) naming the layer and className;
 *   add support with {@link registerLipschitzBoundHandler}.
 *
 * The model bound is the product of the layer bounds (Lipschitz constants
 * compose multiplicatively). When the model ends with a linear Dense layer,
 * `heads` gives per-logit and per-logit-difference bounds. Each layer's bound
 * is also spot-checked against random pairs through the layer (`verify`).
 * deel-lip: `compute_model_sv` (SVD of explicit operators; no certificate).
 *
 * @example
 * const b = lipschitzUpperBound(model);
 * console.log(b.toString());  // per-layer table, product ≤ 1.0000x for a converged deel-lip-style model
 * const radii = certificatesFromBound(model.predict(x) as tf.Tensor, b);
 */
export function lipschitzUpperBound(
  model: tfl.LayersModel,
  options: LipschitzUpperBoundOptions = {},
): LipschitzUpperBound {
  const { verify, inputShape } = BOUND_OPTIONS.parse(options);
  let inShape = inputShape;
  if (!inShape) {
    const s = (model.inputs[0]?.shape ?? []).slice(1);
    if (s.some((d) => d == null)) {
      throw new LipnetOptionError({
        code: 'INVALID_OPTION',
        who: 'lipschitzUpperBound',
        option: 'inputShape',
        message: `the model's input shape [${s.map((d) => d ?? 'null').join(', ')}] has free dimensions. Pass \`inputShape\` (without the batch axis), e.g. {inputShape: [28, 28, 1]}.`,
      });
    }
    inShape = s as number[];
  }
  const layers = chainLayers(model);
  const table: LayerBound[] = [];
  let x = tf.zeros([1, ...inShape]);
  let lastKernel: LayerBoundResult['linearKernel'];
  try {
    layers.forEach((layer, idx) => {
      const shape = x.shape.slice();
      const parts = exportParts(layer);
      const exported = parts[0] !== layer;
      try {
        if (exported) checkExport(layer, parts, shape, idx);
        let bound = 1;
        let estimate = 1;
        const methods: string[] = [];
        let partShape = shape;
        lastKernel = undefined;
        for (const part of parts) {
          const cls = part.getClassName();
          const handler = handlers.get(cls);
          if (!handler) {
            throw unsupported(
              layer,
              `has no known Lipschitz bound${exported ? ` (its vanilla export contains a ${cls})` : ''}`,
              `Supported classNames: ${[...handlers.keys()].sort().join(', ')}. Register one with registerLipschitzBoundHandler('${cls}', handler), or vanilla-export the model first.`,
            );
          }
          const r = handler(part, partShape);
          if (!(r.bound >= 0) || !Number.isFinite(r.bound)) {
            throw new LipnetError({
              code: 'VERIFICATION_FAILED',
              who: 'lipschitzUpperBound',
              message: `the handler for '${cls}' returned bound ${r.bound} for layer '${layer.name}'. A bound must be a finite number ≥ 0.`,
            });
          }
          bound *= r.bound;
          estimate *= r.estimate ?? r.bound;
          methods.push(parts.length > 1 ? `${cls}: ${r.method}` : r.method);
          lastKernel = r.linearKernel;
          if (parts.length > 1) partShape = tf.tidy(() => (part.apply(tf.zeros(partShape)) as tf.Tensor).shape.slice());
        }
        if (verify) spotCheck(layer, (t) => layer.apply(t) as tf.Tensor, shape, bound, 2000 + 7 * idx);
        table.push({
          name: layer.name,
          className: layer.getClassName(),
          inputShape: shape,
          bound,
          estimate,
          method: methods.join('; '),
          ...(exported ? { exportedAs: parts.map((p) => p.getClassName()).join(' + ') } : {}),
        });
      } finally {
        if (exported) for (const p of parts) disposeQuietly(p);
      }
      const next = tf.tidy(() => layer.apply(x) as tf.Tensor);
      x.dispose();
      x = next;
    });
  } finally {
    x.dispose();
  }
  const upperBound = table.reduce((p, r) => p * r.bound, 1);
  const estimate = table.reduce((p, r) => p * r.estimate, 1);
  let heads: LipschitzUpperBound['heads'];
  if (lastKernel) {
    const body = table.slice(0, -1).reduce((p, r) => p * r.bound, 1);
    const { data, rows, cols } = lastKernel;
    const col = (i: number, j: number) => {
      let s = 0;
      for (let r = 0; r < rows; r++) {
        const v = data[r * cols + i]! - (j >= 0 ? data[r * cols + j]! : 0);
        s += v * v;
      }
      return Math.sqrt(s) * (1 + 1e-12);
    };
    const perHead = Array.from({ length: cols }, (_, i) => col(i, -1) * body);
    const pairwise = Array.from({ length: cols }, (_, i) =>
      Array.from({ length: cols }, (_, j) => (i === j ? 0 : col(i, j) * body)),
    );
    heads = { perHead, pairwise, bodyBound: body };
  }
  return {
    upperBound,
    estimate,
    layers: table,
    ...(heads ? { heads } : {}),
    toString() {
      const lines = table.map(
        (r) =>
          `${r.name.padEnd(28)} ${r.className.padEnd(28)} [${r.inputShape.slice(1).join('×')}]`.padEnd(80) +
          ` bound ${r.bound.toFixed(6)}  estimate ${r.estimate.toFixed(6)}  ${r.method}`,
      );
      lines.push(
        `Lipschitz upper bound (product): ${upperBound.toFixed(6)}; product of estimates ${estimate.toFixed(6)}`,
      );
      if (heads)
        lines.push(
          `per-head bounds: [${heads.perHead.map((v) => v.toFixed(4)).join(', ')}]; max pairwise ${Math.max(...heads.pairwise.flat()).toFixed(4)} (√2·global would be ${(Math.SQRT2 * upperBound).toFixed(4)})`,
        );
      return lines.join('\n');
    },
  };
}
