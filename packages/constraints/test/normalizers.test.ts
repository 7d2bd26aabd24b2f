import * as tf from '@tensorflow/tfjs-core';
import { LipnetOptionError } from '@lipnet/core';
import {
  expectTensorsClose,
  singularValues,
  finiteDifferenceGradient,
  expectNoLeakedTensors,
} from '@lipnet/test-utils';
import { spectralNormalization, bjorckNormalization, reshapedKernelOrthogonalization, powerIteration } from '../src';
import fix15 from './fixtures/normalizers-1.5.json';
import fix12 from './fixtures/normalizers-1.2.json';

type Mat = number[][];
const t2 = (m: Mat) => tf.tensor2d(m);
const sv = (t: tf.Tensor) => singularValues(t.dataSync(), t.shape[0], t.shape[1]!);

describe('spectralNormalization', () => {
  it('matches deel-lip 1.5.0 (W̄, u, σ) on the fixture matrices', () => {
    for (const c of fix15.matrices) {
      const r = spectralNormalization(t2(c.w), t2(c.u));
      expectTensorsClose(r.w, c.wBar, { atol: 1e-4, rtol: 1e-4 });
      expectTensorsClose(r.u, c.uOut, { atol: 1e-4, rtol: 1e-4 });
      expectTensorsClose(r.sigma, c.sigma, { atol: 1e-4, rtol: 1e-4 });
    }
  });

  it('matches deel-lip 1.2.0 (fixed 3 iterations, W/σ)', () => {
    for (const c of fix12.matrices) {
      const r = spectralNormalization(t2(c.w), t2(c.u), { deelLipVersion: '1.2' });
      expectTensorsClose(r.w, c.wBar, { atol: 1e-4, rtol: 1e-4 });
      expectTensorsClose(r.u, c.uOut, { atol: 1e-4, rtol: 1e-4 });
      expectTensorsClose(r.sigma, c.sigma, { atol: 1e-4, rtol: 1e-4 });
    }
  });

  it('estimates σ_max of a matrix with known singular values and divides by σ + eps', () => {
    // W = diag(3, 1, 0.5) rotated: σ_max = 3.
    const q = tf.linalg.qr(tf.randomNormal([3, 3], 0, 1, 'float32', 1))[0];
    const w = tf.matMul(tf.matMul(q, tf.diag(tf.tensor1d([3, 1, 0.5]))), q, false, true) as tf.Tensor2D;
    const r = spectralNormalization(w, tf.ones([1, 3]), { maxIter: 50, eps: 1e-6 });
    expect(r.sigma.dataSync()[0]).toBeCloseTo(3, 4);
    expect(sv(r.w)[0]).toBeCloseTo(3 / (3 + 1e-6), 4);
  });

  it('stops on eps: a converged u is returned after one iteration', () => {
    const w = t2([
      [2, 0],
      [0, 1],
    ]);
    const r = spectralNormalization(w, t2([[1, 0]]));
    expectTensorsClose(r.u, [[1, 0]]);
    expectTensorsClose(r.w, [
      [2 / 2.001, 0],
      [0, 1 / 2.001],
    ]);
  });

  it('1.5: no gradient flows through u (finite differences with u held fixed)', () => {
    const w0 = tf.randomNormal([4, 3], 0, 1, 'float32', 7) as tf.Tensor2D;
    const u = powerIteration(w0, tf.ones([1, 3]), 1e-6, 200); // converged: fixed point of the iteration
    const c = tf.randomNormal([4, 3], 0, 1, 'float32', 8);
    const loss = (w: tf.Tensor) => tf.sum(tf.mul(spectralNormalization(w as tf.Tensor2D, u).w, c));
    const g = tf.grad(loss)(w0);
    // Reference: with u fixed, σ = ‖u Wᵀ‖, f(W) = Σ c·W/(σ+eps).
    const uu = u.dataSync();
    const cc = c.dataSync();
    const f = (x: Float64Array) => {
      let s2 = 0;
      for (let i = 0; i < 4; i++) {
        let d = 0;
        for (let j = 0; j < 3; j++) d += uu[j]! * x[i * 3 + j]!;
        s2 += d * d;
      }
      const s = Math.sqrt(s2) + 1e-3;
      let tot = 0;
      for (let k = 0; k < 12; k++) tot += (cc[k]! * x[k]!) / s;
      return tot;
    };
    const fd = finiteDifferenceGradient(f, w0.dataSync(), 1e-4);
    expectTensorsClose(g, Array.from(fd), { atol: 2e-3, rtol: 2e-3 });
  });

  it('1.2: the gradient of the unrolled loop matches finite differences', () => {
    const w0 = tf.randomNormal([3, 2], 0, 1, 'float32', 9) as tf.Tensor2D;
    const u = tf.tensor2d([[0.3, -0.8]]);
    const c = tf.tensor2d([
      [1, -2],
      [0.5, 1],
      [-1, 0.3],
    ]);
    const loss = (w: tf.Tensor) =>
      tf.sum(tf.mul(spectralNormalization(w as tf.Tensor2D, u, { deelLipVersion: '1.2' }).w, c));
    const g = tf.grad(loss)(w0);
    const f = (x: Float64Array) => tf.tidy(() => loss(tf.tensor2d(Array.from(x), [3, 2])).dataSync()[0]!);
    const fd = finiteDifferenceGradient(f, w0.dataSync(), 1e-2);
    expectTensorsClose(g, Array.from(fd), { atol: 5e-3, rtol: 5e-3 });
  });

  it('rejects bad shapes and options with a message naming the argument', () => {
    expect(() => spectralNormalization(tf.ones([2, 2, 2]) as unknown as tf.Tensor2D, null)).toThrow(
      /spectralNormalization.*`w`.*2-D.*\[2, 2, 2\]/,
    );
    expect(() => spectralNormalization(tf.ones([2, 3]), tf.ones([1, 2]))).toThrow(
      /`u` of shape \[1, 3\], got \[1, 2\]/,
    );
    expect(() => spectralNormalization(tf.ones([2, 3]), null, { eps: -1 })).toThrow(LipnetOptionError);
    expect(() => spectralNormalization(tf.ones([2, 3]), null, { maxIter: 0.5 })).toThrow(/`maxIter`.*integer.*0\.5/);
  });
});

describe('bjorckNormalization', () => {
  it('matches deel-lip 1.5.0 and 1.2.0', () => {
    for (const c of fix15.matrices)
      expectTensorsClose(bjorckNormalization(t2(c.wBar)), c.bjorck, { atol: 1e-4, rtol: 1e-4 });
    for (const c of fix12.matrices) {
      expectTensorsClose(bjorckNormalization(t2(c.wBar), { deelLipVersion: '1.2' }), c.bjorck, {
        atol: 1e-4,
        rtol: 1e-4,
      });
    }
  });

  it('makes all singular values ≈ 1 for tall and wide matrices (independent Jacobi SVD)', () => {
    for (const shape of [
      [40, 6],
      [6, 40],
      [16, 16],
    ] as const) {
      const w = tf.randomNormal([...shape], 0, 1, 'float32', 3) as tf.Tensor2D;
      const sn = spectralNormalization(w, null);
      const o = bjorckNormalization(sn.w, { eps: 1e-6, maxIter: 100 });
      for (const s of sv(o)) expect(Math.abs(s - 1)).toBeLessThan(1e-3);
    }
  });

  it('gradient through the eps-stopped loop matches finite differences', () => {
    const w0 = tf.mul(0.5, tf.randomNormal([4, 3], 0, 1, 'float32', 11)) as tf.Tensor2D;
    const c = tf.randomNormal([4, 3], 0, 1, 'float32', 12);
    // eps small enough that the iteration count is the same at w ± h (maxIter reached).
    const opts = { eps: 1e-9, maxIter: 6 };
    const loss = (w: tf.Tensor) => tf.sum(tf.mul(bjorckNormalization(w as tf.Tensor2D, opts), c));
    const g = tf.grad(loss)(w0);
    const f = (x: Float64Array) => tf.tidy(() => loss(tf.tensor2d(Array.from(x), [4, 3])).dataSync()[0]!);
    const fd = finiteDifferenceGradient(f, w0.dataSync(), 1e-2);
    expectTensorsClose(g, Array.from(fd), { atol: 5e-3, rtol: 5e-3 });
  });

  it('rejects β outside (0, 0.5]', () => {
    expect(() => bjorckNormalization(tf.eye(2), { beta: 0.7 })).toThrow(
      /`beta` to be a number in \(0, 0\.5\], got 0\.7\. Pass 0\.5/,
    );
  });
});

describe('reshapedKernelOrthogonalization', () => {
  it('matches deel-lip 1.5.0 and 1.2.0 on conv and dense kernels', () => {
    for (const [fix, version] of [
      [fix15, '1.5'],
      [fix12, '1.2'],
    ] as const) {
      for (const c of fix.rko) {
        const k = tf.tensor((c.kernel as unknown[]).flat(3) as number[], c.shape);
        const r = reshapedKernelOrthogonalization(k, t2(c.u), { adjustmentCoef: c.coef, deelLipVersion: version });
        expect(r.w.shape).toEqual(c.shape);
        expectTensorsClose(r.w, (c.w as unknown[]).flat(3) as number[], { atol: 1e-4, rtol: 1e-4 });
        expectTensorsClose(r.u, c.uOut, { atol: 1e-4, rtol: 1e-4 });
      }
    }
  });

  it('σ_max of the reshaped result ≤ coef·(1+1e-3) (Jacobi SVD)', () => {
    const k = tf.randomNormal([3, 3, 8, 16], 0, 1, 'float32', 5);
    const r = reshapedKernelOrthogonalization(k, null, { adjustmentCoef: 0.7 });
    const s = singularValues(r.w.dataSync(), 72, 16);
    expect(s[0]!).toBeLessThanOrEqual(0.7 * (1 + 1e-3));
    expect(s[15]!).toBeGreaterThan(0.7 * 0.98); // orthogonal, not just bounded
  });

  it('maxIterBjorck: 0 gives spectral normalisation only', () => {
    const k = tf.randomNormal([12, 4], 0, 1, 'float32', 6);
    const r = reshapedKernelOrthogonalization(k, null, { maxIterBjorck: 0, maxIterSpectral: 100, epsSpectral: 1e-6 });
    const s = singularValues(r.w.dataSync(), 12, 4);
    expect(s[0]!).toBeCloseTo(1, 4);
    expect(s[3]!).toBeLessThan(0.9);
  });

  it('rejects options of the other deel-lip version, and bad versions', () => {
    const k = tf.ones([2, 2]);
    expect(() => reshapedKernelOrthogonalization(k, null, { niterSpectral: 3 })).toThrow(
      /`niterSpectral` \(3\) only applies with deelLipVersion '1\.2'/,
    );
    expect(() => reshapedKernelOrthogonalization(k, null, { deelLipVersion: '1.2', epsBjorck: 1e-3 })).toThrow(
      /`epsBjorck`.*'1\.5'/,
    );
    expect(() => reshapedKernelOrthogonalization(k, null, { deelLipVersion: '2' as '1.5' })).toThrow(
      /`deelLipVersion`.*got '2'/,
    );
  });

  it('leaks no tensor', async () => {
    const k = tf.randomNormal([3, 3, 2, 4]);
    const u = tf.randomNormal([1, 4]) as tf.Tensor2D;
    await expectNoLeakedTensors(() => {
      const r = reshapedKernelOrthogonalization(k, u);
      r.u.dispose();
      r.sigma.dispose();
      return r.w;
    });
    await expectNoLeakedTensors(() => tf.grad((x: tf.Tensor) => tf.sum(reshapedKernelOrthogonalization(x, u).w))(k));
  });
});
