import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import {
  certifiedConvNorm,
  convMaps,
  lanczosOperatorNorm,
  matrixSpectralNormBound,
  type Conv2DGeometry,
} from '@lipnet/constraints';
import { LipnetError } from '@lipnet/core';
import { operatorPowerIteration } from '../operator-power-iteration';
import {
  activationBound,
  hasLinearActivation,
  pair,
  registerLipschitzBoundHandler,
  unsupported,
  type LayerBoundHandler,
  type LayerBoundResult,
} from './handler-registry';

const kernelOf = (layer: tfl.layers.Layer, rank: number): tf.Tensor => {
  const k = layer.getWeights()[0];
  if (!k || k.rank !== rank) throw unsupported(layer, `has no ${rank}-D kernel`, 'Build the model before bounding it.');
  return k;
};

/** The result for a linear map with certified bracket [estimate, bound], times the layer's activation. */
function withActivation(layer: tfl.layers.Layer, bound: number, estimate: number, method: string): LayerBoundResult {
  const act = activationBound(layer);
  return {
    bound: bound * act,
    estimate: estimate * act,
    method: method + (act !== 1 ? ` × activation ${act}` : ''),
  };
}

/** Dense: σ_max(W) by power iteration on the Gram matrix, certified by a Cholesky factorisation. */
const denseHandler: LayerBoundHandler = (layer) => {
  const w = kernelOf(layer, 2);
  const [rows, cols] = w.shape as [number, number];
  const data = w.dataSync() as Float32Array;
  const s = matrixSpectralNormBound(data, rows, cols);
  const r = withActivation(layer, s.upper, s.lower, 'σ_max(kernel): power iteration + Cholesky certificate');
  return hasLinearActivation(layer) ? { ...r, linearKernel: { data: Float32Array.from(data), rows, cols } } : r;
};

/** Ritz-residual tolerance and step limit of the Lanczos estimate that starts the banded certificate's ladder. */
const CONV_LANCZOS_EPS = 1e-4;
const CONV_LANCZOS_STEPS = 1000;

/**
 * A convolution's certified norm (`certifiedConvNorm`: Fourier/polyphase canvas bound and banded Cholesky
 * of the exact operator) and its estimate on the operator itself (`convMaps` of @lipnet/constraints:
 * tf.conv2d or the padded convolution, dilation spread into the kernel, since tfjs has no gradient for
 * dilated conv2d). The estimate is Lanczos on AᵀA (`lanczosOperatorNorm`, Ritz residual ≤ 1e-4·θ), not
 * plain power iteration: Lipschitz convolutions have clustered top spectra, on which 200 power iterations
 * stop ~2e-3 below the norm and the certificate's ladder σ̂·√(1 + δ) then proves only the δ = 1e-2 rung.
 */
function conv2dNorm(data: ArrayLike<number>, g: Conv2DGeometry): { bound: number; estimate: number; method: string } {
  const k = tf.tensor4d(Float32Array.from(data), [g.kh, g.kw, g.cin, g.cout]);
  const start = tf.randomNormal([1, g.inH, g.inW, g.cin], 0, 1, 'float32', 7);
  let est: number;
  try {
    const r = lanczosOperatorNorm(convMaps(g), k, start, CONV_LANCZOS_EPS, CONV_LANCZOS_STEPS);
    r.v.dispose();
    est = r.sigma;
  } finally {
    tf.dispose([k, start]);
  }
  const c = certifiedConvNorm(data, g, { estimate: est });
  const what = g.padding === 'same' || g.padding === 'valid' ? 'conv operator' : `${g.padding}-padded conv operator`;
  return {
    bound: c.upper,
    estimate: est,
    method: `${what} on ${g.inH}×${g.inW}: Lanczos estimate ${est.toFixed(5)}; ${c.method}`,
  };
}

function channelsLast(layer: tfl.layers.Layer): void {
  const f = (layer.getConfig() as { dataFormat?: string }).dataFormat ?? 'channelsLast';
  if (f !== 'channelsLast') throw unsupported(layer, `has dataFormat '${f}'`, "Only 'channelsLast' is supported.");
}

function padding(layer: tfl.layers.Layer, allowed: string[]): 'same' | 'valid' {
  const p = (layer.getConfig() as { padding?: string }).padding ?? 'valid';
  if (!allowed.includes(p))
    throw unsupported(layer, `has padding '${p}'`, `Use ${allowed.map((a) => `'${a}'`).join(' or ')}.`);
  return p as 'same' | 'valid';
}

/** Conv2D (any padding, stride, dilation), on the real input size. */
const conv2dHandler: LayerBoundHandler = (layer, inputShape) => {
  channelsLast(layer);
  const cfg = layer.getConfig() as Record<string, unknown>;
  const k = kernelOf(layer, 4);
  const [kh, kw, cin, cout] = k.shape as [number, number, number, number];
  const [, inH, inW] = inputShape as [number, number, number, number];
  const g: Conv2DGeometry = {
    inH,
    inW,
    kh,
    kw,
    cin,
    cout,
    strides: pair(cfg.strides, 1),
    dilation: pair(cfg.dilationRate, 1),
    padding: padding(layer, ['same', 'valid']),
  };
  const n = conv2dNorm(k.dataSync(), g);
  return withActivation(layer, n.bound, n.estimate, n.method);
};

/** Conv1D: the conv2d of height 1 (same kernel layout [1, k, cin, cout]). */
const conv1dHandler: LayerBoundHandler = (layer, inputShape) => {
  const cfg = layer.getConfig() as Record<string, unknown>;
  const k = kernelOf(layer, 3);
  const [kw, cin, cout] = k.shape as [number, number, number];
  const g: Conv2DGeometry = {
    inH: 1,
    inW: inputShape[1]!,
    kh: 1,
    kw,
    cin,
    cout,
    strides: [1, pair(cfg.strides, 1)[0]],
    dilation: [1, pair(cfg.dilationRate, 1)[0]],
    padding: padding(layer, ['same', 'valid']),
  };
  const n = conv2dNorm(k.dataSync(), g);
  return withActivation(layer, n.bound, n.estimate, `1-D ${n.method}`);
};

/**
 * Conv2DTranspose: the adjoint of the conv2d with the same kernel [kh, kw, filters, cin] from the
 * transposed conv's output size, and ‖Aᵀ‖₂ = ‖A‖₂.
 */
const conv2dTransposeHandler: LayerBoundHandler = (layer, inputShape) => {
  channelsLast(layer);
  const cfg = layer.getConfig() as Record<string, unknown>;
  const k = kernelOf(layer, 4);
  const [kh, kw, filters, cin] = k.shape as [number, number, number, number];
  const strides = pair(cfg.strides, 1);
  const p = padding(layer, ['same', 'valid']);
  const out = (n: number, s: number, kk: number) => (p === 'same' ? n * s : (n - 1) * s + kk);
  const g: Conv2DGeometry = {
    inH: out(inputShape[1]!, strides[0], kh),
    inW: out(inputShape[2]!, strides[1], kw),
    kh,
    kw,
    cin: filters,
    cout: cin,
    strides,
    padding: p,
  };
  const n = conv2dNorm(k.dataSync(), g);
  return withActivation(layer, n.bound, n.estimate, `transposed: adjoint of the ${n.method}`);
};

/**
 * @lipnet `PadConv2D` / `PadConv1D` (deel-lip's PadConv2D: 'reflect', 'symmetric', 'replicate', 'circular',
 * 'constant', 'same', 'valid'), what the padded Lipschitz convolutions export to: the geometry the layer
 * reports for this input size (a 1-D input [1, L, C] as height 1).
 */
const padConvHandler: LayerBoundHandler = (layer, inputShape) => {
  const pc = layer as unknown as { geometryFor(h: number, w: number, c: number): Conv2DGeometry };
  const one = inputShape.length === 3;
  const g = one
    ? pc.geometryFor(1, inputShape[1]!, inputShape[2]!)
    : pc.geometryFor(inputShape[1]!, inputShape[2]!, inputShape[3]!);
  const n = conv2dNorm(kernelOf(layer, one ? 3 : 4).dataSync(), g);
  return withActivation(layer, n.bound, n.estimate, n.method);
};

/**
 * DepthwiseConv2D: input channel c feeds only its own `depthMultiplier` outputs, so the operator is
 * block-diagonal over channels and its norm is the largest channel conv's norm.
 */
function depthwiseNorm(layer: tfl.layers.Layer, data: Float32Array, shape: number[], inputShape: number[]) {
  const cfg = layer.getConfig() as Record<string, unknown>;
  const [kh, kw, cin, mult] = shape as [number, number, number, number];
  let bound = 0;
  let estimate = 0;
  for (let c = 0; c < cin; c++) {
    const kc = new Float32Array(kh * kw * mult);
    for (let t = 0; t < kh * kw; t++) for (let m = 0; m < mult; m++) kc[t * mult + m] = data[(t * cin + c) * mult + m]!;
    const n = conv2dNorm(kc, {
      inH: inputShape[1]!,
      inW: inputShape[2]!,
      kh,
      kw,
      cin: 1,
      cout: mult,
      strides: pair(cfg.strides, 1),
      dilation: pair(cfg.dilationRate, 1),
      padding: padding(layer, ['same', 'valid']),
    });
    bound = Math.max(bound, n.bound);
    estimate = Math.max(estimate, n.estimate);
  }
  return { bound, estimate, method: `depthwise: max over ${cin} channel convs (block-diagonal operator)` };
}

const depthwiseHandler: LayerBoundHandler = (layer, inputShape) => {
  channelsLast(layer);
  const k = kernelOf(layer, 4);
  const n = depthwiseNorm(layer, k.dataSync() as Float32Array, k.shape, inputShape);
  return withActivation(layer, n.bound, n.estimate, n.method);
};

/** SeparableConv2D = depthwise, then a pointwise 1×1 conv (σ_max of its matrix): the product of both bounds. */
const separableHandler: LayerBoundHandler = (layer, inputShape) => {
  channelsLast(layer);
  const [dk, pk] = layer.getWeights() as [tf.Tensor, tf.Tensor];
  const d = depthwiseNorm(layer, dk.dataSync() as Float32Array, dk.shape, inputShape);
  const [, , rows, cols] = pk.shape as number[];
  const p = matrixSpectralNormBound(pk.dataSync(), rows!, cols!);
  return withActivation(
    layer,
    d.bound * p.upper,
    d.estimate * p.lower,
    `${d.method} × pointwise σ_max ${p.upper.toFixed(5)} (Cholesky certificate)`,
  );
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

/** BatchNormalization in inference: x ↦ γ(x − μ)/√(var + ε) + β per channel, so max |γ/√(var + ε)|. */
const batchNormHandler: LayerBoundHandler = (layer) => {
  const cfg = layer.getConfig() as { epsilon?: number; scale?: boolean };
  const ws = layer.getWeights();
  const eps = cfg.epsilon ?? 1e-3;
  const gamma = (cfg.scale ?? true) ? ws[0]!.dataSync() : null;
  const variance = ws[ws.length - 1]!.dataSync();
  let b = 0;
  for (let i = 0; i < variance.length; i++)
    b = Math.max(b, Math.abs(gamma ? gamma[i]! : 1) / Math.sqrt(variance[i]! + eps));
  return {
    bound: b * (1 + 1e-6),
    estimate: b,
    method: 'BatchNormalization (inference mode only): max |γ/√(var+ε)|',
  };
};

/** Rescaling (x ↦ scale·x + offset): |scale|. */
const rescalingHandler: LayerBoundHandler = (layer) => {
  const s = Math.abs(Number((layer.getConfig() as { scale?: number }).scale ?? 1));
  return { bound: s, estimate: s, method: `rescaling: |scale| = ${s}` };
};

registerLipschitzBoundHandler('Dense', denseHandler);
registerLipschitzBoundHandler('Conv2D', conv2dHandler);
registerLipschitzBoundHandler('Conv1D', conv1dHandler);
registerLipschitzBoundHandler('Conv2DTranspose', conv2dTransposeHandler);
registerLipschitzBoundHandler('PadConv2D', padConvHandler);
registerLipschitzBoundHandler('PadConv1D', padConvHandler);
registerLipschitzBoundHandler('DepthwiseConv2D', depthwiseHandler);
registerLipschitzBoundHandler('SeparableConv2D', separableHandler);
for (const c of [
  'AveragePooling1D',
  'AveragePooling2D',
  'GlobalAveragePooling1D',
  'GlobalAveragePooling2D',
  'ScaledAveragePooling2D',
  'ScaledGlobalAveragePooling2D',
  'ScaledAdaptiveAvgPool2d',
]) {
  registerLipschitzBoundHandler(c, nonNegativeLinearHandler);
}
registerLipschitzBoundHandler('BatchNormalization', batchNormHandler);
registerLipschitzBoundHandler('Rescaling', rescalingHandler);
