import * as tf from '@tensorflow/tfjs-core';
import { expectNoLeakedTensors, expectTensorsClose, explicitOperator, singularValues } from '@lipnet/test-utils';
import { LipnetInputError, LipnetOptionError } from '@lipnet/core';
import {
  axisReadCounts,
  certifiedConvNorm,
  convAxis,
  convExactNormBound,
  convMaps,
  convOperatorNormBound,
  strictConvCoefficient,
  strictTransposedConvCoefficient,
  type Conv2DGeometry,
  type ConvPadding,
} from '../src';

/**
 * Reference padding of one axis written the way the Python libraries do it (slices and flips of the array,
 * numpy.pad's definitions), independent of `axisSource`: returns the padded list of input indices (−1 = zero).
 */
function referencePad(n: number, p: number, mode: ConvPadding): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  const before: number[] = {
    constant: Array<number>(p).fill(-1),
    reflect: idx.slice(1, p + 1).reverse(),
    symmetric: idx.slice(0, p).reverse(),
    replicate: Array<number>(p).fill(0),
    circular: idx.slice(n - p),
  }[mode as 'constant'];
  const after: number[] = {
    constant: Array<number>(p).fill(-1),
    reflect: idx.slice(n - 1 - p, n - 1).reverse(),
    symmetric: idx.slice(n - p).reverse(),
    replicate: Array<number>(p).fill(n - 1),
    circular: idx.slice(0, p),
  }[mode as 'constant'];
  return [...before, ...idx, ...after];
}

/** Plain-loop convolution of a [1, H, W, C] input after explicit padding by `referencePad`, then 'valid'. */
function referenceConv(x: Float32Array, g: Conv2DGeometry, kernel: Float32Array): Float32Array {
  const [sh, sw] = g.strides ?? [1, 1];
  const [dh, dw] = g.dilation ?? [1, 1];
  const ph = Math.floor(((g.kh - 1) * dh + 1) / 2);
  const pw = Math.floor(((g.kw - 1) * dw + 1) / 2);
  const rows = referencePad(g.inH, ph, g.padding);
  const cols = referencePad(g.inW, pw, g.padding);
  const outH = Math.floor((rows.length - (g.kh - 1) * dh - 1) / sh) + 1;
  const outW = Math.floor((cols.length - (g.kw - 1) * dw - 1) / sw) + 1;
  const y = new Float32Array(outH * outW * g.cout);
  for (let i = 0; i < outH; i++)
    for (let j = 0; j < outW; j++)
      for (let a = 0; a < g.kh; a++)
        for (let b = 0; b < g.kw; b++) {
          const r = rows[i * sh + a * dh]!;
          const c = cols[j * sw + b * dw]!;
          if (r < 0 || c < 0) continue;
          for (let ci = 0; ci < g.cin; ci++)
            for (let o = 0; o < g.cout; o++)
              y[(i * outW + j) * g.cout + o]! +=
                x[(r * g.inW + c) * g.cin + ci]! * kernel[((a * g.kw + b) * g.cin + ci) * g.cout + o]!;
        }
  return y;
}

const EXPLICIT: ConvPadding[] = ['constant', 'reflect', 'symmetric', 'replicate', 'circular'];
type Case = { inH: number; inW: number; k: [number, number]; s: [number, number]; d: [number, number] };
const GEOMETRIES: Case[] = [
  { inH: 5, inW: 6, k: [3, 3], s: [1, 1], d: [1, 1] },
  { inH: 7, inW: 6, k: [3, 5], s: [2, 2], d: [1, 1] },
  { inH: 7, inW: 7, k: [3, 3], s: [1, 1], d: [2, 2] },
  { inH: 1, inW: 9, k: [1, 5], s: [1, 2], d: [1, 1] },
];
const geometry = (c: Case, padding: ConvPadding, cin = 2, cout = 3): Conv2DGeometry => ({
  inH: c.inH,
  inW: c.inW,
  kh: c.k[0],
  kw: c.k[1],
  cin,
  cout,
  strides: c.s,
  dilation: c.d,
  padding,
});
const random = (n: number, seed: number) => tf.randomNormal([n], 0, 1, 'float32', seed).dataSync() as Float32Array;

describe('convMaps: the padded convolutions as tfjs ops', () => {
  it.each(EXPLICIT.flatMap((p) => GEOMETRIES.map((c) => [p, c] as const)))(
    "'%s' %j: forward equals the plain-loop convolution of the numpy-style padded input",
    (padding, c) => {
      const g = geometry(c, padding);
      const x = random(g.inH * g.inW * g.cin, 1);
      const k = random(g.kh * g.kw * g.cin * g.cout, 2);
      const y = tf.tidy(() =>
        convMaps(g).forward(tf.tensor4d(x, [1, g.inH, g.inW, g.cin]), tf.tensor4d(k, [g.kh, g.kw, g.cin, g.cout])),
      );
      expectTensorsClose(y.dataSync() as Float32Array, referenceConv(x, g, k), { atol: 1e-5 });
      y.dispose();
    },
  );

  it.each(['same', 'valid'] as const)("'%s' is tf.conv2d itself (dilation through the spread kernel)", (padding) => {
    const c = GEOMETRIES[2]!;
    const g = geometry(c, padding);
    tf.tidy(() => {
      const x = tf.randomNormal([2, g.inH, g.inW, g.cin], 0, 1, 'float32', 3) as tf.Tensor4D;
      const k = tf.randomNormal([3, 3, g.cin, g.cout], 0, 1, 'float32', 4) as tf.Tensor4D;
      expectTensorsClose(convMaps(g).forward(x, k), tf.conv2d(x, k, 1, padding, 'NHWC', c.d), { atol: 1e-5 });
    });
  });

  it.each([...EXPLICIT, 'same', 'valid'].flatMap((p) => GEOMETRIES.map((c) => [p as ConvPadding, c] as const)))(
    "'%s' %j: the adjoint satisfies ⟨A x, y⟩ = ⟨x, Aᵀ y⟩, and tf.grad of the forward agrees",
    (padding, c) => {
      const g = geometry(c, padding);
      const m = convMaps(g);
      tf.tidy(() => {
        const k = tf.randomNormal([g.kh, g.kw, g.cin, g.cout], 0, 1, 'float32', 5);
        const x = tf.randomNormal([2, g.inH, g.inW, g.cin], 0, 1, 'float32', 6);
        const ax = m.forward(x, k);
        const y = tf.randomNormal(ax.shape, 0, 1, 'float32', 7);
        const aty = m.adjoint(y, k);
        const lhs = tf.sum(tf.mul(ax, y)).dataSync()[0]!;
        const rhs = tf.sum(tf.mul(x, aty)).dataSync()[0]!;
        expect(Math.abs(lhs - rhs)).toBeLessThan(1e-4 * (1 + Math.abs(lhs)));
        expectTensorsClose(aty, tf.grad((v) => tf.sum(tf.mul(m.forward(v, k), y)))(x), { atol: 1e-4 });
        // the kernel gradient flows (the 'exact' normaliser differentiates σ = ‖A_W v‖ in W)
        const gk = tf.grad((kk) => tf.sum(tf.mul(m.forward(x, kk), y)))(k);
        expect(tf.norm(gk).dataSync()[0]).toBeGreaterThan(0);
      });
    },
  );

  it('leaks no tensors (forward, adjoint, gradient)', async () => {
    const g = geometry(GEOMETRIES[1]!, 'reflect');
    const m = convMaps(g);
    const k = tf.randomNormal([g.kh, g.kw, g.cin, g.cout]);
    const x = tf.randomNormal([1, g.inH, g.inW, g.cin]);
    await expectNoLeakedTensors(() => {
      const y = m.forward(x, k);
      tf.dispose([y, m.adjoint(y, k), tf.grad((v) => tf.sum(m.forward(v, k)))(x)]);
    });
    tf.dispose([k, x]);
  });

  it('refuses inputs too small for the padding mode, and unknown modes, naming them', () => {
    expect(() => convAxis(1, 3, 1, 1, 'reflect')).toThrow(/'reflect' padding of 1 pixels needs an input of at least 2/);
    expect(() => convAxis(1, 3, 1, 1, 'reflect')).toThrow(LipnetInputError);
    expect(() => convAxis(2, 7, 1, 1, 'circular')).toThrow(/'circular' padding of 3 pixels/);
    expect(() => convAxis(2, 5, 1, 1, 'valid')).toThrow(/smaller than the kernel's extent 5/);
    expect(() => convAxis(5, 3, 1, 1, 'zeros' as ConvPadding)).toThrow(LipnetOptionError);
  });
});

/** ‖A‖₂ of a geometry and kernel: Jacobi SVD of the explicit matrix of `convMaps(g).forward`. */
function svdNorm(g: Conv2DGeometry, k: Float32Array): number {
  const kt = tf.tensor4d(k, [g.kh, g.kw, g.cin, g.cout]);
  const m = explicitOperator((x) => convMaps(g).forward(x, kt), [1, g.inH, g.inW, g.cin]);
  kt.dispose();
  return singularValues(m.data, m.rows, m.cols)[0]!;
}

/** A kernel whose (kh·kw·cin) × cout reshape has orthonormal rows or columns (QR of a random matrix). */
function orthonormalKernel(rows: number, cols: number, seed: number): Float32Array {
  return tf.tidy(() => {
    const a = tf.randomNormal([Math.max(rows, cols), Math.min(rows, cols)], 0, 1, 'float32', seed) as tf.Tensor2D;
    const [q] = tf.linalg.qr(a);
    return (rows >= cols ? q : tf.transpose(q)).dataSync() as Float32Array;
  });
}

describe('strictConvCoefficient: proven for every padding mode', () => {
  it('counts reads along an axis: zero padding ⌈k/s⌉, reflect k + 1 next to the border, symmetric/circular k', () => {
    const max = (p: ConvPadding, k = 3, s = 1, n = 6) => Math.max(...axisReadCounts(convAxis(n, k, s, 1, p)));
    expect([max('constant'), max('reflect'), max('symmetric'), max('replicate'), max('circular')]).toEqual([
      3, 4, 3, 3, 3,
    ]);
    expect([max('reflect', 5), max('symmetric', 5), max('replicate', 5)]).toEqual([6, 5, 6]);
    expect(max('same', 3, 2, 7)).toBe(2);
  });

  it.each(EXPLICIT.flatMap((p) => GEOMETRIES.map((c) => [p, c] as const)))(
    "'%s' %j: an orthonormal reshaped kernel × the factor has SVD norm ≤ 1 + 1e-6",
    (padding, c) => {
      const g = geometry(c, padding, 1, c.k[0] * c.k[1]);
      const coef = strictConvCoefficient(g);
      const k = orthonormalKernel(g.kh * g.kw * g.cin, g.cout, 9).map((v) => v * coef);
      expect(svdNorm(g, k)).toBeLessThanOrEqual(1 + 1e-6);
    },
  );

  it("'reflect' 3×3 reaches the bound: deel-torchlip's 1/3 lets the convolution reach 4/3, lipnet's 1/4 reaches 1", () => {
    const g = geometry({ inH: 6, inW: 6, k: [3, 3], s: [1, 1], d: [1, 1] }, 'reflect', 1, 9);
    expect(strictConvCoefficient(g)).toBeCloseTo(1 / 4, 12);
    // a 1 → 9 kernel whose 9 taps are the rows of an orthogonal matrix: ‖A‖ = √(max reads) = 4
    const k = orthonormalKernel(9, 9, 10);
    expect(
      svdNorm(
        g,
        k.map((v) => v / 3),
      ),
    ).toBeCloseTo(4 / 3, 5);
    expect(
      svdNorm(
        g,
        k.map((v) => v / 4),
      ),
    ).toBeCloseTo(1, 5);
  });

  it('transposed convolutions: 1/√(kh·kw) at every stride', () => {
    expect(strictTransposedConvCoefficient([3, 3])).toBeCloseTo(1 / 3, 12);
    expect(strictTransposedConvCoefficient([1, 5])).toBeCloseTo(1 / Math.sqrt(5), 12);
  });
});

describe('certified norms of every padding mode vs the explicit-matrix SVD', () => {
  it.each([...EXPLICIT, 'same', 'valid'].flatMap((p) => GEOMETRIES.map((c) => [p as ConvPadding, c] as const)))(
    "'%s' %j: Fourier bound ≥ SVD; banded certificate ≥ SVD within 1e-4; certifiedConvNorm the smaller",
    (padding, c) => {
      const g = geometry(c, padding);
      const k = random(g.kh * g.kw * g.cin * g.cout, 11);
      const svd = svdNorm(g, k);
      const fb = convOperatorNormBound(k, g);
      expect(fb.upper).toBeGreaterThanOrEqual(svd * (1 - 1e-6));
      const ex = convExactNormBound(k, g, svd * (1 - 1e-7));
      expect(ex).not.toBeNull();
      expect(ex!.upper).toBeGreaterThanOrEqual(svd * (1 - 1e-6));
      expect(ex!.upper).toBeLessThanOrEqual(svd * (1 + 1e-4));
      const cert = certifiedConvNorm(k, g, { estimate: svd * (1 - 1e-7) });
      expect(cert.upper).toBeCloseTo(Math.min(fb.upper, ex!.upper), 10);
      // circular with a stride dividing the size, and the zero paddings: the canvas bound is (nearly) exact
      if (padding === 'circular' && c.inH % c.s[0] === 0 && c.inW % c.s[1] === 0)
        expect(fb.upper).toBeLessThan(svd * (1 + 1e-5));
    },
  );
});
