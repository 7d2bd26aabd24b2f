/**
 * The notebook's network, layer for layer (deel-lip 1.2.0 semantics, the version
 * Demo 4 ran):
 *
 *   SpectralConv2D(16, 3×3, GroupSort(2), orthogonal) → ScaledL2NormPooling2D(2×2)
 *   → SpectralConv2D(32, 3×3, GroupSort(2), orthogonal) → ScaledL2NormPooling2D(2×2)
 *   → Flatten → SpectralDense(64, GroupSort(2), orthogonal)
 *   → FrobeniusDense(10, no bias, orthogonal, disjoint heads), Sequential k_coef_lip = 1.
 *
 * Its loss and metrics: loss-and-metrics.ts; optimiser `Adam(1e-4)`.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  GroupSort,
  type ConvNormalization,
  SpectralInitializer,
  frobeniusDense,
  scaledL2NormPooling2D,
  sequential,
  spectralConv2d,
  spectralDense,
} from '@lipnet/layers';

/** Notebook hyper-parameters. */
export const NOTEBOOK = {
  alpha: 100,
  minMargin: 0.25,
  learningRate: 1e-4,
  kCoefLip: 1,
  deelLipVersion: '1.2',
} as const;

/**
 * A short text naming everything that must match for a checkpoint to be reused: the architecture, the
 * loss and how the convolutions are normalised ('deel-lip', the notebook's, leaves the text as it was
 * before the other modes existed, so older runs still resume).
 */
export function modelSignature(convNormalization: ConvNormalization = 'deel-lip'): string {
  return (
    'hkr_model: SpectralConv2D(16)-ScaledL2NormPooling2D-SpectralConv2D(32)-ScaledL2NormPooling2D-Flatten-SpectralDense(64)-FrobeniusDense(10); ' +
    `GroupSort(2); deel-lip ${NOTEBOOK.deelLipVersion}; MulticlassHKR(alpha=${NOTEBOOK.alpha}, minMargin=${NOTEBOOK.minMargin}, deelLipVersion=1.2)` +
    (convNormalization === 'deel-lip' ? '' : `; convNormalization=${convNormalization}`)
  );
}

/** The notebook's model signature ({@link modelSignature} of 'deel-lip'). */
export const MODEL_SIGNATURE = modelSignature('deel-lip');

/**
 * Builds the notebook's `hkr_model`. Layer names are Keras' (`spectral_conv2d`,
 * `scaled_l2norm_pooling2d_1`, …) so the summary reads like the notebook's.
 * `seed` seeds the four orthogonal kernel initialisers and the power-iteration
 * vectors `u` (deel-lip draws them from an unseeded N(0, 1); seeded here, so two
 * runs with the same seed on the same backend print the same numbers).
 * `convNormalization` is the notebook's 'deel-lip' by default; 'strict' and 'exact' are the proven ones.
 */
export function buildHkrModel(
  seed: number,
  warn: (m: string) => void = () => undefined,
  convNormalization: ConvNormalization = 'deel-lip',
): tfl.Sequential {
  const model = buildLayers(seed, warn, convNormalization);
  let k = 0;
  for (const w of model.weights) {
    if (!/\/u$/.test(w.originalName)) continue;
    k += 1;
    const v = w.read() as tf.Variable;
    tf.tidy(() => v.assign(tf.randomNormal(v.shape, 0, 1, 'float32', (seed * 104729 + k) % 2147483647)));
  }
  return model;
}

function buildLayers(seed: number, warn: (m: string) => void, convNormalization: ConvNormalization): tfl.Sequential {
  // Keras' Orthogonal (QR of a Gaussian, sign-corrected); tfjs' own `orthogonal` needs chained ops
  const ortho = (k: number) => new SpectralInitializer({ seed: (seed * 7919 + k) % 2147483647 });
  const gs = () => new GroupSort({ n: 2 });
  const v = NOTEBOOK.deelLipVersion;
  return sequential({
    name: 'hkr_model',
    kCoefLip: NOTEBOOK.kCoefLip,
    warn,
    layers: [
      spectralConv2d({
        name: 'spectral_conv2d',
        inputShape: [28, 28, 1],
        filters: 16,
        kernelSize: [3, 3],
        activation: gs(),
        useBias: true,
        kernelInitializer: ortho(1),
        deelLipVersion: v,
        convNormalization,
      }),
      scaledL2NormPooling2D({ name: 'scaled_l2norm_pooling2d', poolSize: [2, 2], dataFormat: 'channelsLast' }),
      spectralConv2d({
        name: 'spectral_conv2d_1',
        filters: 32,
        kernelSize: [3, 3],
        activation: gs(),
        useBias: true,
        kernelInitializer: ortho(2),
        deelLipVersion: v,
        convNormalization,
      }),
      scaledL2NormPooling2D({ name: 'scaled_l2norm_pooling2d_1', poolSize: [2, 2], dataFormat: 'channelsLast' }),
      tfl.layers.flatten({ name: 'flatten' }),
      spectralDense({
        name: 'spectral_dense',
        units: 64,
        activation: gs(),
        useBias: true,
        kernelInitializer: ortho(3),
        deelLipVersion: v,
      }),
      frobeniusDense({
        name: 'frobenius_dense',
        units: 10,
        activation: null,
        useBias: false,
        kernelInitializer: ortho(4),
        disjointNeurons: true,
      }),
    ],
  });
}
