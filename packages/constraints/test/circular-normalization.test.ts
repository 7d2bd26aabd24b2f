import * as tf from '@tensorflow/tfjs-core';
import { explicitOperatorNorm, expectNoLeakedTensors } from '@lipnet/test-utils';
import {
  circularBlockPowerIteration,
  circularNormalization,
  circularSpectrum,
  convMaps,
  convOperatorNormBound,
  type Conv2DGeometry,
} from '../src';

const geometry = (o: Partial<Conv2DGeometry>): Conv2DGeometry => ({
  inH: 6,
  inW: 6,
  kh: 3,
  kw: 3,
  cin: 2,
  cout: 3,
  padding: 'circular',
  ...o,
});

const CASES: [string, Conv2DGeometry][] = [
  ['3×3, 6×6×2 → 3', geometry({})],
  ['3×3 strides 2, 6×6×2 → 3', geometry({ strides: [2, 2] })],
  ['3×3 strides [2, 3], 6×6×2 → 5', geometry({ strides: [2, 3], cout: 5 })],
  ['3×3 dilation 2, 7×6×2 → 2', geometry({ inH: 7, dilation: [2, 2], cout: 2 })],
  ['1-D k=5, 1×12×3 → 4', geometry({ inH: 1, inW: 12, kh: 1, kw: 5, cin: 3, cout: 4 })],
];

/** ‖A‖₂ of the convolution as an explicit matrix (float64 SVD). */
function svd(g: Conv2DGeometry, k: tf.Tensor): number {
  const f = convMaps(g).forward;
  return explicitOperatorNorm((x) => f(x, k), [1, g.inH, g.inW, g.cin]);
}

describe('circularSpectrum: the DFT blocks of a circular convolution', () => {
  it.each(CASES)('%s: max over the blocks of σ_max = the explicit operator norm', (_n, g) => {
    const k = tf.randomNormal([g.kh, g.kw, g.cin, g.cout], 0, 1, 'float32', 3);
    const sp = circularSpectrum(g)!;
    const v0 = tf.randomNormal([sp.frequencies, 2, sp.m], 0, 1, 'float32', 4);
    const r = circularBlockPowerIteration(sp, k, v0, 1e-7, 2000);
    const exact = svd(g, k);
    expect(Math.abs(r.sigma - exact)).toBeLessThanOrEqual(2e-5 * exact);
    // the certified Fourier bound uses the same blocks: equal too
    expect(convOperatorNormBound(k.dataSync(), g).upper).toBeCloseTo(exact, 4);
    tf.dispose([k, v0, r.v]);
  });

  it('is null where the blocks only bound the norm: other paddings, strides not dividing the size', () => {
    expect(circularSpectrum(geometry({ padding: 'same' }))).toBeNull();
    expect(circularSpectrum(geometry({ padding: 'reflect' }))).toBeNull();
    expect(circularSpectrum(geometry({ inW: 7, strides: [2, 2] }))).toBeNull();
  });

  it('an even kernel extent wraps one pixel too many: no spectrum, and the certified bound still holds', () => {
    // 2×4 on 5×8: outputs 6×9, one row and one column copies of others
    const g = geometry({ inH: 5, inW: 8, kh: 2, kw: 4, cin: 3, cout: 2 });
    expect(circularSpectrum(g)).toBeNull();
    const k = tf.randomNormal([2, 4, 3, 2], 0, 1, 'float32', 3);
    const exact = svd(g, k);
    const bound = convOperatorNormBound(k.dataSync(), g);
    expect(bound.upper).toBeGreaterThanOrEqual(exact); // was 7.88 < 12.54 when taken for a circular convolution
    expect(bound.paddingFactor).toBe(2);
    k.dispose();
  });
});

describe('circularNormalization', () => {
  it('W̄ = W/(σ̂(1 + margin)) has norm 1/(1 + margin) after a warm start, and misses no frequency after a jump', () => {
    const g = geometry({ cout: 4 });
    const sp = circularSpectrum(g)!;
    let v: tf.Tensor = tf.randomNormal([sp.frequencies, 2, sp.m], 0, 1, 'float32', 5);
    for (let seed = 10; seed < 16; seed++) {
      // each kernel a fresh draw: the top frequency moves, the stored vectors are those of the last kernel
      const k = tf.randomNormal([3, 3, 2, 4], 0, 1, 'float32', seed);
      const r = circularNormalization(k, v, sp, { eps: 1e-6, maxIter: 200, margin: 1e-3 });
      expect(svd(g, r.w)).toBeCloseTo(1 / 1.001, 5);
      v.dispose();
      v = r.u;
      tf.dispose([k, r.w, r.sigma]);
    }
    v.dispose();
  });

  it('σ̂ is differentiable in the kernel: the gradient matches a finite difference', () => {
    const g = geometry({});
    const sp = circularSpectrum(g)!;
    const k = tf.randomNormal([3, 3, 2, 3], 0, 1, 'float32', 21);
    const v = circularBlockPowerIteration(sp, k, tf.ones([sp.frequencies, 2, sp.m]), 1e-7, 2000).v;
    const sigma = (w: tf.Tensor) => tf.sum(circularNormalization(w, v, sp, { maxIter: 1, margin: 0 }).sigma);
    const grad = tf.grad(sigma)(k);
    const dir = tf.randomNormal(k.shape, 0, 1, 'float32', 22);
    const h = 1e-2;
    const fd =
      (sigma(tf.add(k, tf.mul(dir, h))).dataSync()[0]! - sigma(tf.sub(k, tf.mul(dir, h))).dataSync()[0]!) / (2 * h);
    const analytic = tf.sum(tf.mul(grad, dir)).dataSync()[0]!;
    expect(Math.abs(analytic - fd)).toBeLessThanOrEqual(2e-2 * Math.abs(fd));
  });

  it('refuses a wrong kernel, wrong vectors and bad options, naming them', () => {
    const sp = circularSpectrum(geometry({}))!;
    const k = tf.randomNormal([3, 3, 2, 3]);
    const v = tf.randomNormal([sp.frequencies, 2, sp.m]);
    const call =
      (kk: unknown, vv: unknown, o: object = {}) =>
      () =>
        circularNormalization(kk as tf.Tensor, vv as tf.Tensor, sp, o);
    expect(call(tf.zeros([3, 3, 2, 4]), v)).toThrow(/circularNormalization.*`?w`?.*shape \[3, ?3, ?2, ?3\]/s);
    expect(call(tf.zeros([3, 3, 2, 3], 'int32'), v)).toThrow(/circularNormalization.*w.*float32/s);
    expect(call(k, tf.zeros([sp.frequencies, 2, sp.m + 1]))).toThrow(/circularNormalization.*v.*frequencies, 2/s);
    expect(call(k, [1, 2, 3])).toThrow(/circularNormalization.*v.*tf\.Tensor/s);
    expect(call(k, v, { epss: 1e-5 })).toThrow(/epss.*eps/s);
    expect(call(k, v, { margin: NaN })).toThrow(/margin/);
    expect(() => circularBlockPowerIteration(sp, k, v, NaN, 10)).toThrow(/circularBlockPowerIteration.*eps/s);
    expect(() => circularBlockPowerIteration(sp, k, v, 1e-5, 0)).toThrow(/circularBlockPowerIteration.*maxIter/s);
    tf.dispose([k, v]);
  });

  it('leaks no tensors', async () => {
    const g = geometry({ strides: [2, 2] });
    const sp = circularSpectrum(g)!;
    const k = tf.randomNormal([3, 3, 2, 3]);
    const v = tf.randomNormal([sp.frequencies, 2, sp.m]);
    await expectNoLeakedTensors(() => {
      const r = circularNormalization(k, v, sp);
      tf.dispose([r.w, r.u, r.sigma]);
    });
  });
});
