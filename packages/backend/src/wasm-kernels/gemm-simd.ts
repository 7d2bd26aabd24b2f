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
  const [A, B, C, M, PACK] = [0, 1, 2, 3, 4];
  const L = new Locals(5, 9, MAX_TILE_ACCUMULATORS + GROUPS + 1);
  const { col, aRow, cRow, cp, ap, bp, kEnd, rowsEnd, colEnd } = L.named([
    'col',
    'aRow',
    'cRow',
    'cp',
    'ap',
    'bp',
    'kEnd',
    'rowsEnd',
    'colEnd',
  ] as const);
  const accs = L.vec(MAX_TILE_ACCUMULATORS);
  const bs = L.vec(GROUPS);
  const s = L.vec(1)[0]!;
  const acc = (u: number, g: number) => accs[u * GROUPS + g]!;

  /** One tile: `rows` rows from aRow/cRow, `groups` groups from byte column `col`, k in [k0, k0 + kLen). */
  const tile = (rows: number, groups: number, k0: number, kLen: number, first: boolean): number[] => {
    const used = Array.from({ length: rows * groups }, (_, a) => acc(Math.floor(a / groups), a % groups));
    const cAt = (u: number, g: number) => 4 * (u * n + 4 * g);
    const start = first
      ? zero(used)
      : used.flatMap((a, i) => [
          ...op.get(cp),
          ...op.v128LoadAt(cAt(Math.floor(i / groups), i % groups)),
          ...op.set(a),
        ]);
    const step = [
      ...Array.from({ length: groups }, (_, g) => [...op.get(bp), ...op.v128LoadAt(16 * g), ...op.set(bs[g]!)]).flat(),
      ...Array.from({ length: rows }, (_, u) => [
        ...op.get(ap),
        ...op.v128Load32Splat(4 * k * u),
        ...op.set(s),
        ...Array.from({ length: groups }, (_, g) => madd(acc(u, g), s, bs[g]!, relaxed)).flat(),
      ]).flat(),
      ...bumpBy(ap, 4),
      ...bumpBy(bp, 16 * groups),
    ];
    return [
      ...op.get(cRow),
      ...op.get(col),
      ...op.i32Add,
      ...op.set(cp),
      ...start,
      // ap = aRow + 4·k0; bp = the packed panel; kEnd = ap + 4·kLen
      ...op.get(aRow),
      ...op.i32Const(4 * k0),
      ...op.i32Add,
      ...op.set(ap),
      ...op.get(PACK),
      ...op.set(bp),
      ...op.get(ap),
      ...op.i32Const(4 * kLen),
      ...op.i32Add,
      ...op.set(kEnd),
      ...whileBelow(ap, kEnd, step),
      ...used.flatMap((a, i) => [
        ...op.get(cp),
        ...op.get(a),
        ...op.v128StoreAt(cAt(Math.floor(i / groups), i % groups)),
      ]),
    ];
  };

  /** Copies B's rows [k0, k0 + kLen) × `groups` column groups at `col` to the scratch buffer, 16·groups bytes a row. */
  const pack = (groups: number, k0: number, kLen: number): number[] => [
    ...op.get(B),
    ...op.i32Const(4 * k0 * n),
    ...op.i32Add,
    ...op.get(col),
    ...op.i32Add,
    ...op.set(ap),
    ...op.get(PACK),
    ...op.set(bp),
    ...op.get(PACK),
    ...op.i32Const(16 * groups * kLen),
    ...op.i32Add,
    ...op.set(kEnd),
    ...whileBelow(bp, kEnd, [
      ...Array.from({ length: groups }, (_, g) => [
        ...op.get(bp),
        ...op.get(ap),
        ...op.v128LoadAt(16 * g),
        ...op.v128StoreAt(16 * g),
      ]).flat(),
      ...bumpBy(ap, 4 * n),
      ...bumpBy(bp, 16 * groups),
    ]),
  ];

  /** All row tiles of one (column block at `col`, k panel): pairs of rows, then the odd last row. */
  const overRows = (groups: number, k0: number, kLen: number, first: boolean): number[] => [
    ...pack(groups, k0, kLen),
    ...op.get(A),
    ...op.set(aRow),
    ...op.get(C),
    ...op.set(cRow),
    // rowsEnd = A + 4·k·(m − m % 2): the pairs
    ...op.get(A),
    ...op.get(M),
    ...op.i32Const(-2),
    ...op.i32And,
    ...op.i32Const(4 * k),
    ...op.i32Mul,
    ...op.i32Add,
    ...op.set(rowsEnd),
    ...whileBelow(aRow, rowsEnd, [
      ...tile(ROWS, groups, k0, kLen, first),
      ...bumpBy(aRow, 4 * k * ROWS),
      ...bumpBy(cRow, 4 * n * ROWS),
    ]),
    ...op.get(M),
    ...op.i32Const(1),
    ...op.i32And,
    ...op.if,
    ...tile(1, groups, k0, kLen, first),
    ...op.end,
  ];

  const panels = (groups: number) => runsOf(k, kc).flatMap(([k0, kLen]) => overRows(groups, k0, kLen, k0 === 0));
  const full = Math.floor(n / 4 / GROUPS);
  const rest = n / 4 - full * GROUPS;
  const code = [
    // Whole blocks of 16 columns in a loop (one copy of the code), then the narrower last block.
    ...op.i32Const(0),
    ...op.set(col),
    ...op.i32Const(64 * full),
    ...op.set(colEnd),
    ...whileBelow(col, colEnd, [...panels(GROUPS), ...bumpBy(col, 64)]),
    ...(rest > 0 ? [...op.i32Const(64 * full), ...op.set(col), ...panels(rest)] : []),
  ];
  return moduleBytes([['gemm', [I32, I32, I32, I32, I32], L.body(code)]]);
}
