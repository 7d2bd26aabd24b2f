import { convLipschitzCoefficient } from '../src';
import fix15 from './fixtures/normalizers-1.5.json';
import fix12 from './fixtures/normalizers-1.2.json';

describe('convLipschitzCoefficient', () => {
  it('reproduces the values table of the notes (§1.4)', () => {
    const c = (k: number, s: number, n: number, v: '1.5' | '1.2' = '1.5') =>
      convLipschitzCoefficient({ kernelSize: [k, k], strides: [s, s], inputSize: [n, n], deelLipVersion: v });
    expect(c(3, 1, 28)).toBeCloseTo(28 / 82, 6);
    expect(c(3, 1, 14)).toBeCloseTo(0.35, 6);
    expect(c(3, 1, 7)).toBeCloseTo(0.368421, 6);
    expect(c(3, 1, 5)).toBeCloseTo(0.384615, 6);
    expect(c(5, 1, 5)).toBeCloseTo(0.263158, 6);
    expect(c(3, 2, 28)).toBeCloseTo(0.5, 6);
    expect(c(3, 2, 28, '1.2')).toBeCloseTo(0.682927, 6);
    expect(c(5, 2, 28)).toBeCloseTo(1 / 3, 6);
    expect(c(5, 2, 28, '1.2')).toBeCloseTo(0.41791, 5);
  });

  it('equals deel-lip 1.5.0 and 1.2.0 on every fixture case', () => {
    for (const [fix, v] of [
      [fix15, '1.5'],
      [fix12, '1.2'],
    ] as const) {
      for (const f of fix.convCoef) {
        const got = convLipschitzCoefficient({
          kernelSize: [f.kernel, f.kernel],
          strides: [f.stride, f.stride],
          inputSize: [f.size, f.size],
          deelLipVersion: v,
        });
        expect(got).toBeCloseTo(f.coef, 10);
      }
    }
  });

  it("'strict' is 1/√(⌈kh/sh⌉⌈kw/sw⌉) at every stride", () => {
    expect(convLipschitzCoefficient({ kernelSize: [3, 3], mode: 'strict' })).toBeCloseTo(1 / 3, 10);
    expect(convLipschitzCoefficient({ kernelSize: [3, 5], strides: [2, 2], mode: 'strict' })).toBeCloseTo(
      Math.sqrt(1 / 6),
      10,
    );
  });

  it('errors name the argument and the fix', () => {
    expect(() => convLipschitzCoefficient({ kernelSize: [0, 3] })).toThrow(
      /`kernelSize`.*\[0, 3\].*Pass e\.g\. \[3, 3\]/,
    );
    expect(() => convLipschitzCoefficient({ kernelSize: [3, 3] })).toThrow(/`inputSize` is required/);
    expect(() => convLipschitzCoefficient({ kernelSize: [3, 3], mode: 'loose' as 'strict' })).toThrow(
      /`mode`.*'loose'/,
    );
  });
});
