/**
 * A 3×3 stride-1 convolution (NHWC, C and K multiples of 4) by Winograd's
 * F(2×2, 3×3) as one WebAssembly SIMD kernel, generated per geometry:
 *
 *   y[n, 2ti + a, 2tj + b, k] = (Aᵀ M A)[a][b],
 *   M_ξ[t, k] = Σ_c V_ξ[t, c] · U_ξ[c, k],   V = Bᵀ d_t B,   U = G g Gᵀ
 *
 * (winograd-transforms.ts), d_t the 4×4 input tile at padded pixel (2ti, 2tj).
 * The tiles are processed in blocks of whole tile rows (≈ `blockTiles` tiles):
 * per block, (1) the input transform writes V [16, T, C] to scratch, (2) 16
 * GEMMs [T, C]·[C, K] write M [16, T, K] (register tiles of P tiles × G groups
 * of 4 output channels, P·G = 8 accumulators, like gemm-simd.ts), (3) the
 * output transform reads M and stores the 2×2 output tiles (the last tile row
 * and column cropped when oH, oW are odd). V and M of one block stay in L2
 * between the three steps. 16 multiply-adds per tile and channel pair instead
 * of the direct kernel's 36.
 */
import {
  Locals,
  MAX_TILE_ACCUMULATORS,
  bumpBy,
  madd,
  offsetOf,
  oneFunctionModule,
  perImage,
  repeat,
  storeTo,
  whileBelow,
  whileBelowConst,
  zero,
} from './conv-tiles';
import { op, relaxedSimdEnabled } from './wasm-encoding';
import { WINOGRAD_POSITIONS, inputTransform, outputTransform } from './winograd-transforms';
import { stageRows, stagingBytes, zeroStaging, type InputPadding, type StageWalk } from './winograd-staging';

/**
 * The geometry a Winograd module is generated for: output oH × oW, C in, K out
 * (both multiples of 4), 3×3 filter, input x [N, h, w, C] at row `top`, column
 * `left` of the zero-padded input.
 */
export interface WinogradGeometry extends InputPadding {
  oh: number;
  ow: number;
  c: number;
  k: number;
}

/** Tuning of a generated module: tiles per block (rounded to whole tile rows) and the GEMM's channel unrolling. */
export interface WinogradTuning {
  blockTiles: number;
  unroll: 1 | 2 | 4;
}

/**
 * The default tuning, measured at demo4's conv2 (N = 2048, C = 16, K = 32, one
 * thread): the GEMMs take 30 ms with the channel loop not unrolled, 50 ms
 * unrolled ×2 and 62 ms ×4 (V8 hoists the unrolled loads and spills); 14 to
 * 98 tiles a block are within 1 ms of each other, 7 is 8 ms slower.
 */
export const WINOGRAD_TUNING: WinogradTuning = { blockTiles: 32, unroll: 1 };

/** Tile counts, padded input size, block layout and scratch size of a geometry. */
export interface WinogradPlan {
  tilesH: number;
  tilesW: number;
  /** Padded input rows and columns: every tile's 4×4 window in bounds. */
  hp: number;
  wp: number;
  /** Tile rows per block, and in the image's last block. */
  blockRows: number;
  lastRows: number;
  blocks: number;
  /** Byte offset of the staging buffer (winograd-staging.ts) in the scratch, after V and M of one full block. */
  stagingOffset: number;
  /** Bytes of scratch a module needs: V, M and the staging buffer. */
  scratchBytes: number;
}

/** The plan of `g` under `tuning`. */
export function winogradPlan(g: WinogradGeometry, tuning: WinogradTuning = WINOGRAD_TUNING): WinogradPlan {
  const tilesH = Math.ceil(g.oh / 2);
  const tilesW = Math.ceil(g.ow / 2);
  const blockRows = Math.max(1, Math.min(tilesH, Math.floor(tuning.blockTiles / tilesW)));
  const blocks = Math.ceil(tilesH / blockRows);
  const lastRows = tilesH - (blocks - 1) * blockRows;
  const wp = 2 * tilesW + 2;
  const stagingOffset = 4 * WINOGRAD_POSITIONS * blockRows * tilesW * (g.c + g.k);
  const scratchBytes = stagingOffset + stagingBytes({ c: g.c, wp }, blockRows);
  return { tilesH, tilesW, hp: 2 * tilesH + 2, wp, blockRows, lastRows, blocks, stagingOffset, scratchBytes };
}

/** The parameters of `conv`. */
const [X, U, Y, N, SCR] = [0, 1, 2, 3, 4];

/** The i32 locals of `conv`, in index order. */
const WINOGRAD_INTS = [
  'img',
  'xImg',
  'yImg',
  'xBlk',
  'yBlk',
  'blk',
  'row',
  'col',
  'xRow',
  'xq',
  'xc',
  'vq',
  'vc',
  'cEnd',
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
  'inRow',
  'sp',
  'dp',
  'dEnd',
] as const;

/** The geometry, plan and locals one generated `conv` works with. */
type WinogradFrame = { [K in (typeof WINOGRAD_INTS)[number]]: number } & {
  g: WinogradGeometry;
  plan: WinogradPlan;
  tuning: WinogradTuning;
  relaxed: boolean;
  /** Register tile: P tiles × G groups of 4 output channels. */
  rowsP: number;
  groupsG: number;
  accs: number[];
  bs: number[];
  s: number;
  /** Scratch vectors of the transforms. */
  t: number[];
};

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
  if (g.c % 4 !== 0 || g.k % 4 !== 0 || g.c % tuning.unroll !== 0) {
    throw new Error(`winograd-simd: C = ${g.c} and K = ${g.k} must be multiples of 4`);
  }
  const plan = winogradPlan(g, tuning);
  const L = new Locals(5, WINOGRAD_INTS.length, MAX_TILE_ACCUMULATORS + 4 + 1 + 8);
  const ints = L.named(WINOGRAD_INTS);
  const groupsG = [4, 2, 1].find((v) => (g.k / 4) % v === 0)!;
  const f: WinogradFrame = {
    ...ints,
    g,
    plan,
    tuning,
    relaxed,
    rowsP: MAX_TILE_ACCUMULATORS / groupsG,
    groupsG,
    accs: L.vec(MAX_TILE_ACCUMULATORS),
    bs: L.vec(4),
    s: L.vec(1)[0]!,
    t: L.vec(8),
  };
  const code = imageBlocks(f, { x: X, n: N, scratch: SCR, out: Y, outChannels: g.k }, (rows, crop) => {
    const tiles = rows * plan.tilesW;
    return [...gemms(f, tiles), ...transformOutputs(f, rows, tiles, crop)];
  });
  return oneFunctionModule('conv', 5, L.body(code));
}

/** Byte offset of M in the scratch buffer (after a full block's V). */
const mOffset = (f: WinogradFrame): number => 4 * WINOGRAD_POSITIONS * f.plan.blockRows * f.plan.tilesW * f.g.c;

/** The locals the input pass walks the tiles of a block with (i32 local indices), and 4 scratch vectors `t`. */
export interface TileWalk {
  g: WinogradGeometry;
  plan: WinogradPlan;
  img: number;
  blk: number;
  xImg: number;
  inRow: number;
  sp: number;
  dp: number;
  dEnd: number;
  /** The output's (or dy's) image and block pointers. */
  yImg: number;
  yBlk: number;
  xBlk: number;
  xRow: number;
  row: number;
  col: number;
  xq: number;
  xc: number;
  vq: number;
  vc: number;
  cEnd: number;
  t: number[];
}

/**
 * The loop over images and their blocks of tile rows shared by the forward
 * and filter-gradient modules: per block, x's rows staged (zero padding,
 * winograd-staging.ts) and V written (the input transform), then `block(rows,
 * cropLastRow)`, with yBlk at the block's first row of the output (or dy:
 * parameter `out`, [n, oH, oW, outChannels]).
 */
export function imageBlocks(
  f: TileWalk,
  params: { x: number; n: number; scratch: number; out: number; outChannels: number },
  block: (rows: number, cropLastRow: boolean) => number[],
): number[] {
  const { g, plan } = f;
  const stage: StageWalk = { ...f, c: g.c, pad: g, wp: plan.wp, row: f.row };
  const { blockRows, lastRows, blocks } = plan;
  const uniform = lastRows === blockRows && g.oh % 2 === 0;
  const withInputs = (rows: number, crop: boolean) => [
    ...stageRows(stage, params.scratch, plan.stagingOffset, rows),
    ...offsetOf(f.xBlk, params.scratch, plan.stagingOffset),
    ...transformInputs(f, rows, rows * plan.tilesW, params.scratch),
    ...block(rows, crop),
  ];
  return [
    ...zeroStaging(stage, params.scratch, plan.stagingOffset, blockRows),
    ...perImage(
      f.img,
      params.n,
      [
        [f.xImg, params.x, 4 * g.h * g.w * g.c],
        [f.yImg, params.out, 4 * g.oh * g.ow * params.outChannels],
      ],
      [
        ...op.i32Const(-g.top),
        ...op.set(f.inRow),
        ...op.get(f.yImg),
        ...op.set(f.yBlk),
        ...repeat(f.blk, uniform ? blocks : blocks - 1, [
          ...withInputs(blockRows, false),
          ...bumpBy(f.inRow, 2 * blockRows),
          ...bumpBy(f.yBlk, 8 * blockRows * g.ow * params.outChannels),
        ]),
        ...(uniform ? [] : withInputs(lastRows, g.oh % 2 === 1)),
      ],
    ),
  ];
}

/**
 * V[ξ, t, c] at the start of the scratch buffer (parameter `scratch`) for
 * every tile t of a block of `rows` tile rows at xBlk in the (staged) padded
 * input (t = row · tilesW + col), 4 channels at a time.
 */
export function transformInputs(f: TileWalk, rows: number, tiles: number, scratch: number): number[] {
  const { g, plan } = f;
  const layout = { rowBytes: 4 * plan.wp * g.c, pixelBytes: 4 * g.c, positionBytes: 4 * tiles * g.c };
  return [
    ...op.get(f.xBlk),
    ...op.set(f.xRow),
    ...op.get(scratch),
    ...op.set(f.vq),
    ...repeat(f.row, rows, [
      ...op.get(f.xRow),
      ...op.set(f.xq),
      ...repeat(f.col, plan.tilesW, [
        ...op.get(f.xq),
        ...op.set(f.xc),
        ...op.get(f.vq),
        ...op.set(f.vc),
        ...offsetOf(f.cEnd, f.xq, 4 * g.c),
        ...whileBelow(f.xc, f.cEnd, [
          ...inputTransform(f.xc, f.vc, layout, f.t.slice(0, 4)),
          ...bumpBy(f.xc, 16),
          ...bumpBy(f.vc, 16),
        ]),
        ...bumpBy(f.xq, 8 * g.c),
        ...bumpBy(f.vq, 4 * g.c),
      ]),
      ...bumpBy(f.xRow, 8 * plan.wp * g.c),
    ]),
  ];
}

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

/** Y of every tile of the block into y at yBlk; the last tile row (cropLastRow) and column (oW odd) store 1 row / column. */
function transformOutputs(f: WinogradFrame, rows: number, tiles: number, cropLastRow: boolean): number[] {
  const { g, plan } = f;
  const layout = { positionBytes: 4 * tiles * g.k, rowBytes: 4 * g.ow * g.k, pixelBytes: 4 * g.k };
  const cropCol = g.ow % 2 === 1;
  // One tile at mq / yq: every group of 4 channels; then mq, yq to the next tile.
  const tile = (outRows: number, outCols: number) => [
    ...op.get(f.vq),
    ...op.set(f.vc),
    ...op.get(f.xq),
    ...op.set(f.xc),
    ...offsetOf(f.cEnd, f.xq, 4 * g.k),
    ...whileBelow(f.xc, f.cEnd, [
      ...outputTransform(f.vc, f.xc, layout, f.t, outRows, outCols),
      ...bumpBy(f.vc, 16),
      ...bumpBy(f.xc, 16),
    ]),
    ...bumpBy(f.vq, 4 * g.k),
    ...bumpBy(f.xq, 8 * g.k),
  ];
  // vq walks M, xq the output pixels (the input pointers are free here).
  const tileRow = (outRows: number) => [
    ...op.get(f.xRow),
    ...op.set(f.xq),
    ...repeat(f.col, plan.tilesW - (cropCol ? 1 : 0), tile(outRows, 2)),
    ...(cropCol ? tile(outRows, 1) : []),
    ...bumpBy(f.xRow, 8 * g.ow * g.k),
  ];
  return [
    ...op.get(f.yBlk),
    ...op.set(f.xRow),
    ...offsetOf(f.vq, SCR, mOffset(f)),
    ...repeat(f.row, rows - (cropLastRow ? 1 : 0), tileRow(2)),
    ...(cropLastRow ? tileRow(1) : []),
  ];
}
