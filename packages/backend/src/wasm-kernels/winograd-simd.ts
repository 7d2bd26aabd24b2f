/**
 * A 3×3 stride-1 convolution (NHWC, C and K multiples of 4) by Winograd's
 * F(2×2, 3×3) as one WebAssembly SIMD kernel, generated per geometry:
 *
 *   y[n, 2ti + a, 2tj + b, k] = (Aᵀ M A)[a][b],
 *   M_ξ[t, k] = Σ_c V_ξ[t, c] · U_ξ[c, k],   V = Bᵀ d_t B,   U = G g Gᵀ
 *
 * (winograd-transforms.ts), d_t the 4×4 input tile at padded pixel (2ti, 2tj).
 * The tiles are processed in blocks of whole tile rows (≈ `blockTiles` tiles):
 * per block, (0) x's rows are staged with their zero padding
 * (winograd-staging.ts), (1) the input transform writes V [16, T, C] to scratch, (2) 16
 * GEMMs [T, C]·[C, K] write M [16, T, K] (register tiles of P tiles × G groups
 * of 4 output channels, P·G = 8 accumulators, like gemm-simd.ts), (3) the
 * output transform reads M and stores the 2×2 output tiles (the last tile row
 * and column cropped when oH, oW are odd). V and M of one block stay in L2
 * between the three steps. 16 multiply-adds per tile and channel pair instead
 * of the direct kernel's 36.
 */
import {
  MAX_TILE_ACCUMULATORS,
  bumpBy,
  madd,
  offsetOf,
  oneFunctionModule,
  repeat,
  storeTo,
  whileBelow,
  whileBelowConst,
  zero,
} from './conv-tiles';
import { op, relaxedSimdEnabled } from './wasm-encoding';
import { WINOGRAD_POSITIONS, outputTransform } from './winograd-transforms';
import {
  WALK_INTS,
  WINOGRAD_TUNING,
  eachOutputTile,
  imageBlocks,
  type WinogradGeometry,
  type WinogradTuning,
  type WinogradVectors,
  winogradFrame,
} from './winograd-blocks';

/** The parameters of `conv`. */
const [X, U, Y, N, SCR] = [0, 1, 2, 3, 4];

/** The i32 locals of `conv`, in index order. */
const WINOGRAD_INTS = [
  ...WALK_INTS,
  'xi',
  'kb',
  'rt',
  'aBase',
  'bBase',
  'cBase',
  'aRow',
  'cRow',
  'ap',
  'bp',
  'aEnd',
] as const;

/** The geometry, plan and locals one generated `conv` works with. */
type WinogradFrame = { [K in (typeof WINOGRAD_INTS)[number]]: number } & WinogradVectors;

/**
 * The module for `g`: exports `conv(x, u, y, n, scratch)` (byte addresses of
 * x [n, h, w, C], of U [16, C, K]
 * ({@link winogradFilter}), of y [n, oH, oW, K], which it writes, and of
 * {@link WinogradPlan.scratchBytes} bytes of scratch; n images).
 */
export function winogradModuleBytes(
  g: WinogradGeometry,
  tuning: WinogradTuning = WINOGRAD_TUNING,
  relaxed: boolean = relaxedSimdEnabled(),
): Uint8Array<ArrayBuffer> {
  const { L, f } = winogradFrame(WINOGRAD_INTS, g, tuning, relaxed, (G) => MAX_TILE_ACCUMULATORS / G);
  const { plan } = f;
  const code = imageBlocks(f, { x: X, n: N, scratch: SCR, out: Y, outChannels: g.k }, (rows, crop) => {
    const tiles = rows * plan.tilesW;
    return [...gemms(f, tiles), ...transformOutputs(f, rows, tiles, crop)];
  });
  return oneFunctionModule('conv', 5, L.body(code));
}

/** Byte offset of M in the scratch buffer (after a full block's V). */
const mOffset = (f: WinogradFrame): number => 4 * WINOGRAD_POSITIONS * f.plan.blockRows * f.plan.tilesW * f.g.c;

/** M_ξ = V_ξ · U_ξ for ξ = 0…15: [tiles, C] · [C, K] → [tiles, K]. */
function gemms(f: WinogradFrame, tiles: number): number[] {
  const { g } = f;
  const full = Math.floor(tiles / f.rowsP);
  const rest = tiles - full * f.rowsP;
  return [
    ...op.get(SCR),
    ...op.set(f.aBase),
    ...op.get(U),
    ...op.set(f.bBase),
    ...offsetOf(f.cBase, SCR, mOffset(f)),
    ...repeat(f.xi, WINOGRAD_POSITIONS, [
      ...op.i32Const(0),
      ...op.set(f.kb),
      ...whileBelowConst(f.kb, 4 * g.k, [
        ...op.get(f.aBase),
        ...op.set(f.aRow),
        ...op.get(f.cBase),
        ...op.get(f.kb),
        ...op.i32Add,
        ...op.set(f.cRow),
        ...repeat(f.rt, full, [
          ...gemmTile(f, f.rowsP),
          ...bumpBy(f.aRow, 4 * g.c * f.rowsP),
          ...bumpBy(f.cRow, 4 * g.k * f.rowsP),
        ]),
        ...(rest > 0 ? gemmTile(f, rest) : []),
        ...bumpBy(f.kb, 16 * f.groupsG),
      ]),
      ...bumpBy(f.aBase, 4 * tiles * g.c),
      ...bumpBy(f.bBase, 4 * g.c * g.k),
      ...bumpBy(f.cBase, 4 * tiles * g.k),
    ]),
  ];
}

/** One register tile: `rows` tiles from aRow × G channel groups from kb, Σ over C, stored at cRow. */
function gemmTile(f: WinogradFrame, rows: number): number[] {
  const { g, groupsG: G, tuning } = f;
  const acc = (u: number, v: number) => f.accs[u * G + v]!;
  const used = Array.from({ length: rows * G }, (_, a) => acc(Math.floor(a / G), a % G));
  const step = (uu: number) => [
    ...Array.from({ length: G }, (_, v) => [
      ...op.get(f.bp),
      ...op.v128LoadAt(4 * g.k * uu + 16 * v),
      ...op.set(f.bs[v]!),
    ]).flat(),
    ...Array.from({ length: rows }, (_, u) => [
      ...op.get(f.ap),
      ...op.v128Load32Splat(4 * g.c * u + 4 * uu),
      ...op.set(f.s),
      ...Array.from({ length: G }, (_, v) => madd(acc(u, v), f.s, f.bs[v]!, f.relaxed)).flat(),
    ]).flat(),
  ];
  return [
    ...zero(used),
    ...op.get(f.aRow),
    ...op.set(f.ap),
    ...op.get(f.bBase),
    ...op.get(f.kb),
    ...op.i32Add,
    ...op.set(f.bp),
    ...offsetOf(f.aEnd, f.aRow, 4 * g.c),
    ...whileBelow(f.ap, f.aEnd, [
      ...Array.from({ length: tuning.unroll }, (_, uu) => step(uu)).flat(),
      ...bumpBy(f.ap, 4 * tuning.unroll),
      ...bumpBy(f.bp, 4 * g.k * tuning.unroll),
    ]),
    ...used.flatMap((a, i) => storeTo(f.cRow, 4 * g.k * Math.floor(i / G) + 16 * (i % G), a)),
  ];
}

/** Y of every tile of the block into y at yBlk (cropped tiles store 1 row / column). */
function transformOutputs(f: WinogradFrame, rows: number, tiles: number, cropLastRow: boolean): number[] {
  const { g } = f;
  const layout = { positionBytes: 4 * tiles * g.k, rowBytes: 4 * g.ow * g.k, pixelBytes: 4 * g.k };
  return eachOutputTile(f, rows, cropLastRow, { scratch: SCR, offset: mOffset(f), channels: g.k }, (r, c) =>
    outputTransform(f.vc, f.xc, layout, f.t, r, c),
  );
}
