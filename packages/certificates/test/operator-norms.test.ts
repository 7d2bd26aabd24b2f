import * as tf from '@tensorflow/tfjs-core';
import { singularValues } from '@lipnet/test-utils';
import {
  convExactNormBound,
  convOperatorNormBound,
  convOutputAndPadding,
  dilateKernel,
  matrixSpectralNormBound,
  operatorPowerIteration,
} from '../src';
import { explicitOperator, orthonormalRows, randomMatrix, sigmaMax } from './helpers';

describe('matrixSpectralNormBound (power iteration + Cholesky certificate)', () => {
  it.each([
    [7, 5, 1],
    [40, 12, 2],
    [6, 30, 3],
  ])('brackets σ_max of a random %i×%i matrix within 1e-6 (Jacobi SVD reference)', (r, c, seed) => {
    const a = randomMatrix(r, c, seed).flat();
    const s = singularValues(a, r, c)[0]!;
    const b = matrixSpectralNormBound(a, r, c);
    expect(b.upper).toBeGreaterThanOrEqual(s);
    expect(b.lower).toBeLessThanOrEqual(s * (1 + 1e-12));
    expect(b.upper / s).toBeLessThan(1 + 1e-6);
  });
  it('is tight on an orthogonal matrix (flat spectrum, the hard case for power iteration vectors)', () => {
    const q = orthonormalRows(16, 16, 4).flat();
    const b = matrixSpectralNormBound(q, 16, 16);
    expect(b.upper).toBeGreaterThanOrEqual(1);
    expect(b.upper).toBeLessThan(1 + 1e-6);
  });
  it('is still an upper bound when the top two singular values are nearly equal', () => {
    // diag(1, 1 − 1e-7, 0.5) rotated: power iteration cannot separate the top pair, the certificate does not need to
    const U = orthonormalRows(3, 3, 8);
    const d = [1, 1 - 1e-7, 0.5];
    const a = U.map((_, i) => U.map((__, j) => U.reduce((s, ___, k) => s + U[k]![i]! * d[k]! * U[k]![j]!, 0))).flat();
    const b = matrixSpectralNormBound(a, 3, 3);
    expect(b.upper).toBeGreaterThanOrEqual(1 - 1e-12);
    expect(b.upper).toBeLessThan(1 + 1e-6);
  });
});

describe('convolution operator norm: power iteration and Fourier bound vs the explicit operator matrix', () => {
  type Case = {
    name: string;
    H: number;
    W: number;
    cin: number;
    cout: number;
    k: [number, number];
    s: [number, number];
    d?: [number, number];
    pad: 'same' | 'valid';
  };
  const cases: Case[] = [
    { name: '3×3 same stride 1', H: 6, W: 5, cin: 2, cout: 3, k: [3, 3], s: [1, 1], pad: 'same' },
    { name: '3×3 same stride 2', H: 7, W: 6, cin: 2, cout: 3, k: [3, 3], s: [2, 2], pad: 'same' },
    { name: '2×2 same stride 2 (asymmetric padding)', H: 6, W: 6, cin: 3, cout: 2, k: [2, 2], s: [2, 2], pad: 'same' },
    { name: '3×3 valid stride 1', H: 6, W: 6, cin: 2, cout: 4, k: [3, 3], s: [1, 1], pad: 'valid' },
    { name: '3×2 valid stride (2,1)', H: 7, W: 5, cin: 2, cout: 2, k: [3, 2], s: [2, 1], pad: 'valid' },
    { name: '3×3 same dilation 2', H: 7, W: 7, cin: 1, cout: 3, k: [3, 3], s: [1, 1], d: [2, 2], pad: 'same' },
  ];
  it.each(cases)('$name', (c) => {
    const kernelVals = randomMatrix(1, c.k[0] * c.k[1] * c.cin * c.cout, c.H * 31 + c.cout)[0]!;
    const K = tf.tensor4d(kernelVals, [c.k[0], c.k[1], c.cin, c.cout]);
    const op = (x: tf.Tensor) => tf.conv2d(x as tf.Tensor4D, K, c.s, c.pad, 'NHWC', c.d ?? [1, 1]);
    const shape = [1, c.H, c.W, c.cin];
    const M = explicitOperator(op, shape);
    const exact = sigmaMax(M);
    const { outH, outW } = convOutputAndPadding({
      inH: c.H,
      inW: c.W,
      kh: c.k[0],
      kw: c.k[1],
      cin: c.cin,
      cout: c.cout,
      strides: c.s,
      dilation: c.d,
      padding: c.pad,
    });
    expect(M.rows).toBe(outH * outW * c.cout);
    // power iteration needs gradients: tfjs has none for dilated conv2d, so run the equivalent undilated kernel
    const dk = dilateKernel(kernelVals, c.k[0], c.k[1], c.cin, c.cout, ...(c.d ?? [1, 1]));
    const K1 = tf.tensor4d(dk.data, [dk.kh, dk.kw, c.cin, c.cout]);
    const pi = operatorPowerIteration((x) => tf.conv2d(x as tf.Tensor4D, K1, c.s, c.pad), shape, {
      maxIter: 500,
      tol: 1e-9,
    }).sigma;
    K1.dispose();
    expect(Math.abs(pi - exact) / exact).toBeLessThan(1e-4);
    const fb = convOperatorNormBound(kernelVals, {
      inH: c.H,
      inW: c.W,
      kh: c.k[0],
      kw: c.k[1],
      cin: c.cin,
      cout: c.cout,
      strides: c.s,
      dilation: c.d,
      padding: c.pad,
    });
    expect(fb.upper).toBeGreaterThanOrEqual(exact * (1 - 1e-6));
    expect(fb.upper / exact).toBeLessThan(1.5);
    // the banded-Cholesky certificate on the exact operator: ≥ exact, within the δ ladder (1e-5…1e-3) of the power-iteration value
    const ex = convExactNormBound(
      kernelVals,
      {
        inH: c.H,
        inW: c.W,
        kh: c.k[0],
        kw: c.k[1],
        cin: c.cin,
        cout: c.cout,
        strides: c.s,
        dilation: c.d,
        padding: c.pad,
      },
      pi,
    )!;
    expect(ex).not.toBeNull();
    expect(ex.upper).toBeGreaterThanOrEqual(exact * (1 - 1e-7));
    expect(ex.upper / exact).toBeLessThan(1 + 1e-3);
    // record the gap for the README

    console.log(
      `${c.name}: exact ${exact.toFixed(6)} power-iteration ${pi.toFixed(6)} Fourier ${fb.upper.toFixed(5)} (×${(fb.upper / exact).toFixed(4)}) banded-Cholesky ${ex.upper.toFixed(6)} (×${(ex.upper / exact).toFixed(6)})`,
    );
    K.dispose();
  });
  it('is exact for a 1×1 convolution (no spatial mixing): ‖K‖₂ of the cin×cout matrix', () => {
    const vals = randomMatrix(4, 3, 77).flat(); // [cin=4, cout=3]
    const fb = convOperatorNormBound(vals, { inH: 5, inW: 4, kh: 1, kw: 1, cin: 4, cout: 3, padding: 'same' });
    expect(fb.upper / singularValues(vals, 4, 3)[0]!).toBeCloseTo(1, 6);
  });
  it('rejects a kernel of the wrong size', () => {
    expect(() =>
      convOperatorNormBound([1, 2, 3], { inH: 4, inW: 4, kh: 3, kw: 3, cin: 1, cout: 1, padding: 'same' }),
    ).toThrow(/expected a kernel of 3×3×1×1 = 9 values, got 3/);
  });
});
