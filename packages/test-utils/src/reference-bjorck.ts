import type * as tf from '@tensorflow/tfjs-core';

/**
 * Float64 reference arithmetic of the fused Björck kernels (@lipnet/core's
 * `FUSED_KERNELS`: `LipnetBjorck`, `LipnetSpectralBjorck` and their
 * gradients), written from their definitions for test-utils' reference kernels.
 */

/** Row-major matrices as [rows, cols, values] in float64. */
export type Mat = { r: number; c: number; v: Float64Array };
export const mat = (r: number, c: number, v?: ArrayLike<number>): Mat => ({
  r,
  c,
  v: v ? Float64Array.from(v) : new Float64Array(r * c),
});
export function mm(a: Mat, b: Mat, ta = false, tb = false): Mat {
  const [ar, ac] = ta ? [a.c, a.r] : [a.r, a.c];
  const bc = tb ? b.r : b.c;
  const out = mat(ar, bc);
  for (let i = 0; i < ar; i++)
    for (let k = 0; k < ac; k++) {
      const x = ta ? a.v[k * a.c + i]! : a.v[i * a.c + k]!;
      for (let j = 0; j < bc; j++) out.v[i * bc + j]! += x * (tb ? b.v[j * b.c + k]! : b.v[k * b.c + j]!);
    }
  return out;
}
export const lin = (p: number, a: Mat, q: number, b: Mat): Mat =>
  mat(
    a.r,
    a.c,
    a.v.map((x, i) => p * x + q * b.v[i]!),
  );
export const frob = (a: Mat): number => Math.sqrt(a.v.reduce((s, x) => s + x * x, 0));
/** A + Aᵀ (A square). */
export const sym = (a: Mat): Mat => lin(1, a, 1, transpose(a));
export function transpose(a: Mat): Mat {
  const out = mat(a.c, a.r);
  for (let i = 0; i < a.r; i++) for (let j = 0; j < a.c; j++) out.v[j * a.r + i] = a.v[i * a.c + j]!;
  return out;
}
/** W·Wᵀ·W. */
export const wwtw = (w: Mat): Mat => mm(w, mm(w, w, true, false));
/** VJP of W·Wᵀ·W at w with cotangent g: g·WᵀW + W·(M + Mᵀ), M = Wᵀg. */
export const wwtwVjp = (w: Mat, g: Mat): Mat =>
  lin(1, mm(g, mm(w, w, true, false)), 1, mm(w, sym(mm(w, g, true, false))));

/** Björck from w (the `LipnetBjorck` rule): the result and the iterates stepped from. */
export function bjorck(w: Mat, beta: number, maxIter: number, eps: number): { y: Mat; steps: Mat[] } {
  let cur = w;
  const steps: Mat[] = [];
  for (let i = 0; i < maxIter; i++) {
    if (eps > 0 && frob(lin(1, cur, -1, steps.length ? steps[steps.length - 1]! : lin(10, cur, 0, cur))) < eps) break;
    steps.push(cur);
    cur = lin(1 + beta, cur, -beta, wwtw(cur));
  }
  return { y: cur, steps };
}

/** dW₀ back through the iterates `its` [k, m, n] (g's shape) from g = ∂L/∂W_k (the `LipnetBjorckGrad` rule). */
export function bjorckBackward(its: Float32Array, g: Mat, beta: number): Mat {
  const size = g.r * g.c;
  for (let t = its.length / size - 1; t >= 0; t--)
    g = lin(1 + beta, g, -beta, wwtwVjp(mat(g.r, g.c, its.subarray(t * size, (t + 1) * size)), g));
  return g;
}

/** x / √max(Σx², 1e-12). */
const l2Normalize = (x: Mat): Mat => lin(1 / Math.sqrt(Math.max(frob(x) ** 2, 1e-12)), x, 0, x);

/** deel-lip 1.5's power iteration, σ, W/(σ+ε) and Björck, × coef (the `LipnetSpectralBjorck` contract). */
export function spectralBjorck(
  w: Mat,
  u: Mat,
  attrs: tf.NamedAttrMap,
): { y: Mat; u: Mat; sigma: number; steps: Mat[] } {
  const eps = attrs['epsSpectral'] as number;
  let cur = l2Normalize(u);
  let old = mat(
    1,
    u.c,
    cur.v.map((x) => x + 2 * eps),
  );
  for (let i = 0; i < (attrs['maxIterSpectral'] as number); i++) {
    if (i > 0 && frob(lin(1, cur, -1, old)) < eps) break;
    old = cur;
    cur = l2Normalize(mm(mm(cur, w, false, true), w));
  }
  const sigma = frob(mm(cur, w, false, true));
  const w0 = lin(1 / (sigma + eps), w, 0, w);
  const r = bjorck(w0, attrs['beta'] as number, attrs['maxIterBjorck'] as number, attrs['epsBjorck'] as number);
  return { y: lin(attrs['coef'] as number, r.y, 0, r.y), u: cur, sigma, steps: r.steps };
}

/** dW of {@link spectralBjorck} with u constant: g₀/s − (Σ g₀⊙W / s²)·tᵀu/σ, s = σ + ε, t = u·Wᵀ. */
export function spectralBjorckGrad(
  w: Mat,
  u: Mat,
  sigma: number,
  its: Float32Array,
  dy: Mat,
  attrs: tf.NamedAttrMap,
): Mat {
  const g0 = bjorckBackward(its, lin(attrs['coef'] as number, dy, 0, dy), attrs['beta'] as number);
  const s = sigma + (attrs['epsSpectral'] as number);
  const dSigma = -g0.v.reduce((acc, x, i) => acc + x * w.v[i]!, 0) / (s * s);
  return lin(1 / s, g0, dSigma / sigma, mm(mm(u, w, false, true), u, true, false));
}
