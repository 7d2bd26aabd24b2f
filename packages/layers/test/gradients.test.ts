import * as tf from '@tensorflow/tfjs-core';
import { expectTensorsClose, finiteDifferenceGradient } from '@lipnet/test-utils';
import { SpectralDense, SpectralConv2D } from '../src';
import { wrap } from './helpers';

/**
 * The gradient fit uses (a call under the tape, W̄ recomputed) against central finite
 * differences of the inference output (W̄ recomputed from the perturbed raw kernel).
 * Tolerances 1e-9 with fixed maxIter make the iteration counts constant, so the map is smooth;
 * u is first converged by training calls, where ∂σ/∂u = 0, so 1.5's stop-gradient on u is exact.
 */
function checkKernelGradient(layer: SpectralDense | SpectralConv2D, inputShape: number[]): void {
  const model = wrap(layer, inputShape);
  const x = tf.randomNormal([2, ...inputShape], 0, 1, 'float32', 21);
  for (let i = 0; i < 20; i++) tf.dispose(layer.apply(x, { training: true }) as tf.Tensor);
  const [k0, ...rest] = layer.getWeights();
  const c = tf.randomNormal(
    (model.outputs[0]!.shape as number[]).map((d) => d ?? 2),
    0,
    1,
    'float32',
    22,
  );
  const kernelVar = (layer as unknown as { kernel: { read(): tf.Variable } }).kernel.read();
  const { grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, c)) as tf.Scalar, [kernelVar]);
  const g = grads[kernelVar.name]!;
  const f = (w: Float64Array) =>
    tf.tidy(() => {
      layer.setWeights([tf.tensor(Array.from(w), k0!.shape), ...rest]);
      return tf.sum(tf.mul(layer.apply(x) as tf.Tensor, c)).dataSync()[0]!;
    });
  const fd = finiteDifferenceGradient(f, k0!.dataSync(), 3e-3);
  layer.setWeights([k0!, ...rest]);
  expectTensorsClose(g, Array.from(fd), { atol: 1e-3, rtol: 1e-3 });
}

describe('gradient of the reparametrised kernel (what fit uses) matches finite differences', () => {
  it('SpectralDense, deel-lip 1.5 (stop-gradient on u, Björck unrolled)', () => {
    checkKernelGradient(
      new SpectralDense({ units: 3, epsSpectral: 1e-9, epsBjorck: 1e-9, maxIterSpectral: 10, maxIterBjorck: 6 }),
      [4],
    );
  });
  it('SpectralDense, deel-lip 1.2 (gradient through the unrolled power iteration)', () => {
    checkKernelGradient(new SpectralDense({ units: 3, deelLipVersion: '1.2', niterBjorck: 6 }), [4]);
  });
  it('SpectralConv2D stride 2', () => {
    checkKernelGradient(
      new SpectralConv2D({
        filters: 2,
        kernelSize: 3,
        strides: 2,
        epsSpectral: 1e-9,
        epsBjorck: 1e-9,
        maxIterBjorck: 5,
      }),
      [5, 5, 1],
    );
  });
});
