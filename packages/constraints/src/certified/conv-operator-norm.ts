import { LipnetInputError } from '@lipnet/core';
import { certifiedMaxEigenvalue, type Hermitian } from './certified-eigenvalue';
import { convAxes, paddedLength, type ConvAxis, type Conv2DGeometry } from '../conv/conv-geometry';
import { axisMaxCopies } from '../conv/strict-conv-coefficient';
import { polyphasePlan, tapAngle, wrapsExactly } from '../conv/polyphase-plan';

/** Result of {@link convOperatorNormBound}. */
export interface ConvNormBound {
  /** Certified upper bound of ‖A‖₂ (A = the convolution on the real input size, with its padding and strides). */
  upper: number;
  /** Power-iteration value of the circular canvas operator (≥ ‖A‖ up to convergence; diagnostic). */
  canvasEstimate: number;
  /** Canvas size used. */
  canvas: [number, number];
  /** Number of frequency blocks. */
  frequencies: number;
  /**
   * For 'reflect', 'symmetric' and 'replicate' padding: the factor √(copies) of the padding map
   * that multiplies the canvas bound of the 'valid' convolution on the padded input; 1 otherwise.
   */
  paddingFactor: number;
}

/**
 * Certified upper bound of the L2 operator norm of a tfjs conv2d (any padding,
 * stride, dilation) on a given input size.
 *
 * Method. The zero-padded convolution A on H×W equals P·C·E, where E embeds the
 * input into a zero canvas of size N_h×N_w (an isometry), C is the circular
 * strided convolution on the canvas and P keeps the true outputs (a projection),
 * so ‖A‖ ≤ ‖C‖. Splitting the canvas input into its s_h·s_w polyphase
 * components makes C a stride-1 circular multi-channel convolution on the
 * (N/s)-grid; the 2-D DFT block-diagonalises it into one `cout × (s_h·s_w·cin)`
 * complex matrix T(ω) per frequency, so ‖C‖ = max_ω σ_max(T(ω)) exactly. Each
 * σ_max² = λ_max(T(ω)ᴴT(ω)) is bracketed by power iteration and certified by a
 * Cholesky factorisation (see `linalg.ts`). deel-lip computes the same norm
 * only from the explicit operator (`compute_layer_sv`); the Fourier view of
 * circular convolutions is Sedghi et al. 2019 (arXiv 1805.10408), and the
 * block-Toeplitz bound for zero padding follows Araujo et al. 2021 / Delattre et al. 2023.
 * Circular padding: the canvas is the input itself (exact when the stride divides the size; the
 * stride-1 convolution, whose outputs contain the strided ones, otherwise). 'reflect', 'symmetric',
 * 'replicate', and 'circular' with an even kernel extent (which wraps one pixel too many): A = C·P with P the padding map (‖P‖₂ = √(most copies of one pixel)) and C the 'valid'
 * convolution of the padded input, so ‖A‖ ≤ ‖P‖·(the canvas bound of C) — loose where the banded
 * certificate (`convExactNormBound`) is affordable and tight.
 */
export function convOperatorNormBound(kernel: ArrayLike<number>, g: Conv2DGeometry): ConvNormBound {
  const { kh, kw, cin, cout } = g;
  if (kernel.length !== kh * kw * cin * cout) {
    throw new LipnetInputError({
      code: 'INVALID_ARGUMENT',
      who: 'convOperatorNormBound',
      option: 'kernel',
      message: `expected a kernel of ${kh}×${kw}×${cin}×${cout} = ${kh * kw * cin * cout} values, got ${kernel.length}.`,
    });
  }
  const [h, w] = convAxes(g, 'convOperatorNormBound');
  const copying =
    g.padding === 'reflect' ||
    g.padding === 'symmetric' ||
    g.padding === 'replicate' ||
    (g.padding === 'circular' && !(wrapsExactly(h) && wrapsExactly(w)));
  if (!copying) {
    return { ...fourierBound(kernel, g, h, w), paddingFactor: 1 };
  }
  // A = C·P: the 'valid' convolution C of the padded input after the padding map P, whose norm is
  // √(the most copies of one pixel), a product over the axes.
  const inner = { ...g, inH: paddedLength(h), inW: paddedLength(w), padding: 'valid' as const };
  const [ih, iw] = convAxes(inner, 'convOperatorNormBound');
  const f = fourierBound(kernel, inner, ih, iw);
  const paddingFactor = Math.sqrt(axisMaxCopies(h) * axisMaxCopies(w));
  return { ...f, upper: f.upper * paddingFactor, paddingFactor };
}

/**
 * G[p][q] = Σ_k conj(v_p[k])·v_q[k] for the n complex vectors v_p[k] = Tr[i] + imSign·i·Ti[i], i = p·vectorStride +
 * k·elementStride (k < len): the Gram matrix of T's columns (imSign 1) or of its conjugated rows (imSign −1, TTᴴ).
 */
function hermitianGram(
  Tr: Float64Array,
  Ti: Float64Array,
  n: number,
  len: number,
  vectorStride: number,
  elementStride: number,
  imSign: 1 | -1,
): Hermitian {
  const re = new Float64Array(n * n);
  const im = new Float64Array(n * n);
  for (let p = 0; p < n; p++)
    for (let q = p; q < n; q++) {
      let sr = 0;
      let si = 0;
      for (let k = 0; k < len; k++) {
        const ia = p * vectorStride + k * elementStride;
        const ib = q * vectorStride + k * elementStride;
        const ar = Tr[ia]!;
        const ai = Ti[ia]!;
        const br = Tr[ib]!;
        const bi = Ti[ib]!;
        sr += ar * br + ai * bi;
        si += ar * bi - ai * br;
      }
      re[p * n + q] = sr;
      im[p * n + q] = imSign * si;
      re[q * n + p] = sr;
      im[q * n + p] = -imSign * si;
    }
  return { n, re, im };
}

/** The canvas bound of a zero-padded or circular convolution (see {@link convOperatorNormBound}). */
function fourierBound(
  kernel: ArrayLike<number>,
  g: Conv2DGeometry,
  h: ConvAxis,
  w: ConvAxis,
): Omit<ConvNormBound, 'paddingFactor'> {
  const { kh, kw, cin, cout } = g;
  const plan = polyphasePlan(h, w, kh, kw, cin);
  const m = plan.m; // columns of T(ω)
  const useColumns = m <= cout; // Gram TᴴT (m×m) or TTᴴ (cout×cout)
  const nf = plan.frequencies;
  const Tr = new Float64Array(cout * m);
  const Ti = new Float64Array(cout * m);
  const gram = (f: number): Hermitian => {
    Tr.fill(0);
    Ti.fill(0);
    for (let a = 0; a < kh; a++)
      for (let b = 0; b < kw; b++) {
        const ang = tapAngle(plan, f, a, b);
        const cr = Math.cos(ang);
        const ci = Math.sin(ang);
        const col0 = plan.column[a * kw + b]!;
        for (let c = 0; c < cin; c++) {
          const kbase = ((a * kw + b) * cin + c) * cout;
          for (let o = 0; o < cout; o++) {
            const kv = kernel[kbase + o]!;
            Tr[o * m + col0 + c]! += kv * cr;
            Ti[o * m + col0 + c]! += kv * ci;
          }
        }
      }
    // TᴴT: the m columns of T (entries m apart); TTᴴ: the cout rows of T, conjugated (entries adjacent).
    return useColumns ? hermitianGram(Tr, Ti, m, cout, 1, m, 1) : hermitianGram(Tr, Ti, cout, m, m, 1, -1);
  };
  const mats: Hermitian[] = [];
  for (let f = 0; f < nf; f++) mats.push(gram(f));
  const e = certifiedMaxEigenvalue(mats, 200);
  return {
    upper: Math.sqrt(e.upper),
    canvasEstimate: Math.sqrt(e.lower),
    canvas: [plan.h.N, plan.w.N],
    frequencies: nf,
  };
}
