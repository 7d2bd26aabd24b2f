import { buildHkrModel } from '../src/model/hkr-model';

const values = (m: ReturnType<typeof buildHkrModel>) =>
  m.weights.map((w) => ({ name: w.originalName.replace(/_\d+\//, '/'), v: Array.from(w.read().dataSync()) }));

describe('buildHkrModel', () => {
  it('is a function of its seed: every weight, the power-iteration vectors u included', () => {
    const [a, b, c] = [buildHkrModel(3), buildHkrModel(3), buildHkrModel(4)];
    const [va, vb, vc] = [values(a), values(b), values(c)];
    const us = va.filter((w) => /\/u$/.test(w.name));
    expect(us).toHaveLength(3); // two SpectralConv2D and one SpectralDense
    va.forEach((w, i) => expect(vb[i]!.v).toEqual(w.v));
    us.forEach((u) => {
      const other = vc.find((w) => w.name === u.name)!;
      expect(other.v).not.toEqual(u.v); // another seed, other vectors
      expect(u.v.every(Number.isFinite)).toBe(true);
    });
    [a, b, c].forEach((m) => m.dispose());
  });
});
