/**
 * What lipnet's two Winograd F(2×2, 3×3) modules (winograd-simd.ts: the
 * convolution; winograd-filter-grad-simd.ts: its filter gradient) share: the
 * geometry and its plan (tiles, blocks of whole tile rows, scratch layout),
 * the loop over images and blocks with x's rows staged and the input
 * transform V = Bᵀ d B written per block, and the walk over a block's output
 * (or output-gradient) tiles, cropped at odd sizes.
 */
import { Locals, MAX_TILE_ACCUMULATORS, bumpBy, offsetOf, perImage, repeat, whileBelow } from './conv-tiles';
import { op } from './wasm-encoding';
import { WINOGRAD_POSITIONS, inputTransform } from './winograd-transforms';
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

/** The i32 locals of {@link TileWalk}: each module declares these first, then its own. */
export const WALK_INTS = [
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
  'inRow',
  'sp',
  'dp',
  'dEnd',
] as const;

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

/**
 * `perTile(rowsOut, colsOut)` for every group of 4 channels (of `channels`) of
 * every tile of a block of `rows` tile rows, with xc at the tile's first
 * output (or dy) pixel from yBlk and vc at its entry in the transformed
 * buffer at scratch + `offset` ([16, T, channels]); the last tile row
 * (cropLastRow) and column (oW odd) have 1 row / column.
 */
export function eachOutputTile(
  f: TileWalk,
  rows: number,
  cropLastRow: boolean,
  at: { scratch: number; offset: number; channels: number },
  perTile: (rowsOut: number, colsOut: number) => number[],
): number[] {
  const { g, plan } = f;
  const ch = at.channels;
  const cropCol = g.ow % 2 === 1;
  // vq walks the transformed buffer, xq the output pixels (the input pass is done with both).
  const tile = (outRows: number, outCols: number) => [
    ...op.get(f.vq),
    ...op.set(f.vc),
    ...op.get(f.xq),
    ...op.set(f.xc),
    ...offsetOf(f.cEnd, f.xq, 4 * ch),
    ...whileBelow(f.xc, f.cEnd, [...perTile(outRows, outCols), ...bumpBy(f.vc, 16), ...bumpBy(f.xc, 16)]),
    ...bumpBy(f.vq, 4 * ch),
    ...bumpBy(f.xq, 8 * ch),
  ];
  const tileRow = (outRows: number) => [
    ...op.get(f.xRow),
    ...op.set(f.xq),
    ...repeat(f.col, plan.tilesW - (cropCol ? 1 : 0), tile(outRows, 2)),
    ...(cropCol ? tile(outRows, 1) : []),
    ...bumpBy(f.xRow, 8 * g.ow * ch),
  ];
  return [
    ...op.get(f.yBlk),
    ...op.set(f.xRow),
    ...offsetOf(f.vq, at.scratch, at.offset),
    ...repeat(f.row, rows - (cropLastRow ? 1 : 0), tileRow(2)),
    ...(cropLastRow ? tileRow(1) : []),
  ];
}

/** The register tile and vector locals of a generated Winograd function, with its geometry and plan. */
export interface WinogradVectors {
  g: WinogradGeometry;
  plan: WinogradPlan;
  tuning: WinogradTuning;
  relaxed: boolean;
  /** Register tile: P rows (tiles or channels) × G groups of 4 output channels, P·G ≤ 8 accumulators. */
  rowsP: number;
  groupsG: number;
  accs: number[];
  /** The G vectors loaded per step, the splatted scalar, the transforms' 8 scratch vectors. */
  bs: number[];
  s: number;
  t: number[];
}

/**
 * The locals of a generated Winograd function of 5 parameters: the i32 locals
 * `ints` (by name), then the vectors; G = the most groups of 4 (≤ 4) dividing
 * K/4, P = `rowsP(G)`. Checks that C and K are multiples of 4.
 */
export function winogradFrame<const T extends readonly string[]>(
  ints: T,
  g: WinogradGeometry,
  tuning: WinogradTuning,
  relaxed: boolean,
  rowsP: (groupsG: number) => number,
): { L: Locals; f: { [K in T[number]]: number } & WinogradVectors } {
  if (g.c % 4 !== 0 || g.k % 4 !== 0 || g.c % tuning.unroll !== 0) {
    throw new Error(`winograd: C = ${g.c} and K = ${g.k} must be multiples of 4`);
  }
  const L = new Locals(5, ints.length, MAX_TILE_ACCUMULATORS + 4 + 1 + 8);
  const named = L.named(ints);
  const groupsG = [4, 2, 1].find((v) => (g.k / 4) % v === 0)!;
  const plan = winogradPlan(g, tuning);
  const accs = L.vec(MAX_TILE_ACCUMULATORS);
  const bs = L.vec(4);
  const s = L.vec(1)[0]!;
  const t = L.vec(8);
  return { L, f: { ...named, g, plan, tuning, relaxed, rowsP: rowsP(groupsG), groupsG, accs, bs, s, t } };
}
