import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { lipschitzUpperBound } from '../src';
import { explicitOperator, sigmaMax } from './helpers';

/**
 * A delta-orthogonal 3×3 kernel (centre tap an orthogonal C×C matrix) plus small noise: the conv's
 * singular values all lie within a few 1e-3 of 1, the clustered top spectrum that 'exact'-normalised
 * Lipschitz convolutions end with. Power iteration stalls there; the bound must not.
 */
function nearlyOrthogonalConv(c: number, noise: number, seed: number): tf.Tensor4D {
  return tf.tidy(() => {
    const q = tf.linalg.qr(tf.randomNormal([c, c], 0, 1, 'float32', seed))[0];
    const centre = tf.pad(tf.reshape(q, [1, 1, c, c]), [
      [1, 1],
      [1, 1],
      [0, 0],
      [0, 0],
    ]);
    return tf.add(centre, tf.randomNormal([3, 3, c, c], 0, noise, 'float32', seed + 1)) as tf.Tensor4D;
  });
}

describe('lipschitzUpperBound on a convolution with a clustered top spectrum', () => {
  it.each([
    ["'same' 8×8×4", 'same', [8, 8, 4], 11],
    ["'valid' 9×9×4", 'valid', [9, 9, 4], 12],
  ] as const)('%s: SVD ≤ certified bound ≤ SVD·(1 + 1e-4)', (_name, padding, shape, seed) => {
    const k = nearlyOrthogonalConv(shape[2], 3e-3, seed);
    const conv = tfl.layers.conv2d({ filters: shape[2], kernelSize: 3, padding, useBias: false });
    const model = tfl.sequential({ layers: [tfl.layers.inputLayer({ inputShape: [...shape] }), conv] });
    conv.setWeights([k]);
    const svd = sigmaMax(explicitOperator((x) => conv.apply(x) as tf.Tensor, [1, ...shape]));
    const b = lipschitzUpperBound(model).layers.find((l) => l.name === conv.name)!;
    expect(b.bound).toBeGreaterThanOrEqual(svd);
    expect(b.bound).toBeLessThanOrEqual(svd * (1 + 1e-4));
    expect(b.estimate).toBeLessThanOrEqual(svd * (1 + 1e-6));
    expect(b.estimate).toBeGreaterThanOrEqual(svd * (1 - 1e-4));
    model.dispose();
    k.dispose();
  });
});
