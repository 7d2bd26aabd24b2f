/**
 * The loops and per-tap code of the fused bias + GroupSort(2) + L2-pooling
 * modules (bias-pair-sort-l2-pool-simd.ts): z is read row by row, in memory
 * order, each window row's Σ s² going into a row buffer; s = sort₂(z + b) is
 * computed per tap with pmin/pmax and never written.
 */
import { bumpBy, perImage, repeat, whileBelowConst } from './conv-tiles';
import { FIRSTS, swapPairsInto } from './pair-sort-simd';
import { op } from './wasm-encoding';

/** The geometry a fused module is generated for: z [N, H, W, C] (any N), ph × pw windows. */
export interface FusedPoolGeometry {
  h: number;
  w: number;
  c: number;
  ph: number;
  pw: number;
}

/** Whether the fused module covers z [N, H, W, C] pooled by ph × pw (else the kernels compose the separate ones). */
export function fusedPoolApplies(g: FusedPoolGeometry): boolean {
  return g.c > 0 && g.c % 4 === 0 && g.ph >= 1 && g.pw >= 1 && g.ph * g.pw <= 16 && g.h >= g.ph && g.w >= g.pw;
}

/** The i32 locals of the loops over images, output rows, window rows, windows and 4-channel vectors. */
export interface Nest {
  img: number;
  zi: number;
  xw: number;
  xq: number;
  xp: number;
  co: number;
  rr: number;
  q: number;
  ap: number;
}

/** The names of {@link Nest}'s locals (for `Locals.named`). */
export const NEST_NAMES = ['img', 'zi', 'xw', 'xq', 'xp', 'co', 'rr', 'q', 'ap'] as const;

/** For each image and output row: `perRow`, with xw at z's first pixel of the output row's windows. */
export function rowLoops(g: FusedPoolGeometry, L: Nest, n: number, z: number, perRow: number[]): number[] {
  return perImage(
    L.img,
    n,
    [[L.zi, z, 4 * g.h * g.w * g.c]],
    [
      ...op.get(L.zi),
      ...op.set(L.xw),
      ...repeat(L.rr, Math.floor(g.h / g.ph), [...perRow, ...bumpBy(L.xw, 4 * g.ph * g.w * g.c)]),
    ],
  );
}

/**
 * Window row `dh` of the output row at xw, in memory order: for each window
 * and channel vector, `perVector` with xp at z's first tap of that window
 * row + co (b's offset too) and ap at the row buffer's vector (acc + (q·C)·4 + co).
 */
export function rowSweep(g: FusedPoolGeometry, L: Nest, acc: number, dh: number, perVector: number[]): number[] {
  return [
    ...op.get(L.xw),
    ...op.i32Const(4 * dh * g.w * g.c),
    ...op.i32Add,
    ...op.set(L.xq),
    ...op.get(acc),
    ...op.set(L.ap),
    ...repeat(L.q, Math.floor(g.w / g.pw), [
      ...op.i32Const(0),
      ...op.set(L.co),
      ...whileBelowConst(L.co, 4 * g.c, [
        ...op.get(L.xq),
        ...op.get(L.co),
        ...op.i32Add,
        ...op.set(L.xp),
        ...perVector,
        ...bumpBy(L.co, 16),
        ...bumpBy(L.ap, 16),
      ]),
      ...bumpBy(L.xq, 4 * g.pw * g.c),
    ]),
  ];
}

/**
 * Σ s² of window row `dh` into the v128 local `sum` (starting from 0 for the
 * first row, else from the row buffer at ap), with v, u as scratch; stored
 * back to the row buffer unless it is the last row (then left in `sum`).
 */
export function rowSquares(
  g: FusedPoolGeometry,
  L: Nest,
  b: number,
  dh: number,
  loc: Record<'sum' | 'bv' | 'v' | 'u', number>,
): number[] {
  const start = dh === 0 ? op.v128Zero : [...op.get(L.ap), ...op.v128Load];
  const last = dh === g.ph - 1;
  return [
    ...loadBias(b, L.co, loc.bv),
    ...start,
    ...op.set(loc.sum),
    ...Array.from({ length: g.pw }, (_, dw) => sortedTap(L.xp, 4 * dw * g.c, loc.bv, loc.v, loc.u, loc.sum)).flat(),
    ...(last ? [] : [...op.get(L.ap), ...op.get(loc.sum), ...op.v128Store]),
  ];
}

/** bv = b[co..co+3]. */
export const loadBias = (b: number, co: number, bv: number): number[] => [
  ...op.get(b),
  ...op.get(co),
  ...op.i32Add,
  ...op.v128Load,
  ...op.set(bv),
];

/** Lanes 0 and 2 of one vector, 1 and 3 of another (shuffle of two operands). */
const LOW_HIGH = [0, 5, 2, 7];

/** At the tap `off` of xp: v = z + bv (the 4 floats there plus the bias vector) and u = v with its pairs swapped. */
export function biasedTap(xp: number, off: number, bv: number, v: number, u: number): number[] {
  return biased([...op.get(xp), ...op.v128LoadAt(off)], bv, v, u);
}

/** v = z + bv (`z` pushes the 4 floats) and u = v with its pairs swapped. */
export function biased(z: number[], bv: number, v: number, u: number): number[] {
  return [...z, ...op.get(bv), ...op.f32x4Add, ...op.set(v), ...swapPairsInto(v, u)];
}

/**
 * At the tap `off` of xp: v = z + bv, u = v with its pairs swapped, s =
 * sort₂(v) = [pmin(v, u)₀, pmax(v, u)₁, …] (left in u), acc += s².
 * pmin(v, u)₀ = (c < a ? c : a) is the pair sort's rule "swap iff a − c > 0"
 * exactly (in IEEE arithmetic with gradual underflow a − c > 0 ⇔ a > c, NaN
 * and ±0 included), so s is the separate kernels' s, bit for bit, in 4
 * operations where the mask and bitselect take 7.
 */
export function sortedTap(xp: number, off: number, bv: number, v: number, u: number, acc: number): number[] {
  return sortedSquare([...op.get(xp), ...op.v128LoadAt(off)], bv, v, u, acc);
}

/** {@link sortedTap} for z pushed by `z`: v = z + bv, u = v's pairs swapped, acc += sort₂(v)² (s left in u). */
export function sortedSquare(z: number[], bv: number, v: number, u: number, acc: number): number[] {
  return [
    ...biased(z, bv, v, u),
    ...op.get(v),
    ...op.get(u),
    ...op.f32x4Pmin,
    ...op.get(v),
    ...op.get(u),
    ...op.f32x4Pmax,
    ...op.shuffle(LOW_HIGH),
    ...op.set(u),
    ...op.get(acc),
    ...op.get(u),
    ...op.get(u),
    ...op.f32x4Mul,
    ...op.f32x4Add,
    ...op.set(acc),
  ];
}

/**
 * u = g′, the window's gradient factor gv with its pairs swapped (gs) where
 * a > c in v = z + b = [a, c, …] (u holding v's pairs swapped on entry; m is
 * scratch): the pair sort's permutation, sent back to z's slots. `relaxed`:
 * the selection as i32x4.relaxed_laneselect (the same result: m's lanes are
 * all ones or all zeros).
 */
export const pairedGrad = (v: number, u: number, m: number, gv: number, gs: number, relaxed = false): number[] => [
  // m = [a > c, a > c, …]; g′ = m ? g swapped : g
  ...op.get(v),
  ...op.get(u),
  ...op.f32x4Gt,
  ...op.set(m),
  ...op.get(gs),
  ...op.get(gv),
  ...op.get(m),
  ...op.get(m),
  ...op.shuffle(FIRSTS),
  ...(relaxed ? op.i32x4RelaxedLaneselect : op.bitselect),
  ...op.set(u),
];
