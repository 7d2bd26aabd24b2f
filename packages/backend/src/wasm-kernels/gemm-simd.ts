/**
 * A single-precision GEMM, C[m, n] = A[m, k] · B[k, n] (row-major, n a
 * multiple of 4), as a WebAssembly SIMD module generated per (k, n): register
 * tiles of 2 rows × 4 groups of 4 columns (8 f32x4 accumulators; 1 row and
 * fewer groups at the edges), per k one load of B's row segment per group and
 * one splat of A per row. B is swept in panels of 16 columns × `kc` rows,
 * each first copied into a contiguous scratch buffer (rows 64 bytes apart
 * instead of 4·n: no cache-set aliasing when n is a power of 2, and a stride
 * the prefetchers follow), small enough to stay in L2 while every row tile of
 * A passes over it; C is stored after the first panel of k and accumulated
 * into after the next ones.
 * With relaxed SIMD the multiply-adds are fused (f32x4.relaxed_madd).
 */
import { Locals, MAX_TILE_ACCUMULATORS, bumpBy, madd, runsOf, whileBelow, zero } from './conv-tiles';
import { I32, moduleBytes, op, relaxedSimdEnabled } from './wasm-encoding';

/** Rows and 4-column groups of a register tile. */
const ROWS = 2;
const GROUPS = MAX_TILE_ACCUMULATORS / ROWS;

/** Rows of B per panel: the panel (kc × 16 floats) ≤ 128 KB, a slice of L2 with room for A's rows. */
export function panelRows(k: number): number {
  const max = Math.floor((128 * 1024) / (4 * 4 * GROUPS));
  if (k <= max) return k;
  const panels = Math.ceil(k / max);
  return Math.ceil(k / panels);
}

/** Bytes of the scratch buffer `gemm` needs for (k, n): one packed panel. */
export const packBytes = (k: number): number => 64 * panelRows(k);

/**
 * The module for (k, n): exports `gemm(a, b, c, m, pack)`, byte addresses of
 * A [m, k], B [k, n], C [m, n] (written) and a scratch buffer of
 * {@link packBytes}; m ≥ 1 rows.
 */
export function gemmModuleBytes(
  k: number,
  n: number,
  relaxed: boolean = relaxedSimdEnabled(),
): Uint8Array<ArrayBuffer> {
  const kc = panelRows(k);
  const L = new Locals(5, 9, MAX_TILE_ACCUMULATORS + GROUPS + 1);
  const f = gemmFrame(L, k, n, relaxed);
  const panels = (groups: number) => runsOf(k, kc).flatMap(([k0, kLen]) => rowTiles(f, groups, k0, kLen, k0 === 0));
  const full = Math.floor(n / 4 / GROUPS);
  const rest = n / 4 - full * GROUPS;
  const code = [
    // Whole blocks of 16 columns in a loop (one copy of the code), then the narrower last block.
    ...op.i32Const(0),
    ...op.set(f.col),
    ...op.i32Const(64 * full),
    ...op.set(f.colEnd),
    ...whileBelow(f.col, f.colEnd, [...panels(GROUPS), ...bumpBy(f.col, 64)]),
    ...(rest > 0 ? [...op.i32Const(64 * full), ...op.set(f.col), ...panels(rest)] : []),
  ];
  return moduleBytes([['gemm', [I32, I32, I32, I32, I32], L.body(code)]]);
}

/** The parameters of `gemm`. */
const [A, B, C, M, PACK] = [0, 1, 2, 3, 4];

/** The i32 locals of `gemm`, in index order. */
const GEMM_INTS = ['col', 'aRow', 'cRow', 'cp', 'ap', 'bp', 'kEnd', 'rowsEnd', 'colEnd'] as const;

/** The locals and the problem size one generated `gemm` works with. */
type GemmFrame = { [K in (typeof GEMM_INTS)[number]]: number } & {
  k: number;
  n: number;
  relaxed: boolean;
  /** Accumulator of tile row u, group g at u·GROUPS + g. */
  accs: number[];
  /** B's row segment, one vector per group. */
  bs: number[];
  /** A's splatted value. */
  s: number;
};

/** Allocates the frame's locals from `L` (the order fixes the local indices). */
function gemmFrame(L: Locals, k: number, n: number, relaxed: boolean): GemmFrame {
  const ints = L.named(GEMM_INTS);
  const accs = L.vec(MAX_TILE_ACCUMULATORS);
  const bs = L.vec(GROUPS);
  const s = L.vec(1)[0]!;
  return { k, n, relaxed, ...ints, accs, bs, s };
}

/** Accumulator of tile row u, group g. */
const accOf = (f: GemmFrame, u: number, g: number): number => f.accs[u * GROUPS + g]!;

/** One k step of a tile: B's `groups` vectors at bp, per row a splat of A at ap and the multiply-adds; ap, bp advanced. */
function tileStep(f: GemmFrame, rows: number, groups: number): number[] {
  return [
    ...Array.from({ length: groups }, (_, g) => [
      ...op.get(f.bp),
      ...op.v128LoadAt(16 * g),
      ...op.set(f.bs[g]!),
    ]).flat(),
    ...Array.from({ length: rows }, (_, u) => [
      ...op.get(f.ap),
      ...op.v128Load32Splat(4 * f.k * u),
      ...op.set(f.s),
      ...Array.from({ length: groups }, (_, g) => madd(accOf(f, u, g), f.s, f.bs[g]!, f.relaxed)).flat(),
    ]).flat(),
    ...bumpBy(f.ap, 4),
    ...bumpBy(f.bp, 16 * groups),
  ];
}

/** One tile: `rows` rows from aRow/cRow, `groups` groups from byte column `col`, k in [k0, k0 + kLen). */
function tile(f: GemmFrame, rows: number, groups: number, k0: number, kLen: number, first: boolean): number[] {
  const used = Array.from({ length: rows * groups }, (_, a) => accOf(f, Math.floor(a / groups), a % groups));
  const cAt = (i: number) => 4 * (Math.floor(i / groups) * f.n + 4 * (i % groups));
  const start = first ? zero(used) : used.flatMap((a, i) => [...op.get(f.cp), ...op.v128LoadAt(cAt(i)), ...op.set(a)]);
  return [
    ...op.get(f.cRow),
    ...op.get(f.col),
    ...op.i32Add,
    ...op.set(f.cp),
    ...start,
    // ap = aRow + 4·k0; bp = the packed panel; kEnd = ap + 4·kLen
    ...op.get(f.aRow),
    ...op.i32Const(4 * k0),
    ...op.i32Add,
    ...op.set(f.ap),
    ...op.get(PACK),
    ...op.set(f.bp),
    ...op.get(f.ap),
    ...op.i32Const(4 * kLen),
    ...op.i32Add,
    ...op.set(f.kEnd),
    ...whileBelow(f.ap, f.kEnd, tileStep(f, rows, groups)),
    ...used.flatMap((a, i) => [...op.get(f.cp), ...op.get(a), ...op.v128StoreAt(cAt(i))]),
  ];
}

/** Copies B's rows [k0, k0 + kLen) × `groups` column groups at `col` to the scratch buffer, 16·groups bytes a row. */
function pack(f: GemmFrame, groups: number, k0: number, kLen: number): number[] {
  return [
    ...op.get(B),
    ...op.i32Const(4 * k0 * f.n),
    ...op.i32Add,
    ...op.get(f.col),
    ...op.i32Add,
    ...op.set(f.ap),
    ...op.get(PACK),
    ...op.set(f.bp),
    ...op.get(PACK),
    ...op.i32Const(16 * groups * kLen),
    ...op.i32Add,
    ...op.set(f.kEnd),
    ...whileBelow(f.bp, f.kEnd, [
      ...Array.from({ length: groups }, (_, g) => [
        ...op.get(f.bp),
        ...op.get(f.ap),
        ...op.v128LoadAt(16 * g),
        ...op.v128StoreAt(16 * g),
      ]).flat(),
      ...bumpBy(f.ap, 4 * f.n),
      ...bumpBy(f.bp, 16 * groups),
    ]),
  ];
}

/** All row tiles of one (column block at `col`, k panel): pairs of rows, then the odd last row. */
function rowTiles(f: GemmFrame, groups: number, k0: number, kLen: number, first: boolean): number[] {
  return [
    ...pack(f, groups, k0, kLen),
    ...op.get(A),
    ...op.set(f.aRow),
    ...op.get(C),
    ...op.set(f.cRow),
    // rowsEnd = A + 4·k·(m − m % 2): the pairs
    ...op.get(A),
    ...op.get(M),
    ...op.i32Const(-2),
    ...op.i32And,
    ...op.i32Const(4 * f.k),
    ...op.i32Mul,
    ...op.i32Add,
    ...op.set(f.rowsEnd),
    ...whileBelow(f.aRow, f.rowsEnd, [
      ...tile(f, ROWS, groups, k0, kLen, first),
      ...bumpBy(f.aRow, 4 * f.k * ROWS),
      ...bumpBy(f.cRow, 4 * f.n * ROWS),
    ]),
    ...op.get(M),
    ...op.i32Const(1),
    ...op.i32And,
    ...op.if,
    ...tile(f, 1, groups, k0, kLen, first),
    ...op.end,
  ];
}
