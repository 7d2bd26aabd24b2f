import { LipnetInputError, LipnetOptionError } from '@lipnet/core';
import { certifiedMaxEigenvalue, type Hermitian } from './certified-eigenvalue';

/** Geometry of a 2-D convolution `y = conv2d(x, K)` in tfjs layout (NHWC input, kernel [kh, kw, cin, cout]). */
export interface Conv2DGeometry {
  /** Input height and width (the real input size the layer runs on). */
  inH: number;
  inW: number;
  /** Kernel size. */
  kh: number;
  kw: number;
  cin: number;
  cout: number;
  /** Strides `[sh, sw]`. Default `[1, 1]`. */
  strides?: [number, number];
  /** Dilation `[dh, dw]`. Default `[1, 1]`. */
  dilation?: [number, number];
  /** tfjs padding: zeros around the input, `same` or `valid`. */
  padding: 'same' | 'valid';
}

/** Output size and top/left zero padding of a tfjs conv2d (tfjs `computeConv2DInfo`). */
export function convOutputAndPadding(g: Conv2DGeometry): {
  outH: number;
  outW: number;
  padTop: number;
  padLeft: number;
} {
  const [sh, sw] = g.strides ?? [1, 1];
  const [dh, dw] = g.dilation ?? [1, 1];
  const ekh = (g.kh - 1) * dh + 1;
  const ekw = (g.kw - 1) * dw + 1;
  if (g.padding === 'same') {
    const outH = Math.ceil(g.inH / sh);
    const outW = Math.ceil(g.inW / sw);
    const padH = Math.max(0, (outH - 1) * sh + ekh - g.inH);
    const padW = Math.max(0, (outW - 1) * sw + ekw - g.inW);
    return { outH, outW, padTop: Math.floor(padH / 2), padLeft: Math.floor(padW / 2) };
  }
  if (g.padding === 'valid') {
    return { outH: Math.ceil((g.inH - ekh + 1) / sh), outW: Math.ceil((g.inW - ekw + 1) / sw), padTop: 0, padLeft: 0 };
  }
  throw new LipnetOptionError({
    code: 'INVALID_OPTION',
    who: 'convOutputAndPadding',
    option: 'padding',
    message: `expected \`padding\` 'same' or 'valid', got '${String(g.padding)}'.`,
  });
}

/** Per-axis polyphase description of a strided, dilated, padded convolution embedded in a circular canvas. */
function axisPlan(inSize: number, k: number, s: number, d: number, pad: number, out: number) {
  // Canvas N (multiple of s): negative input offsets (≥ −pad) wrap into the zero area
  // (N − pad ≥ inSize), the largest offset stays inside the canvas, and every true
  // output position is a distinct canvas output (N/s ≥ out).
  const need = Math.max(inSize + pad, s * (out - 1) + (k - 1) * d - pad + 1, s * out);
  const N = s * Math.ceil(need / s);
  const phase: number[] = [];
  const shift: number[] = [];
  for (let a = 0; a < k; a++) {
    const off = a * d - pad;
    phase.push(((off % s) + s) % s);
    shift.push(Math.floor(off / s));
  }
  return { N, M: N / s, phase, shift };
}

/** Result of {@link convOperatorNormBound}. */
export interface ConvNormBound {
  /** Certified upper bound of ‖A‖₂ (A = the convolution on the real input size, zero padding, strides). */
  upper: number;
  /** Power-iteration value of the circular canvas operator (≥ ‖A‖ up to convergence; diagnostic). */
  canvasEstimate: number;
  /** Canvas size used. */
  canvas: [number, number];
  /** Number of frequency blocks. */
  frequencies: number;
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
  const [sh, sw] = g.strides ?? [1, 1];
  const [dh, dw] = g.dilation ?? [1, 1];
  const { outH, outW, padTop, padLeft } = convOutputAndPadding(g);
  const ph = axisPlan(g.inH, kh, sh, dh, padTop, outH);
  const pw = axisPlan(g.inW, kw, sw, dw, padLeft, outW);
  // Compact phase indices actually used.
  const phaseIndex = new Map<number, number>();
  for (let a = 0; a < kh; a++)
    for (let b = 0; b < kw; b++) {
      const key = ph.phase[a]! * sw + pw.phase[b]!;
      if (!phaseIndex.has(key)) phaseIndex.set(key, phaseIndex.size);
    }
  const m = phaseIndex.size * cin; // columns of T(ω)
  const useColumns = m <= cout; // Gram TᴴT (m×m) or TTᴴ (cout×cout)
  const n = useColumns ? m : cout;
  const nf = ph.M * pw.M;
  const Tr = new Float64Array(cout * m);
  const Ti = new Float64Array(cout * m);
  const gram = (f: number): Hermitian => {
    const k1 = Math.floor(f / pw.M);
    const k2 = f % pw.M;
    Tr.fill(0);
    Ti.fill(0);
    for (let a = 0; a < kh; a++)
      for (let b = 0; b < kw; b++) {
        const ang = 2 * Math.PI * ((k1 * ph.shift[a]!) / ph.M + (k2 * pw.shift[b]!) / pw.M);
        const cr = Math.cos(ang);
        const ci = Math.sin(ang);
        const col0 = phaseIndex.get(ph.phase[a]! * sw + pw.phase[b]!)! * cin;
        for (let c = 0; c < cin; c++) {
          const kbase = ((a * kw + b) * cin + c) * cout;
          for (let o = 0; o < cout; o++) {
            const kv = kernel[kbase + o]!;
            Tr[o * m + col0 + c]! += kv * cr;
            Ti[o * m + col0 + c]! += kv * ci;
          }
        }
      }
    const re = new Float64Array(n * n);
    const im = new Float64Array(n * n);
    if (useColumns) {
      for (let p = 0; p < m; p++)
        for (let q = p; q < m; q++) {
          let sr = 0;
          let si = 0;
          for (let o = 0; o < cout; o++) {
            const ar = Tr[o * m + p]!;
            const ai = Ti[o * m + p]!;
            const br = Tr[o * m + q]!;
            const bi = Ti[o * m + q]!;
            sr += ar * br + ai * bi;
            si += ar * bi - ai * br;
          }
          re[p * n + q] = sr;
          im[p * n + q] = si;
          re[q * n + p] = sr;
          im[q * n + p] = -si;
        }
    } else {
      for (let o1 = 0; o1 < cout; o1++)
        for (let o2 = o1; o2 < cout; o2++) {
          let sr = 0;
          let si = 0;
          for (let c = 0; c < m; c++) {
            const ar = Tr[o1 * m + c]!;
            const ai = Ti[o1 * m + c]!;
            const br = Tr[o2 * m + c]!;
            const bi = Ti[o2 * m + c]!;
            sr += ar * br + ai * bi;
            si += ai * br - ar * bi;
          }
          re[o1 * n + o2] = sr;
          im[o1 * n + o2] = si;
          re[o2 * n + o1] = sr;
          im[o2 * n + o1] = -si;
        }
    }
    return { n, re, im };
  };
  const mats: Hermitian[] = [];
  for (let f = 0; f < nf; f++) mats.push(gram(f));
  const e = certifiedMaxEigenvalue(mats, 200);
  return { upper: Math.sqrt(e.upper), canvasEstimate: Math.sqrt(e.lower), canvas: [ph.N, pw.N], frequencies: nf };
}
