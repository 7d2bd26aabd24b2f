import { singularValues } from '../src/svd';
import { finiteDifferenceGradient } from '../src/finite-differences';

describe('singularValues', () => {
  it('recovers the singular values of a matrix built from a known SVD', () => {
    // A = Q1 · diag(3, 2, 0.5) · Q2ᵀ with Q1 (4×3) and Q2 (3×3) orthonormal (rotations).
    const c = Math.cos(0.7),
      s = Math.sin(0.7);
    const q2 = [
      [c, -s, 0],
      [s, c, 0],
      [0, 0, 1],
    ];
    const q1 = [
      [1, 0, 0],
      [0, c, -s],
      [0, s, c],
      [0, 0, 0],
    ];
    const d = [3, 2, 0.5];
    const a: number[] = [];
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 3; j++) {
        let v = 0;
        for (let k = 0; k < 3; k++) v += q1[i]![k]! * d[k]! * q2[j]![k]!;
        a.push(v);
      }
    const sv = singularValues(a, 4, 3);
    expect(sv[0]).toBeCloseTo(3, 10);
    expect(sv[1]).toBeCloseTo(2, 10);
    expect(sv[2]).toBeCloseTo(0.5, 10);
    // Wide matrix: the transpose has the same singular values.
    const at: number[] = [];
    for (let j = 0; j < 3; j++) for (let i = 0; i < 4; i++) at.push(a[i * 3 + j]!);
    expect(singularValues(at, 3, 4)[0]).toBeCloseTo(3, 10);
  });
  it('rejects a size that does not match the shape', () => {
    expect(() => singularValues([1, 2, 3], 2, 2)).toThrow(/3 values for a 2×2/);
  });
});

describe('finiteDifferenceGradient', () => {
  it('matches the analytic gradient of a cubic', () => {
    const g = finiteDifferenceGradient((x) => x[0]! ** 3 + 2 * x[0]! * x[1]!, [1.5, -2], 1e-4);
    expect(g[0]).toBeCloseTo(3 * 1.5 ** 2 + 2 * -2, 6);
    expect(g[1]).toBeCloseTo(3, 6);
  });
});
