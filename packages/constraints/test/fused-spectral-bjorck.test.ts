/**
 * A backend's fused spectral-Björck kernels change nothing but speed: with
 * test-utils' reference kernels registered on `cpu`,
 * reshapedKernelOrthogonalization (deel-lip 1.5) runs one LipnetSpectralBjorck
 * forward and one LipnetSpectralBjorckGrad backward, and gives the stock
 * composition's W̄, u, σ and kernel gradient (autodiff through power
 * iteration's σ, W/(σ+ε) and Björck); 1.2 mode keeps the composition; a wrong
 * u is refused; nothing leaks.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expectNoLeakedTensors, maxRelativeDifference, registerReferenceFusedKernels } from '@lipnet/test-utils';
import {
  fusedSpectralBjorck,
  hasFusedSpectralBjorck,
  reshapedKernelOrthogonalization,
  type ReshapedKernelOrthogonalizationOptions,
} from '../src';

type Case = [string, number[], ReshapedKernelOrthogonalizationOptions];

/** W̄, u, σ and ∂Σ(W̄⊙dy)/∂kernel of reshapedKernelOrthogonalization, with `u`. */
function run(kernel: tf.Tensor, u: tf.Tensor2D, dy: tf.Tensor, opts: ReshapedKernelOrthogonalizationOptions) {
  return tf.tidy(() => {
    const r = reshapedKernelOrthogonalization(kernel, u, opts);
    const g = tf.grad((k: tf.Tensor) => tf.sum(tf.mul(reshapedKernelOrthogonalization(k, u, opts).w, dy)))(kernel);
    return [r.w, r.u, r.sigma, g];
  });
}

describe('reshapedKernelOrthogonalization with the fused spectral-Björck kernels (reference on cpu)', () => {
  const cases: Case[] = [
    ['a conv kernel, defaults', [3, 3, 4, 6], {}],
    ['a dense kernel, adjustmentCoef 1/3', [20, 8], { adjustmentCoef: 1 / 3 }],
    [
      'a wide kernel, tight tolerances',
      [5, 9],
      { epsSpectral: 1e-6, maxIterSpectral: 30, epsBjorck: 1e-5, maxIterBjorck: 25 },
    ],
    ['Björck off', [12, 4], { maxIterBjorck: 0, betaBjorck: 0.4 }],
  ];

  it.each(cases)('%s: same W̄, u, σ and gradient as the composition, one kernel call each way', (_, shape, opts) => {
    const kernel = tf.randomNormal(shape, 0, 0.5, 'float32', shape.length * 7 + shape[0]!);
    const cOut = shape[shape.length - 1]!;
    const u = tf.randomUniform([1, cOut], 0, 1, 'float32', 5) as tf.Tensor2D;
    const dy = tf.randomNormal(shape, 0, 1, 'float32', 9);
    expect(hasFusedSpectralBjorck()).toBe(false);
    const stock = run(kernel, u, dy, opts);
    const handle = registerReferenceFusedKernels('cpu');
    let fused: tf.Tensor[];
    try {
      expect(hasFusedSpectralBjorck()).toBe(true);
      fused = run(kernel, u, dy, opts);
      expect(handle.calls['LipnetSpectralBjorck']).toBe(2);
      expect(handle.calls['LipnetSpectralBjorckGrad']).toBe(1);
      expect(handle.calls['LipnetBjorck']).toBe(0);
    } finally {
      handle.unregister();
    }
    ['W̄', 'u', 'σ', 'gradient'].forEach((what, i) => {
      expect(fused[i]!.shape).toEqual(stock[i]!.shape);
      expect({ what, ok: maxRelativeDifference(fused[i]!, stock[i]!) < 1e-5 }).toEqual({ what, ok: true });
    });
  });

  it('deel-lip 1.2 mode keeps the composition (fixed iteration counts, no eps rule)', () => {
    const kernel = tf.randomNormal([6, 4], 0, 1, 'float32', 1);
    const handle = registerReferenceFusedKernels('cpu');
    try {
      reshapedKernelOrthogonalization(kernel, null, { deelLipVersion: '1.2' });
      expect(handle.calls['LipnetSpectralBjorck']).toBe(0);
    } finally {
      handle.unregister();
    }
  });
});

describe('fused spectral-Björck refusals', () => {
  it('fusedSpectralBjorck refuses a missing, unknown, NaN or out-of-range attr and a bad w or u, naming each', () => {
    const attrs = { epsSpectral: 1e-3, maxIterSpectral: 10, beta: 0.5, maxIterBjorck: 15, epsBjorck: 1e-3, coef: 1 };
    const w = tf.randomNormal([6, 4], 0, 1, 'float32', 3) as tf.Tensor2D;
    const u = tf.ones([1, 4]) as tf.Tensor2D;
    const handle = registerReferenceFusedKernels('cpu');
    try {
      const refuse = (a: unknown, pattern: RegExp, ww: tf.Tensor = w, uu: tf.Tensor = u) =>
        expect(() =>
          fusedSpectralBjorck(ww as tf.Tensor2D, uu as tf.Tensor2D, a as Parameters<typeof fusedSpectralBjorck>[2]),
        ).toThrow(pattern);
      const noCoef: Record<string, number> = { ...attrs };
      delete noCoef['coef'];
      refuse(noCoef, /fusedSpectralBjorck:.*`coef`/);
      refuse(
        { ...attrs, epsSpectal: 1e-3 },
        /fusedSpectralBjorck: unknown option `epsSpectal`. Did you mean `epsSpectral`/,
      );
      refuse(
        { ...attrs, epsBjorck: NaN },
        /fusedSpectralBjorck: expected `epsBjorck` to be a positive number, got NaN/,
      );
      refuse({ ...attrs, beta: 0.7 }, /fusedSpectralBjorck: expected `beta` to be a number in \(0, 0.5\]/);
      refuse({ ...attrs, maxIterSpectral: 0 }, /fusedSpectralBjorck: expected `maxIterSpectral`/);
      refuse(attrs, /fusedSpectralBjorck: expected `w` to be a float32 tensor, got an int32/, tf.ones([6, 4], 'int32'));
      refuse(attrs, /fusedSpectralBjorck: expected `w` to have rank 2/, tf.ones([2, 3, 4]));
      refuse(attrs, /expected `u` of shape \[1, 4\], got \[1, 3\]/, w, tf.ones([1, 3]));
      expect(handle.calls['LipnetSpectralBjorck']).toBe(0);
    } finally {
      handle.unregister();
    }
  });

  it('refuses a u of the wrong shape, naming it, and leaks nothing', async () => {
    const kernel = tf.randomNormal([3, 3, 2, 5], 0, 1, 'float32', 2);
    const handle = registerReferenceFusedKernels('cpu');
    try {
      expect(() => reshapedKernelOrthogonalization(kernel, tf.ones([1, 4]) as tf.Tensor2D)).toThrow(
        /expected `u` of shape \[1, 5\], got \[1, 4\]/,
      );
      const u = tf.ones([1, 5]) as tf.Tensor2D;
      await expectNoLeakedTensors(() => {
        const r = reshapedKernelOrthogonalization(kernel, u);
        return [r.w, r.u, r.sigma];
      });
      await expectNoLeakedTensors(() =>
        tf.grad((k: tf.Tensor) => tf.sum(reshapedKernelOrthogonalization(k, u).w))(kernel),
      );
    } finally {
      handle.unregister();
    }
  });
});
