import * as tf from '@tensorflow/tfjs-core';
import {
  expectNoLeakedTensors,
  expectTensorsClose,
  explicitOperatorNorm,
  finiteDifferenceGradient,
  singularValues,
} from '@lipnet/test-utils';
import { LipnetOptionError } from '@lipnet/core';
import {
  conv2dOperator,
  lanczosOperatorNorm,
  operatorNormalization,
  resolveOperatorNormalizationOptions,
  tridiagonalTopEigen,
  withoutGradient,
} from '../src';

type Geometry = { shape: [number, number, number, number]; cout: number; k: [number, number]; s: [number, number] };
const geometries: Geometry[] = [
  { shape: [1, 6, 5, 2], cout: 3, k: [3, 3], s: [1, 1] },
  { shape: [1, 7, 7, 2], cout: 4, k: [3, 3], s: [2, 2] },
  { shape: [1, 6, 6, 3], cout: 2, k: [5, 3], s: [2, 1] },
];
const kernelOf = (g: Geometry, seed: number) =>
  tf.randomNormal([g.k[0], g.k[1], g.shape[3], g.cout], 0, 1, 'float32', seed) as tf.Tensor4D;

describe('tridiagonalTopEigen', () => {
  it('gives the top eigenpair of a random symmetric tridiagonal matrix (residual and Jacobi SVD of the dense matrix)', () => {
    const alpha = [4, 1, 3, 2.5, -1, 0.5];
    const beta = [0.7, -1.2, 0.3, 2, 0.9];
    const { theta, y } = tridiagonalTopEigen(alpha, beta);
    const k = alpha.length;
    const T = (i: number, j: number) => (i === j ? alpha[i]! : Math.abs(i - j) === 1 ? beta[Math.min(i, j)]! : 0);
    for (let i = 0; i < k; i++) {
      let s = 0;
      for (let j = 0; j < k; j++) s += T(i, j) * y[j]!;
      expect(Math.abs(s - theta * y[i]!)).toBeLessThan(1e-10);
    }
    // T + 10·I is positive definite, so its largest singular value is the largest eigenvalue + 10
    const dense = Array.from({ length: k * k }, (_, p) => T(Math.floor(p / k), p % k) + (p % (k + 1) === 0 ? 10 : 0));
    expect(theta + 10).toBeCloseTo(singularValues(dense, k, k)[0]!, 10);
  });
});

describe('conv2dOperator and lanczosOperatorNorm', () => {
  it.each(geometries)('adjoint: ⟨A x, y⟩ = ⟨x, Aᵀ y⟩ for $k kernel, strides $s on $shape', (g) => {
    const op = conv2dOperator(g.shape, g.s, 'same');
    const w = kernelOf(g, 1);
    tf.tidy(() => {
      const x = tf.randomNormal(g.shape, 0, 1, 'float32', 2);
      const ax = op.forward(x, w);
      const y = tf.randomNormal(ax.shape, 0, 1, 'float32', 3);
      const lhs = tf.sum(tf.mul(ax, y)).dataSync()[0]!;
      const rhs = tf.sum(tf.mul(x, op.adjoint(y, w))).dataSync()[0]!;
      expect(Math.abs(lhs - rhs)).toBeLessThan(1e-5 * (1 + Math.abs(lhs)));
    });
    w.dispose();
  });

  it.each(geometries)('estimates ‖A‖₂ of $k, strides $s on $shape from below, within 1e-6 of the explicit SVD', (g) => {
    const w = kernelOf(g, 4);
    const exact = explicitOperatorNorm((x) => tf.conv2d(x as tf.Tensor4D, w, g.s, 'same'), g.shape);
    const v0 = tf.randomNormal(g.shape, 0, 1, 'float32', 5);
    const r = lanczosOperatorNorm(conv2dOperator(g.shape, g.s, 'same'), w, v0, 1e-7, 200);
    expect(r.sigma).toBeLessThanOrEqual(exact * (1 + 1e-6));
    expect(r.sigma).toBeGreaterThan(exact * (1 - 1e-6));
    expect(r.steps).toBeLessThan(60);
    // restarted from its own converged vector, it stops after one step
    const again = lanczosOperatorNorm(conv2dOperator(g.shape, g.s, 'same'), w, r.v, 1e-5, 200);
    expect(again.steps).toBe(1);
    tf.dispose([w, v0, r.v, again.v]);
  });
});

describe('operatorNormalization', () => {
  const g = geometries[1]!;
  const op = conv2dOperator(g.shape, g.s, 'same');

  it('W̄ = W/(σ̂(1 + margin)): its operator norm is 1/(1 + margin) (SVD), and σ̂ is the norm of W', () => {
    const w = kernelOf(g, 6);
    const exact = explicitOperatorNorm((x) => tf.conv2d(x as tf.Tensor4D, w, g.s, 'same'), g.shape);
    const r = operatorNormalization(w, tf.randomNormal(g.shape, 0, 1, 'float32', 7), op, {
      maxIter: 200,
      margin: 1e-3,
    });
    expect(r.sigma.dataSync()[0]!).toBeCloseTo(exact, 4);
    const normalized = explicitOperatorNorm(
      (x) => tf.conv2d(x as tf.Tensor4D, r.w as tf.Tensor4D, g.s, 'same'),
      g.shape,
    );
    expect(Math.abs(normalized - 1 / 1.001)).toBeLessThan(1e-5);
    expect(r.u.shape).toEqual(g.shape);
    tf.dispose([w, r.w, r.u, r.sigma]);
  });

  it('its gradient (through σ̂ and W, not the vector) matches finite differences', () => {
    const w0 = kernelOf(g, 8);
    const c = tf.randomNormal(w0.shape, 0, 1, 'float32', 9);
    const v = operatorNormalization(w0, tf.randomNormal(g.shape, 0, 1, 'float32', 10), op, { maxIter: 200 }).u;
    const loss = (w: tf.Tensor) => tf.sum(tf.mul(operatorNormalization(w, v, op, { eps: 1e-7 }).w, c)) as tf.Scalar;
    const grad = tf.grad(loss)(w0);
    // with the vector fixed at the converged one: σ̂ is stationary in it, so this is the function's derivative
    const fixed = (flat: Float64Array) =>
      tf.tidy(() => {
        const w = tf.tensor(Float32Array.from(flat), w0.shape);
        const s = tf.norm(op.forward(v, w));
        return tf.sum(tf.mul(tf.div(w, tf.mul(s, 1.001)), c)).dataSync()[0]!;
      });
    const fd = finiteDifferenceGradient(fixed, w0.dataSync(), 1e-3);
    expectTensorsClose(grad, Array.from(fd), { atol: 2e-3, rtol: 2e-3 });
    tf.dispose([w0, c, v, grad]);
  });

  it('validates its options, naming them', () => {
    expect(() => resolveOperatorNormalizationOptions('f', { margin: 1 })).toThrow(
      /f: expected `margin` to be a number in \[0, 1\), got 1\. Pass e\.g\. 1e-3\./,
    );
    expect(() =>
      resolveOperatorNormalizationOptions('f', { eps: -1 }, { eps: 'epsConvNorm', maxIter: 'm', margin: 'n' }),
    ).toThrow(/`epsConvNorm` to be a finite number ≥ 0, got -1/);
    expect(() => resolveOperatorNormalizationOptions('f', { maxIter: 1.5 })).toThrow(LipnetOptionError);
  });

  it('leaks no tensor', async () => {
    const w = kernelOf(g, 11);
    const v = tf.randomNormal(g.shape);
    await expectNoLeakedTensors(() => {
      const r = operatorNormalization(w, v, op);
      return [r.w, r.u, r.sigma];
    });
    tf.dispose([w, v]);
  });
});

describe('withoutGradient', () => {
  it('gives zero gradients without reading its inputs at backprop time (input released, variable rewritten)', async () => {
    // d/dw Σ(w + stop(w²)) = 1 everywhere; the stopped branch's inputs are gone when the tape runs
    // backwards: one released (what a memory-frugal backward pass does), one a rewritten variable.
    const w = tf.variable(tf.tensor1d([0.5, -2, 3]));
    const u = tf.variable(tf.tensor1d([1, 1, 1]));
    let out: { value: tf.Scalar; grads: tf.NamedTensorMap } | undefined;
    // tfjs-node's ZerosLike reads its input's data (a released input throws there; the cpu kernel
    // only looks at the shape), so no kernel may take the stopped inputs during the backward pass.
    const profile = await tf.profile(() => {
      out = tf.variableGrads(() => {
        const t = tf.mul(w, 1);
        const y = withoutGradient((a, b) => tf.mul(tf.square(a), b), t, u);
        t.dispose();
        u.assign(tf.tensor1d([2, 2, 2]));
        return tf.sum(tf.add(w, y));
      }, [w]);
    });
    const { value, grads } = out!;
    expect(profile.kernelNames).not.toContain('ZerosLike');
    expect(value.dataSync()[0]).toBeCloseTo(0.5 - 2 + 3 + 0.25 + 4 + 9, 5);
    expect(Array.from(grads[w.name]!.dataSync())).toEqual([1, 1, 1]);
    tf.dispose([value, grads[w.name]!, w, u]);
  });
});
