/**
 * One pooling window of the fused first-layer kernels (conv-sort-pool-simd.ts)
 * for 4 output channels, in registers: the convolution of its ph·pw pixels from
 * the zero-padded input, then bias + GroupSort(2) and the L2-norm pooling (or
 * the pooling's gradient), never storing z:
 *
 *   z[p] = Σ_{r,s,c} xp[dh + r, dw + s, c] · w[r, s, c, ·]   (p = (dh, dw), taps in order (r, s, c))
 *   v = z + b;  s = sort₂(v);  acc = Σ_p s²  (p in order (dh, dw))
 *   forward: y = √(acc / count) · scale
 *   gradient: g = (dy·scale) / (2(√(acc / count) + eps)) · (1/count);  dz[p] = g′ · (v · 2),
 *             g′ = g with its pairs swapped where v's pair is (a, c) with a > c
 *
 * Each pixel's taps are summed in the order of lipnet's direct convolution
 * (conv-forward-simd.ts: 0 + x·w tap by tap, as multiply-add when relaxed), and
 * the sort, sums, root and gradient are the shared code of the fused pooling
 * kernels (bias-pair-sort-l2-pool-rows.ts, l2-pool-window-simd.ts), so y and dz
 * are the same bits as Conv2D → LipnetBiasPairSortL2Pool (→ Grad) on wasm
 * wherever Conv2D runs the direct kernel.
 */
import { zero } from './conv-tiles';
import { biased, pairedGrad, sortedSquare } from './bias-pair-sort-l2-pool-rows';
import { windowGradFactor, windowRoot, windowTapGrad } from './l2-pool-window-simd';
import { swapPairsInto } from './pair-sort-simd';
import { op } from './wasm-encoding';

/** The geometry a fused first-layer module is generated for (stride 1, dilation 1, x zero-padded). */
export interface ConvPoolGeometry {
  /** Filter rows, columns, input channels; output channels C (a multiple of 4). */
  kh: number;
  kw: number;
  cin: number;
  c: number;
  /** Pooling window. */
  ph: number;
  pw: number;
  /** The padded input's rows and columns per image: oH + kh − 1, oW + kw − 1. */
  hp: number;
  wp: number;
  /** Pooled rows and columns: ⌊oH/ph⌋, ⌊oW/pw⌋. */
  rows: number;
  cols: number;
}

/** Filter taps kh·kw·Cin. */
export const tapCount = (g: ConvPoolGeometry): number => g.kh * g.kw * g.cin;

/** The most taps whose weight vectors the module keeps in locals (loaded once per pooled row and channel group). */
export const WEIGHTS_IN_LOCALS_MAX = 9;

/** The locals a window's code works with. */
export interface WindowLocals {
  /** i32: the padded input at the window's first pixel; the weights of the channel group (w + 4·co). */
  xq: number;
  wq: number;
  /** v128: one accumulator per window pixel (dh·pw + dw); the weights (one per tap, or one scratch). */
  accs: number[];
  ws: number[];
  /** v128: the bias vector, the window's Σ s², scratch. */
  bv: number;
  sum: number;
  v: number;
  u: number;
  relaxed: boolean;
}

/** Byte offset in xp of tap (r, s, c) of window pixel (dh, dw) from the window's first padded pixel. */
export const tapByte = (g: ConvPoolGeometry, dh: number, dw: number, r: number, s: number, c: number): number =>
  4 * (((dh + r) * g.wp + dw + s) * g.cin + c);

/** ws[t] = w[t, co..co+3] for every tap t (when the weights live in locals). */
export function loadWeights(g: ConvPoolGeometry, f: WindowLocals): number[] {
  return f.ws.flatMap((wl, t) => [...op.get(f.wq), ...op.v128LoadAt(16 * t * (g.c / 4)), ...op.set(wl)]);
}

/** accs[p] = z of window pixel p: 0 + Σ taps x·w in tap order (splats of x straight from memory). */
export function windowConv(g: ConvPoolGeometry, f: WindowLocals): number[] {
  const inLocals = f.ws.length === tapCount(g);
  const code = zero(f.accs);
  let t = 0;
  for (let r = 0; r < g.kh; r++)
    for (let s = 0; s < g.kw; s++)
      for (let c = 0; c < g.cin; c++, t++) {
        const wl = inLocals ? f.ws[t]! : f.ws[0]!;
        if (!inLocals) code.push(...op.get(f.wq), ...op.v128LoadAt(16 * t * (g.c / 4)), ...op.set(wl));
        for (let p = 0; p < g.ph * g.pw; p++) {
          const acc = f.accs[p]!;
          const x = [...op.get(f.xq), ...op.v128Load32Splat(tapByte(g, Math.floor(p / g.pw), p % g.pw, r, s, c))];
          code.push(
            ...(f.relaxed
              ? [...x, ...op.get(wl), ...op.get(acc), ...op.f32x4RelaxedMadd]
              : [...op.get(acc), ...x, ...op.get(wl), ...op.f32x4Mul, ...op.f32x4Add]),
            ...op.set(acc),
          );
        }
      }
  return code;
}

/** sum = Σ_p sort₂(accs[p] + bv)², p in order (the fused pooling's (dh, dw) order). */
export function windowSquares(g: ConvPoolGeometry, f: WindowLocals): number[] {
  return [
    ...op.v128Zero,
    ...op.set(f.sum),
    ...f.accs.flatMap((acc) => sortedSquare(op.get(acc), f.bv, f.v, f.u, f.sum)),
  ];
}

/** The window's pooled vector y = √(sum / count) · scale stored at `out` (an i32 local), `scale` an f32 local. */
export function windowPool(g: ConvPoolGeometry, f: WindowLocals, out: number, scale: number): number[] {
  return [
    ...windowConv(g, f),
    ...windowSquares(g, f),
    ...op.get(out),
    ...windowRoot(f.sum, g.ph * g.pw),
    ...op.get(scale),
    ...op.f32x4Splat,
    ...op.f32x4Mul,
    ...op.v128Store,
  ];
}

/** The extra locals of a window's gradient. */
export interface GradWindowLocals {
  /** i32: dy's vector of the window, dz's row buffer at the window's first pixel and channel group. */
  dyq: number;
  dzq: number;
  /** f32 parameters. */
  scale: number;
  eps: number;
  /** v128: the factor g, g with its pairs swapped, a mask, the window's Σ dz. */
  gv: number;
  gs: number;
  m: number;
  wsum: number;
}

/**
 * dz of the window's pixels into the row buffer (pixel (dh, dw) at
 * dzq + ((dh·cols·pw + dw)·C)·4) and wsum = Σ_p dz[p] (in pixel order).
 */
export function windowGrad(g: ConvPoolGeometry, f: WindowLocals, d: GradWindowLocals): number[] {
  const rowBytes = 4 * g.cols * g.pw * g.c;
  const pixel = (p: number) => {
    const at = Math.floor(p / g.pw) * rowBytes + 4 * (p % g.pw) * g.c;
    return [
      ...biased(op.get(f.accs[p]!), f.bv, f.v, f.u),
      ...pairedGrad(f.v, f.u, d.m, d.gv, d.gs),
      ...windowTapGrad(f.u, op.get(f.v)),
      ...op.set(f.v),
      ...op.get(d.dzq),
      ...op.get(f.v),
      ...op.v128StoreAt(at),
      ...(p === 0 ? [] : [...op.get(d.wsum), ...op.get(f.v), ...op.f32x4Add]),
      ...(p === 0 ? op.get(f.v) : []),
      ...op.set(d.wsum),
    ];
  };
  return [
    ...windowConv(g, f),
    ...windowSquares(g, f),
    ...windowGradFactor([...op.get(d.dyq), ...op.v128Load], f.sum, g.ph * g.pw, d.scale, d.eps),
    ...op.set(d.gv),
    ...swapPairsInto(d.gv, d.gs),
    ...f.accs.flatMap((_, p) => pixel(p)),
  ];
}
