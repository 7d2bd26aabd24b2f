import * as tf from '@tensorflow/tfjs-core';
import { checkCertificates } from '../src';

describe('checkCertificates', () => {
  it('counts respected certificates, the tightest ratio and lists violations with their index', () => {
    const r = checkCertificates([0.2, 0.5, 0.1, 0, 0.3], [1.0, 0.4, 0.15, 0.05, Infinity]);
    expect(r.total).toBe(5);
    expect(r.respected).toBe(4);
    expect(r.unattacked).toBe(1);
    expect(r.violations).toEqual([{ index: 1, certificate: 0.5, distance: expect.closeTo(0.4, 12) as number }]);
    expect(r.tightestRatio).toBeCloseTo(0.8, 12); // sample 1: 0.4/0.5
    expect(r.tightestIndex).toBe(1);
    expect(r.toString()).toMatch(
      /respected: 4\/5 \(1 without adversarial example\)[\s\S]*sample 1: certificate 0\.500000 > distance 0\.400000/,
    );
  });
  it('accepts tensors, a tolerance, and reports no violation when every certificate holds', () => {
    const c = tf.tensor1d([0.2, 0.4]);
    const d = tf.tensor1d([0.3, 0.399]);
    expect(checkCertificates(c, d).violations.map((v) => v.index)).toEqual([1]);
    const ok = checkCertificates(c, d, { tolerance: 0.01 });
    expect(ok.violations).toEqual([]);
    expect(ok.tightestRatio).toBeCloseTo(0.399 / 0.4, 6);
    expect(ok.toString()).toMatch(/violations: none/);
    tf.dispose([c, d]);
  });
  it('rejects mismatched lengths', () => {
    expect(() => checkCertificates([1, 2], [1])).toThrow(
      /`certificates` has 2 values but `adversarialDistances` has 1/,
    );
  });
});
