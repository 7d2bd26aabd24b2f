/**
 * A layer's bias + GroupSort(2) followed by ScaledL2NormPooling2D, as one
 * WebAssembly SIMD pass each way, generated per geometry: the module behind
 * `LipnetBiasPairSortL2Pool` / `LipnetBiasPairSortL2PoolGrad` (@lipnet/core's
 * `FUSED_KERNELS`). Per window and 4 channels, from z and b only:
 *
 *   v = z + b;  m = pair mask of v;  s = v's pairs swapped where m  (pair-sort-simd.ts)
 *   acc = Σ_window s²;  P = √(acc / count) · scale                 (l2-pool-window-simd.ts)
 *   g = (dy·scale) / (2(√(acc / count) + eps)) · (1/count);  ds = g · (s · 2)
 *   dz = ds's pairs swapped where m (the swap is its own inverse);  db = Σ dz
 *
 * The sorted tensor s and its gradient ds stay in registers: the gradient
 * keeps each tap's s and m in locals between the window's sum and its
 * gradient. The arithmetic is the separate kernels', operation for operation
 * (shared code), so P and dz are the same bits as the composition
 * LipnetBiasPairSort → LipnetL2Pool (LipnetL2PoolGrad → LipnetBiasPairSortGrad);
 * db is summed per window, then into a partial per channel over blocks of
 * about {@link BIAS_BLOCK_ROWS} rows of pixels, then into db. C must be a
 * multiple of 4 and a window at most 16 taps; rows and columns past the last
 * whole window are skipped (their dz is zeroed by the caller).
 */
import { BIAS_BLOCK_ROWS } from './bias-pair-sort-simd';
import { Locals, bumpBy, perImage, repeat, whileBelowConst } from './conv-tiles';
import { windowGradFactor, windowRoot, windowTapGrad } from './l2-pool-window-simd';
import { FIRSTS, SWAPPED } from './pair-sort-simd';
import { F32, I32, moduleBytes, op } from './wasm-encoding';

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

/** Output rows per flush of the bias gradient's partial sums: about BIAS_BLOCK_ROWS pixels of z each. */
export const fusedBlockRows = (g: FusedPoolGeometry): number => Math.max(1, Math.floor(BIAS_BLOCK_ROWS / (g.ph * g.w)));

/**
 * The module for `g`: exports `pool(z, b, y, n, scale)` and
 * `poolGrad(z, b, dy, dz, part, db, n, scale, eps)` (byte addresses, n
 * images). `poolGrad` adds into db (zeroed by the caller) through `part`
 * (C floats, zeroed by the caller, zero again on return).
 */
export function fusedPoolModuleBytes(g: FusedPoolGeometry): Uint8Array<ArrayBuffer> {
  return moduleBytes([
    ['pool', [I32, I32, I32, I32, F32], poolFunction(g)],
    ['poolGrad', [I32, I32, I32, I32, I32, I32, I32, F32, F32], gradFunction(g)],
  ]);
}

/** The i32 locals of the loop nest over images, output rows, windows and 4-channel vectors. */
interface Nest {
  img: number;
  zi: number;
  xw: number;
  xq: number;
  xp: number;
  co: number;
  rr: number;
  q: number;
}

const NEST_NAMES = ['img', 'zi', 'xw', 'xq', 'xp', 'co', 'rr', 'q'] as const;

/** Byte offsets of a window's taps from its first, in row-major order. */
const tapOffsets = (g: FusedPoolGeometry): number[] =>
  Array.from({ length: g.ph * g.pw }, (_, i) => 4 * (Math.floor(i / g.pw) * g.w + (i % g.pw)) * g.c);

/**
 * For each image, output row and window, `perVector` with xp at z's window
 * start + co (the channel vector's byte offset, also b's); `afterRow` after
 * each output row. Columns and rows past the last whole window are skipped.
 */
function windowLoops(
  g: FusedPoolGeometry,
  L: Nest,
  n: number,
  z: number,
  perVector: number[],
  afterRow: number[],
): number[] {
  const [oh, ow] = [Math.floor(g.h / g.ph), Math.floor(g.w / g.pw)];
  return perImage(
    L.img,
    n,
    [[L.zi, z, 4 * g.h * g.w * g.c]],
    [
      ...op.get(L.zi),
      ...op.set(L.xw),
      ...repeat(L.rr, oh, [
        ...op.get(L.xw),
        ...op.set(L.xq),
        ...repeat(L.q, ow, [
          ...op.i32Const(0),
          ...op.set(L.co),
          ...whileBelowConst(L.co, 4 * g.c, [
            ...op.get(L.xq),
            ...op.get(L.co),
            ...op.i32Add,
            ...op.set(L.xp),
            ...perVector,
            ...bumpBy(L.co, 16),
          ]),
          ...bumpBy(L.xq, 4 * g.pw * g.c),
        ]),
        ...bumpBy(L.xw, 4 * g.ph * g.w * g.c),
        ...afterRow,
      ]),
    ],
  );
}

/** bv = b[co..co+3]. */
const loadBias = (b: number, co: number, bv: number): number[] => [
  ...op.get(b),
  ...op.get(co),
  ...op.i32Add,
  ...op.v128Load,
  ...op.set(bv),
];

/** Lanes 0 and 2 of one vector, 1 and 3 of another (shuffle of two operands). */
const LOW_HIGH = [0, 5, 2, 7];

/**
 * At the tap `off` of xp: v = z + bv, u = v with its pairs swapped, and (when
 * `m` ≥ 0) m = the pair mask [a > c, a > c, …]; then s = sort₂(v) =
 * [pmin(v, u)₀, pmax(v, u)₁, …] (left in u) and acc += s². pmin(v, u)₀ =
 * (c < a ? c : a) is the pair sort's rule "swap iff a − c > 0" exactly (in
 * IEEE arithmetic with gradual underflow a − c > 0 ⇔ a > c, NaN and ±0
 * included), so s is the separate kernels' s, bit for bit, in 4 operations
 * where the mask and bitselect take 7.
 */
function sortedTap(xp: number, off: number, bv: number, v: number, u: number, m: number, acc: number): number[] {
  const mask =
    m < 0
      ? []
      : [
          ...op.get(v),
          ...op.get(u),
          ...op.f32x4Gt,
          ...op.set(m),
          ...op.get(m),
          ...op.get(m),
          ...op.shuffle(FIRSTS),
          ...op.set(m),
        ];
  return [
    ...op.get(xp),
    ...op.v128LoadAt(off),
    ...op.get(bv),
    ...op.f32x4Add,
    ...op.set(v),
    ...op.get(v),
    ...op.get(v),
    ...op.shuffle(SWAPPED),
    ...op.set(u),
    ...mask,
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

/** `pool(z, b, y, n, scale)`: y = √(Σ_window s² / count) · scale, y written in order. */
function poolFunction(g: FusedPoolGeometry): number[] {
  const [Z, B, Y, N, SCALE] = [0, 1, 2, 3, 4];
  const L = new Locals(5, NEST_NAMES.length + 1, 4);
  const nest = L.named(NEST_NAMES);
  const o = L.int();
  const [acc, bv, v, u] = L.vec(4) as [number, number, number, number];
  const taps = tapOffsets(g);
  const perVector = [
    ...loadBias(B, nest.co, bv),
    ...op.v128Zero,
    ...op.set(acc),
    ...taps.flatMap((off) => sortedTap(nest.xp, off, bv, v, u, -1, acc)),
    ...op.get(o),
    ...windowRoot(acc, taps.length),
    ...op.get(SCALE),
    ...op.f32x4Splat,
    ...op.f32x4Mul,
    ...op.v128Store,
    ...bumpBy(o, 16),
  ];
  return L.body([...op.get(Y), ...op.set(o), ...windowLoops(g, nest, N, Z, perVector, [])]);
}

/** The locals of `poolGrad` beyond the loop nest. */
interface GradFrame {
  taps: number[];
  B: number;
  SCALE: number;
  EPS: number;
  /** dy's current vector, dz − z (bytes), the partial sums. */
  o: number;
  delta: number;
  PART: number;
  /** Σ s², the bias, g, g with its pairs swapped, two scratch vectors, the window's Σ dz. */
  acc: number;
  bv: number;
  gv: number;
  gs: number;
  t: number;
  u: number;
  wsum: number;
  /** Each tap's v = z + b and pair mask m. */
  v: number[];
  m: number[];
}

/**
 * One dy vector: each tap's dz = g′ · (v · 2), g′ = g permuted by the tap's m
 * (element for element the separate kernels' (g · (s · 2)) permuted by m: the
 * same factors, s's element being v's), stored; part[co] += Σ_window dz; o advanced.
 */
function gradVector(f: GradFrame, xp: number, co: number): number[] {
  const at = (base: number) => [...op.get(base), ...op.get(co), ...op.i32Add];
  return [
    ...loadBias(f.B, co, f.bv),
    ...op.v128Zero,
    ...op.set(f.acc),
    ...f.taps.flatMap((off, i) => sortedTap(xp, off, f.bv, f.v[i]!, f.u, f.m[i]!, f.acc)),
    ...windowGradFactor([...op.get(f.o), ...op.v128Load], f.acc, f.taps.length, f.SCALE, f.EPS),
    ...op.set(f.gv),
    ...op.get(f.gv),
    ...op.get(f.gv),
    ...op.shuffle(SWAPPED),
    ...op.set(f.gs),
    ...op.v128Zero,
    ...op.set(f.wsum),
    ...f.taps.flatMap((off, i) => [
      ...op.get(f.gs),
      ...op.get(f.gv),
      ...op.get(f.m[i]!),
      ...op.bitselect,
      ...op.set(f.u),
      ...windowTapGrad(f.u, op.get(f.v[i]!)),
      ...op.set(f.t),
      ...op.get(xp),
      ...op.get(f.delta),
      ...op.i32Add,
      ...op.get(f.t),
      ...op.v128StoreAt(off),
      ...op.get(f.wsum),
      ...op.get(f.t),
      ...op.f32x4Add,
      ...op.set(f.wsum),
    ]),
    ...at(f.PART),
    ...at(f.PART),
    ...op.v128Load,
    ...op.get(f.wsum),
    ...op.f32x4Add,
    ...op.v128Store,
    ...bumpBy(f.o, 16),
  ];
}

/** db[j] += part[j], part[j] = 0 for every channel vector j. */
function flush(c: number, part: number, db: number, j: number): number[] {
  const at = (base: number) => [...op.get(base), ...op.get(j), ...op.i32Add];
  return [
    ...op.i32Const(0),
    ...op.set(j),
    ...whileBelowConst(j, 4 * c, [
      ...at(db),
      ...at(db),
      ...op.v128Load,
      ...at(part),
      ...op.v128Load,
      ...op.f32x4Add,
      ...op.v128Store,
      ...at(part),
      ...op.v128Zero,
      ...op.v128Store,
      ...bumpBy(j, 16),
    ]),
  ];
}

/** `poolGrad(z, b, dy, dz, part, db, n, scale, eps)`. */
function gradFunction(g: FusedPoolGeometry): number[] {
  const [Z, B, DY, DZ, PART, DB, N, SCALE, EPS] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const taps = tapOffsets(g);
  const L = new Locals(9, NEST_NAMES.length + 4, 7 + 2 * taps.length);
  const nest = L.named(NEST_NAMES);
  const { o, delta, left, j } = L.named(['o', 'delta', 'left', 'j'] as const);
  const [acc, bv, gv, gs, t, u, wsum] = L.vec(7) as [number, number, number, number, number, number, number];
  const v = L.vec(taps.length);
  const m = L.vec(taps.length);
  const f: GradFrame = { taps, B, SCALE, EPS, o, delta, PART, acc, bv, gv, gs, t, u, wsum, v, m };
  const block = fusedBlockRows(g);
  // After each output row: every `block` rows, the partial sums go into db.
  const afterRow = [
    ...bumpBy(left, -1),
    ...op.get(left),
    ...op.i32Const(0),
    ...op.i32Eq,
    ...op.if,
    ...flush(g.c, PART, DB, j),
    ...op.i32Const(block),
    ...op.set(left),
    ...op.end,
  ];
  return L.body([
    ...op.get(DY),
    ...op.set(o),
    ...op.get(DZ),
    ...op.get(Z),
    ...op.i32Sub,
    ...op.set(delta),
    ...op.i32Const(block),
    ...op.set(left),
    ...windowLoops(g, nest, N, Z, gradVector(f, nest.xp, nest.co), afterRow),
    ...flush(g.c, PART, DB, j),
  ]);
}
