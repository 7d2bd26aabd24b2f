import type * as tfl from '@tensorflow/tfjs-layers';
import {
  activationBound,
  kCoef,
  pair,
  registerLipschitzBoundHandler,
  unsupported,
  type LayerBoundHandler,
} from './handler-registry';

const constant =
  (value: number, why: string): LayerBoundHandler =>
  () => ({ bound: value, estimate: value, method: why });

/** Windows covering an input pixel at most: ⌈ph/sh⌉·⌈pw/sw⌉ (1-D layers, whose config holds `[p]`: ⌈p/s⌉). */
function coverage(layer: tfl.layers.Layer): number {
  const cfg = layer.getConfig() as Record<string, unknown>;
  if (Array.isArray(cfg.poolSize) && cfg.poolSize.length === 1) {
    const p = Number(cfg.poolSize[0]);
    return Math.ceil(p / pair(cfg.strides ?? cfg.poolSize, p)[0]);
  }
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

/** k × a 1-Lipschitz map (`why` says which). */
const kTimes =
  (why: string): LayerBoundHandler =>
  (layer) => {
    const b = kCoef(layer);
    return { bound: b, estimate: b, method: `${why}: 1 × kCoefLip` };
  };

/** A @lipnet layer whose constant is a closed form of its configuration (its own `lipschitzBound()`). */
const selfDeclared =
  (formula: string): LayerBoundHandler =>
  (layer) => {
    const f = (layer as unknown as { lipschitzBound?: () => number }).lipschitzBound;
    if (typeof f !== 'function') throw unsupported(layer, 'has no lipschitzBound()', 'Use the @lipnet class.');
    const b = f.call(layer);
    return { bound: b, estimate: b, method: `${formula} = ${b.toPrecision(6)}` };
  };

const slopeHandler: LayerBoundHandler = (layer) => {
  const alpha = layer.getWeights()[0]?.dataSync() ?? [];
  let b = 1;
  for (const v of alpha) b = Math.max(b, Math.abs(v));
  return { bound: b, estimate: b, method: 'PReLU: max(1, max|alpha|)' };
};

const refuse =
  (why: string, fix: string): LayerBoundHandler =>
  (layer) => {
    throw unsupported(layer, why, fix);
  };

registerLipschitzBoundHandler('MaxPooling1D', maxPoolHandler);
registerLipschitzBoundHandler('MaxPooling2D', maxPoolHandler);
registerLipschitzBoundHandler('GlobalMaxPooling1D', constant(1, 'global max pooling: 1'));
registerLipschitzBoundHandler('GlobalMaxPooling2D', constant(1, 'global max pooling: 1'));
registerLipschitzBoundHandler('ScaledL2NormPooling2D', l2PoolHandler);
registerLipschitzBoundHandler('ScaledGlobalL2NormPooling2D', kTimes('global L2-norm pooling'));
registerLipschitzBoundHandler('ScaledAdaptativeL2NormPool2d', kTimes('global L2-norm pooling'));
for (const c of ['GroupSort', 'GroupSort2', 'FullSort']) {
  registerLipschitzBoundHandler(c, kTimes('sorting within groups, a permutation per input region'));
}
registerLipschitzBoundHandler('MaxMin', kTimes('a ↦ (relu a, relu −a), norm-preserving'));
registerLipschitzBoundHandler('Householder', kTimes('a reflection or the identity per channel pair (continuous)'));
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
  'ActivityRegularization',
]) {
  registerLipschitzBoundHandler(c, constant(1, 'reshaping / inference identity: 1'));
}
registerLipschitzBoundHandler('InvertibleDownSampling', constant(1, 'pixel (un)shuffle, a permutation: 1'));
registerLipschitzBoundHandler('InvertibleUpSampling', constant(1, 'pixel (un)shuffle, a permutation: 1'));
registerLipschitzBoundHandler('ZeroPadding2D', constant(1, 'zero padding, an isometric embedding: 1'));
registerLipschitzBoundHandler('Cropping2D', constant(1, 'cropping, a projection: 1'));
registerLipschitzBoundHandler('ReLU', constant(1, 'ReLU: 1'));
registerLipschitzBoundHandler('Softmax', constant(1, 'softmax: 1'));
registerLipschitzBoundHandler('Activation', (layer) => {
  const b = activationBound(layer);
  return { bound: b, estimate: b, method: `activation: ${b}` };
});
registerLipschitzBoundHandler('ELU', (layer) => {
  const a = Math.abs(Number((layer.getConfig() as { alpha?: number }).alpha ?? 1));
  const b = Math.max(1, a);
  return { bound: b, estimate: b, method: 'ELU: max(1, |alpha|)' };
});
registerLipschitzBoundHandler('LeakyReLU', (layer) => {
  const b = Math.max(1, Math.abs(Number((layer.getConfig() as { alpha?: number }).alpha ?? 0.3)));
  return { bound: b, estimate: b, method: 'LeakyReLU: max(1, |alpha|)' };
});
registerLipschitzBoundHandler('PReLU', slopeHandler);
registerLipschitzBoundHandler('UpSampling2D', (layer) => {
  const cfg = layer.getConfig() as { size?: unknown; interpolation?: string };
  if ((cfg.interpolation ?? 'nearest') !== 'nearest')
    throw unsupported(layer, `uses interpolation '${cfg.interpolation}'`, "Only 'nearest' is supported.");
  const [a, b] = pair(cfg.size, 2);
  const v = Math.sqrt(a * b);
  return { bound: v, estimate: v, method: 'nearest up-sampling: √(copies)' };
});
registerLipschitzBoundHandler('RepeatVector', (layer) => {
  const n = Number((layer.getConfig() as { n?: number }).n ?? 1);
  return { bound: Math.sqrt(n), estimate: Math.sqrt(n), method: `${n} copies: √${n}` };
});
registerLipschitzBoundHandler('LayerCentering', selfDeclared('x − mean, an orthogonal projection (+ β)'));
registerLipschitzBoundHandler('ScaleBiasLayer', selfDeclared('s·x + β: |s|'));
registerLipschitzBoundHandler(
  'ThresholdedReLU',
  refuse('is discontinuous (x·1[x > θ] jumps at θ), so it has no Lipschitz constant', 'Use ReLU.'),
);
registerLipschitzBoundHandler(
  'LayerNormalization',
  refuse(
    'is not Lipschitz: (x − μ)/σ has an unbounded gradient near constant inputs',
    'Use LayerCentering (1-Lipschitz) from @lipnet/layers.',
  ),
);
registerLipschitzBoundHandler(
  'Embedding',
  refuse('takes integer indices, not a vector space', 'Bound the model from the embedded vectors on.'),
);
for (const c of ['SimpleRNN', 'LSTM', 'GRU', 'RNN', 'Bidirectional', 'ConvLSTM2D']) {
  registerLipschitzBoundHandler(
    c,
    refuse(
      'is a recurrent layer, whose gates make a Lipschitz bound data-dependent (deel-lip #98)',
      'Bound the model without it, or register a handler with a bound you can prove.',
    ),
  );
}
