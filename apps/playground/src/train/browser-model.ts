/**
 * The Lipschitz networks the page trains live (1-Lipschitz by construction,
 * deel-lip style: spectral layers with Björck orthonormalisation, GroupSort(2),
 * a last FrobeniusDense with disjoint 1-Lipschitz heads), and their loss.
 */
import type * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  GroupSort,
  SpectralInitializer,
  frobeniusDense,
  scaledL2NormPooling2D,
  sequential,
  spectralConv2d,
  spectralDense,
} from '@lipnet/layers';
import { MulticlassHKR } from '@lipnet/losses';

/** The architectures on offer. */
export const ARCHITECTURES = {
  dense: 'Dense: Flatten → SpectralDense(64) → SpectralDense(32) → FrobeniusDense(10)',
  conv: 'Conv: SpectralConv2D(8) → L2 pool → SpectralConv2D(16) → L2 pool → SpectralDense(32) → FrobeniusDense(10)',
} as const;
/** Key of {@link ARCHITECTURES}. */
export type Architecture = keyof typeof ARCHITECTURES;

/** Builds a fresh, seeded model of the given architecture (inputs 28×28×1, 10 logits). */
export function buildBrowserModel(architecture: Architecture, seed = 1): tfl.Sequential {
  const init = (k: number) => new SpectralInitializer({ seed: seed * 7919 + k });
  const gs = () => new GroupSort({ n: 2 });
  const head = frobeniusDense({
    name: 'head',
    units: 10,
    activation: null,
    useBias: false,
    disjointNeurons: true,
    kernelInitializer: init(9),
  });
  if (architecture === 'dense') {
    return sequential({
      name: 'browser_dense',
      warn: () => undefined,
      layers: [
        tfl.layers.flatten({ name: 'flatten', inputShape: [28, 28, 1] }),
        spectralDense({ name: 'dense_1', units: 64, activation: gs(), kernelInitializer: init(1) }),
        spectralDense({ name: 'dense_2', units: 32, activation: gs(), kernelInitializer: init(2) }),
        head,
      ],
    });
  }
  if (architecture === 'conv') {
    const conv = (name: string, filters: number, k: number, inputShape?: number[]) =>
      spectralConv2d({
        name,
        filters,
        kernelSize: [3, 3],
        activation: gs(),
        kernelInitializer: init(k),
        ...(inputShape ? { inputShape } : {}),
      });
    return sequential({
      name: 'browser_conv',
      warn: () => undefined,
      layers: [
        conv('conv_1', 8, 1, [28, 28, 1]),
        scaledL2NormPooling2D({ name: 'pool_1', poolSize: [2, 2] }),
        conv('conv_2', 16, 2),
        scaledL2NormPooling2D({ name: 'pool_2', poolSize: [2, 2] }),
        tfl.layers.flatten({ name: 'flatten' }),
        spectralDense({ name: 'dense_1', units: 32, activation: gs(), kernelInitializer: init(3) }),
        head,
      ],
    });
  }
  throw new RangeError(
    `buildBrowserModel: unknown architecture '${String(architecture)}'; use one of ${Object.keys(ARCHITECTURES).join(', ')}.`,
  );
}

/**
 * The training loss: Demo 4's `MulticlassHKR(alpha=100, min_margin=0.25)` in
 * deel-lip 1.2.0 semantics (the notebook's), as demo4 trains with.
 */
export function browserLoss(): (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar {
  return MulticlassHKR({ alpha: 100, minMargin: 0.25, deelLipVersion: '1.2' }) as unknown as (
    yTrue: tf.Tensor,
    yPred: tf.Tensor,
  ) => tf.Scalar;
}
