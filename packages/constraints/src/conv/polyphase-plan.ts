import type { ConvAxis } from './conv-geometry';

/**
 * One axis of a strided, dilated, zero-padded (or circular) convolution embedded in a circular canvas
 * of size `N` (a multiple of the stride `s`): the convolution on the canvas is, per polyphase component,
 * a stride-1 circular convolution on the `M = N/s` grid, and tap `a` reads phase `phase[a]` of the input
 * shifted by `shift[a]` grid points.
 */
export interface AxisPlan {
  N: number;
  M: number;
  s: number;
  phase: number[];
  shift: number[];
  /** The canvas is the input itself and the canvas operator is the convolution (circular padding, s | n). */
  exact: boolean;
}

/**
 * Whether a circular axis is the circular convolution on the input itself: its padding wraps exactly
 * (k − 1)·d pixels. Odd kernel extents do; an even extent pads one pixel more, so one output row is a
 * copy of another and the operator is the circular padding map (which copies a pixel twice) followed
 * by a 'valid' convolution instead.
 */
export function wrapsExactly(ax: ConvAxis): boolean {
  return ax.padding === 'circular' && ax.padBefore + ax.padAfter === (ax.k - 1) * ax.d;
}

/**
 * The {@link AxisPlan} of one axis (circular padding: see {@link wrapsExactly} first). Circular padding with s | n is the circular convolution on the
 * input itself (canvas = input, exact); circular with s ∤ n, the stride-1 circular convolution, whose
 * outputs include the strided ones (a bound). Zero padding: negative input offsets (≥ −pad) wrap into
 * the zero area (N − pad ≥ n), the largest offset stays inside the canvas, and every true output
 * position is a distinct canvas output (N/s ≥ out), so the canvas operator's norm bounds the real one.
 */
export function axisPlan(ax: ConvAxis): AxisPlan {
  const { n, k, d, padBefore: pad, out } = ax;
  const circular = wrapsExactly(ax);
  const s = circular && n % ax.s !== 0 ? 1 : ax.s;
  const need = Math.max(n + pad, s * (out - 1) + (k - 1) * d - pad + 1, s * out);
  const N = circular ? n : s * Math.ceil(need / s);
  const phase: number[] = [];
  const shift: number[] = [];
  for (let a = 0; a < k; a++) {
    const off = a * d - pad;
    phase.push(((off % s) + s) % s);
    shift.push(Math.floor(off / s));
  }
  return { N, M: N / s, s, phase, shift, exact: circular && n % ax.s === 0 };
}

/** The frequency blocks of a 2-D convolution on its canvas (see {@link polyphasePlan}). */
export interface PolyphasePlan {
  h: AxisPlan;
  w: AxisPlan;
  /** Number of frequencies (M_h·M_w), i.e. of blocks T(ω). */
  frequencies: number;
  /** Columns of each block T(ω) (cout × m): the polyphase components used, times cin. */
  m: number;
  /** First column of tap (a, b)'s cin columns, index a·kw + b. */
  column: number[];
}

/**
 * The DFT block structure of a convolution on its canvas: T(ω) is the `cout × m` complex matrix with
 * T(ω)[o, column(a, b) + c] = Σ over taps (a, b) of that phase of K[a, b, c, o]·e^{2πi(k₁·shift_h(a)/M_h +
 * k₂·shift_w(b)/M_w)} for ω = (k₁, k₂) (index k₁·M_w + k₂), and the canvas operator's norm is
 * max_ω σ_max(T(ω)) (Sedghi et al. 2019, per polyphase component).
 */
export function polyphasePlan(h: ConvAxis, w: ConvAxis, kh: number, kw: number, cin: number): PolyphasePlan {
  const ph = axisPlan(h);
  const pw = axisPlan(w);
  const phaseIndex = new Map<number, number>();
  const column: number[] = [];
  for (let a = 0; a < kh; a++)
    for (let b = 0; b < kw; b++) {
      const key = ph.phase[a]! * pw.s + pw.phase[b]!;
      if (!phaseIndex.has(key)) phaseIndex.set(key, phaseIndex.size);
      column.push(phaseIndex.get(key)! * cin);
    }
  return { h: ph, w: pw, frequencies: ph.M * pw.M, m: phaseIndex.size * cin, column };
}

/** The phase angle 2π(k₁·shift_h(a)/M_h + k₂·shift_w(b)/M_w) of tap (a, b) at frequency index f. */
export function tapAngle(p: PolyphasePlan, f: number, a: number, b: number): number {
  const k1 = Math.floor(f / p.w.M);
  const k2 = f % p.w.M;
  return 2 * Math.PI * ((k1 * p.h.shift[a]!) / p.h.M + (k2 * p.w.shift[b]!) / p.w.M);
}
