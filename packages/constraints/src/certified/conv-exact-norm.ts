import { provesBandedGramBound } from './banded-gram-bound';
import { axisRead, convAxes, isZeroPadding, type Conv2DGeometry } from '../conv/conv-geometry';

/** Multiply-adds (n·β²/2) above which the banded certificate is not attempted. */
const MAX_BANDED_WORK = 1.5e9;

/**
 * Certified bound of ‖A‖₂ for the exact convolution A (its real padding, no canvas), close to the
 * power-iteration value `sigmaEstimate`: builds the Gram matrix of A on its smaller side (AᵀA on inputs
 * or AAᵀ on outputs, banded in raster order) in float64 and proves λ_max < μ = σ̂²(1 + δ) by a banded
 * Cholesky factorisation of μI − G (δ = 1e-5, 1e-4, …, 1e-2), or μ = c² for each candidate bound c of
 * `candidates` in order when given (each try costs one factorisation). Every padding mode is the same
 * sparse operator (a mirrored/replicated pixel is read twice by one row); 'circular' wraps the band
 * around, which usually makes it too wide. Returns null when the band is too wide (cost n·β²/2 above
 * ~1.5e9) or no candidate works.
 */
export function convExactNormBound(
  kernel: ArrayLike<number>,
  g: Conv2DGeometry,
  sigmaEstimate: number,
  candidates?: number[],
): { upper: number; bandwidth: number } | null {
  const { kh, kw, cin, cout, inH, inW } = g;
  const [sh, sw] = g.strides ?? [1, 1];
  const [dh, dw] = g.dilation ?? [1, 1];
  const [ah, aw] = convAxes(g, 'convExactNormBound');
  const [outH, outW] = [ah.out, aw.out];
  const nIn = inH * inW * cin;
  const nOut = outH * outW * cout;
  // Band width of the Gram matrix on the smaller side (raster order), known before building it for zero
  // padding (the copying modes reach one mirrored pixel further at most: checked on the rows below).
  const mirror = isZeroPadding(g.padding) ? 0 : g.padding === 'circular' ? Math.max(inH, inW) : 1;
  const beta =
    nIn <= nOut
      ? ((kh - 1) * dh * inW + (kw - 1) * dw) * cin + cin - 1
      : (Math.floor(((kh - 1) * dh) / sh) * outW + Math.floor(((kw - 1) * dw) / sw)) * cout + cout - 1;
  const reach = beta + mirror * (inW + 1) * Math.max(cin, cout);
  if ((Math.min(nIn, nOut) * reach * reach) / 2 > MAX_BANDED_WORK) return null;
  // rows of A: output (i, j, o) reads inputs (the padded position s·i + a·d's source, …, c) with weight K[a, b, c, o]
  const rows: { idx: number[]; val: number[] }[] = [];
  for (let i = 0; i < outH; i++)
    for (let j = 0; j < outW; j++)
      for (let o = 0; o < cout; o++) {
        const idx: number[] = [];
        const val: number[] = [];
        for (let a = 0; a < kh; a++) {
          const r = axisRead(ah, i, a);
          if (r < 0) continue;
          for (let b = 0; b < kw; b++) {
            const c0 = axisRead(aw, j, b);
            if (c0 < 0) continue;
            for (let c = 0; c < cin; c++) {
              const v = kernel[((a * kw + b) * cin + c) * cout + o]!;
              if (v === 0) continue;
              idx.push((r * inW + c0) * cin + c);
              val.push(v);
            }
          }
        }
        rows.push({ idx, val });
      }
  let lines: { idx: Int32Array; val: Float64Array }[];
  let n: number;
  if (nIn <= nOut) {
    n = nIn;
    lines = rows.map((r) => ({ idx: Int32Array.from(r.idx), val: Float64Array.from(r.val) }));
  } else {
    n = nOut;
    const cols: { idx: number[]; val: number[] }[] = Array.from({ length: nIn }, () => ({ idx: [], val: [] }));
    rows.forEach((r, ri) =>
      r.idx.forEach((ci, k) => {
        cols[ci]!.idx.push(ri);
        cols[ci]!.val.push(r.val[k]!);
      }),
    );
    lines = cols
      .filter((c) => c.idx.length > 0)
      .map((c) => ({ idx: Int32Array.from(c.idx), val: Float64Array.from(c.val) }));
  }
  const s2 = sigmaEstimate * sigmaEstimate;
  const mus = candidates ? candidates.map((c) => c * c) : [1e-5, 1e-4, 1e-3, 1e-2].map((d) => s2 * (1 + d) + 1e-300);
  const res = provesBandedGramBound(lines, n, mus, MAX_BANDED_WORK);
  if (!res || res.mu === null) return null;
  return { upper: Math.sqrt(res.mu), bandwidth: res.bandwidth };
}

/**
 * The equivalent undilated kernel of a dilated convolution: taps spread on a
 * ((kh−1)·dh+1)×((kw−1)·dw+1) grid with zeros between (tfjs has no gradient for
 * dilated conv2d, and this kernel with dilation 1 computes the same map).
 */
export function dilateKernel(
  kernel: ArrayLike<number>,
  kh: number,
  kw: number,
  cin: number,
  cout: number,
  dh: number,
  dw: number,
): { data: Float32Array; kh: number; kw: number } {
  const eh = (kh - 1) * dh + 1;
  const ew = (kw - 1) * dw + 1;
  const out = new Float32Array(eh * ew * cin * cout);
  for (let a = 0; a < kh; a++)
    for (let b = 0; b < kw; b++)
      for (let i = 0; i < cin * cout; i++)
        out[(a * dh * ew + b * dw) * cin * cout + i] = kernel[(a * kw + b) * cin * cout + i]!;
  return { data: out, kh: eh, kw: ew };
}
