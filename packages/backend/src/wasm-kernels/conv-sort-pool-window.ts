/**
 * A block of pooling windows of the fused first-layer kernels
 * (conv-sort-pool-simd.ts): k adjacent windows of one pooled row × V groups of
 * 4 output channels. Per window row dh, a register tile of J = k·pw conv
 * pixels × V groups is computed from the zero-padded input (J·V ≤ 8
 * independent multiply-add chains; per tap J splats of x and V weight vectors),
 * then biased, pair-sorted and squared into the windows' sums, never storing z
 * (the gradient keeps v = z + b in its small row buffer):
 *
 *   z[p] = Σ_{r,s,c} xp[dh + r, dw + s, c] · w[r, s, c, ·]   (taps in order (r, s, c))
 *   v = z + b;  s = sort₂(v);  acc = Σ_window s²  (pixels in order (dh, dw))
 *   forward: y = √(acc / count) · scale
 *   gradient: g = (dy·scale) / (2(√(acc / count) + eps)) · (1/count);  dz = g′ · (v · 2),
 *             g′ = g with its pairs swapped where v's pair (a, c) has a > c
 *
 * Each pixel's taps are summed in the order of lipnet's direct convolution
 * (conv-forward-simd.ts: 0 + x·w tap by tap, as multiply-add when relaxed), and
 * the sort, sums, root and gradient are the shared code of the fused pooling
 * kernels (bias-pair-sort-l2-pool-rows.ts, l2-pool-window-simd.ts), so y is the
 * same bits as Conv2D → LipnetBiasPairSortL2Pool on wasm wherever Conv2D runs
 * the direct kernel (and dz those of LipnetBiasPairSortL2PoolGrad; dw and db
 * are summed in another order than Conv2DBackpropFilter's and the pooling's).
 */
import { MAX_TILE_ACCUMULATORS, bumpBy, madd, offsetOf, repeat, whileBelow, zero } from './conv-tiles';
import { pairedGrad, sortedSquare } from './bias-pair-sort-l2-pool-rows';
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
  /** x's rows and columns per image, and the zero rows above and columns left of it in the padded image. */
  h: number;
  w: number;
  top: number;
  left: number;
  /** The padded image's rows and columns: oH + kh − 1, oW + kw − 1. */
  hp: number;
  wp: number;
  /** Pooled rows and columns: ⌊oH/ph⌋, ⌊oW/pw⌋. */
  rows: number;
  cols: number;
}

/** Filter taps kh·kw·Cin. */
export const tapCount = (g: ConvPoolGeometry): number => g.kh * g.kw * g.cin;

/** Windows per block k and channel groups per block V: V the largest of 4, 2, 1 dividing C/4 with pw·V ≤ 8, k·pw·V ≤ 8. */
export function windowTile(g: ConvPoolGeometry): { k: number; vecs: number } {
  const kv = g.c / 4;
  const vecs = [4, 2, 1].find((v) => kv % v === 0 && g.pw * v <= MAX_TILE_ACCUMULATORS) ?? 1;
  const k = Math.max(1, Math.min(g.cols, Math.floor(MAX_TILE_ACCUMULATORS / (g.pw * vecs))));
  return { k, vecs };
}

/** The locals a block's code works with. */
export interface BlockLocals {
  /** i32: the padded input at the block's first pixel (row 0), the current window row's, the weights and output of the group (w + 4·co, y or dy at the block), the row counter. */
  xq: number;
  xd: number;
  wq: number;
  oq: number;
  dh: number;
  /** i32: the tap loop's filter-row pointer, tap pointers into xp and w, the filter row's end, the row counter. */
  xr: number;
  xt: number;
  wt: number;
  xEnd: number;
  r: number;
  /** v128: accumulators (pixel j, group v at j·V + v), window sums (window i, group v at i·V + v), the groups' bias vectors, J splats, a weight vector, scratch. */
  accs: number[];
  sums: number[];
  bvs: number[];
  sp: number[];
  wv: number;
  v: number;
  u: number;
  vecs: number;
  relaxed: boolean;
}

/** Byte offset in xp of tap t = (r, s, c) from a pixel's padded position. */
export function tapOffset(g: ConvPoolGeometry, t: number): number {
  const c = t % g.cin;
  const rs = (t - c) / g.cin;
  return 4 * ((Math.floor(rs / g.kw) * g.wp + (rs % g.kw)) * g.cin + c);
}

/**
 * accs = the conv of `pixels` pixels at xd × V groups: 0 + Σ taps x·w in tap
 * order, one loop iteration per tap (taps (s, c) of a filter row are
 * consecutive floats of xp, and all taps consecutive rows of w): a straight
 * run of taps lets the engine hoist their loads and spill them.
 */
function tileConv(g: ConvPoolGeometry, f: BlockLocals, pixels: number): number[] {
  const tap = [
    ...Array.from({ length: pixels }, (_, j) => [
      ...op.get(f.xt),
      ...op.v128Load32Splat(4 * j * g.cin),
      ...op.set(f.sp[j]!),
    ]).flat(),
    ...Array.from({ length: f.vecs }, (_, v) => [
      ...op.get(f.wt),
      ...op.v128LoadAt(16 * v),
      ...op.set(f.wv),
      ...Array.from({ length: pixels }, (_, j) => madd(f.accs[j * f.vecs + v]!, f.sp[j]!, f.wv, f.relaxed)).flat(),
    ]).flat(),
    ...bumpBy(f.xt, 4),
    ...bumpBy(f.wt, 4 * g.c),
  ];
  return [
    ...zero(f.accs.slice(0, pixels * f.vecs)),
    ...op.get(f.wq),
    ...op.set(f.wt),
    ...op.get(f.xd),
    ...op.set(f.xr),
    ...repeat(f.r, g.kh, [
      ...op.get(f.xr),
      ...op.set(f.xt),
      ...offsetOf(f.xEnd, f.xr, 4 * g.kw * g.cin),
      ...whileBelow(f.xt, f.xEnd, tap),
      ...bumpBy(f.xr, 4 * g.wp * g.cin),
    ]),
  ];
}

/** sums[window][v] += sort₂(accs[j][v] + b)² for the row's pixels j in order; `keep(a)` after each (v = z + b in f.v). */
function rowSquares(g: ConvPoolGeometry, f: BlockLocals, pixels: number, keep: (a: number) => number[]): number[] {
  return Array.from({ length: pixels * f.vecs }, (_, a) => {
    const [j, v] = [Math.floor(a / f.vecs), a % f.vecs];
    const sum = f.sums[Math.floor(j / g.pw) * f.vecs + v]!;
    return [...sortedSquare(op.get(f.accs[a]!), f.bvs[v]!, f.v, f.u, sum), ...keep(a)];
  }).flat();
}

/**
 * The window rows of a block of `windows` windows: sums zeroed, then per row
 * the conv tile and the squares, `keep(a)` after each pixel-vector's square
 * (the gradient stores v = z + b) and `afterRow`.
 */
function blockSums(
  g: ConvPoolGeometry,
  f: BlockLocals,
  windows: number,
  keep: (a: number) => number[] = () => [],
  afterRow: number[] = [],
): number[] {
  const pixels = windows * g.pw;
  return [
    ...zero(f.sums.slice(0, windows * f.vecs)),
    ...op.get(f.xq),
    ...op.set(f.xd),
    ...repeat(f.dh, g.ph, [
      ...tileConv(g, f, pixels),
      ...rowSquares(g, f, pixels, keep),
      ...afterRow,
      ...bumpBy(f.xd, 4 * g.wp * g.cin),
    ]),
  ];
}

/** y of a block of `windows` windows at oq (window i, group v at oq + (i·C + 4v)·4); `scale` an f32 local. */
export function blockPool(g: ConvPoolGeometry, f: BlockLocals, windows: number, scale: number): number[] {
  return [
    ...blockSums(g, f, windows),
    ...Array.from({ length: windows * f.vecs }, (_, a) => [
      ...op.get(f.oq),
      ...windowRoot(f.sums[a]!, g.ph * g.pw),
      ...op.get(scale),
      ...op.f32x4Splat,
      ...op.f32x4Mul,
      ...op.v128StoreAt(4 * (Math.floor(a / f.vecs) * g.c + 4 * (a % f.vecs))),
    ]).flat(),
  ];
}

/** The extra locals of a block's gradient. */
export interface GradBlockLocals {
  /** i32: the row buffer at the block's first pixel and group (row 0), the current row's. */
  zq: number;
  zd: number;
  /** f32 parameters. */
  scale: number;
  eps: number;
  /** v128: per window and group the factor g and g with its pairs swapped; a mask; per group the block's Σ dz. */
  gv: number[];
  gs: number[];
  m: number;
  wsum: number[];
}

/** Byte offset in the row buffer (rows of cols·pw pixels) of pixel j, group v from the block's first. */
const bufOffset = (g: ConvPoolGeometry, j: number, v: number): number => 4 * (j * g.c + 4 * v);

/**
 * dz of a block of `windows` windows: v = z + b kept in the row buffer (rows
 * of cols·pw·C floats) while the sums are taken, g per window from dy at oq,
 * then dz = g′ · (v · 2) written over v, and wsum[v] = Σ dz.
 */
export function blockGrad(g: ConvPoolGeometry, f: BlockLocals, d: GradBlockLocals, windows: number): number[] {
  const pixels = windows * g.pw;
  const bufRow = 4 * g.cols * g.pw * g.c;
  const storeV = (a: number) => [
    ...op.get(d.zd),
    ...op.get(f.v),
    ...op.v128StoreAt(bufOffset(g, Math.floor(a / f.vecs), a % f.vecs)),
  ];
  const factors = Array.from({ length: windows * f.vecs }, (_, a) => [
    ...windowGradFactor(
      [...op.get(f.oq), ...op.v128LoadAt(4 * (Math.floor(a / f.vecs) * g.c + 4 * (a % f.vecs)))],
      f.sums[a]!,
      g.ph * g.pw,
      d.scale,
      d.eps,
    ),
    ...op.set(d.gv[a]!),
    ...swapPairsInto(d.gv[a]!, d.gs[a]!),
  ]).flat();
  const dz = (a: number) => {
    const [j, v] = [Math.floor(a / f.vecs), a % f.vecs];
    const w = Math.floor(j / g.pw) * f.vecs + v;
    const off = bufOffset(g, j, v);
    return [
      ...op.get(d.zd),
      ...op.v128LoadAt(off),
      ...op.set(f.v),
      ...swapPairsInto(f.v, f.u),
      ...pairedGrad(f.v, f.u, d.m, d.gv[w]!, d.gs[w]!, f.relaxed),
      ...windowTapGrad(f.u, op.get(f.v)),
      ...op.set(f.v),
      ...op.get(d.zd),
      ...op.get(f.v),
      ...op.v128StoreAt(off),
      ...op.get(d.wsum[v]!),
      ...op.get(f.v),
      ...op.f32x4Add,
      ...op.set(d.wsum[v]!),
    ];
  };
  return [
    ...op.get(d.zq),
    ...op.set(d.zd),
    ...blockSums(g, f, windows, storeV, bumpBy(d.zd, bufRow)),
    ...factors,
    // One channel group at a time: only its bias, factors and sum are live (fewer spills).
    ...Array.from({ length: f.vecs }, (_, v) => [
      ...op.get(d.zq),
      ...op.set(d.zd),
      ...repeat(f.dh, g.ph, [
        ...Array.from({ length: pixels }, (_, j) => dz(j * f.vecs + v)).flat(),
        ...bumpBy(d.zd, bufRow),
      ]),
    ]).flat(),
  ];
}
