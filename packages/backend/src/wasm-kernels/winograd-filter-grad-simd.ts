/**
 * The filter gradient of a 3×3 stride-1 convolution (NHWC, C and K multiples
 * of 4) by Winograd F(2×2, 3×3), as one WebAssembly SIMD kernel generated per
 * geometry. The forward tile is Y = Aᵀ [U ⊙ V] A with U = G g Gᵀ, V = Bᵀ d B
 * (winograd-transforms.ts), so by the chain rule
 *
 *   ∂L/∂U_ξ[c, k] = Ŝ_ξ[c, k] = Σ_{n, tiles} V_ξ[t, c] · Z_ξ[t, k],   Z = A dY Aᵀ,
 *   dW = Gᵀ Ŝ G,
 *
 * dY the 2×2 output-gradient tile (0 where a tile is cropped). Per block of
 * tiles (as winograd-simd.ts): the input transform writes V [16, T, C], the
 * output-gradient transform Z [16, T, K], then per ξ register tiles of P
 * channels × G groups of 4 output channels (P·G = 8 accumulators) sum over
 * the block's tiles and are added into Ŝ. 16 multiply-adds per tile and
 * channel pair instead of 36. The caller zeroes Ŝ and applies Gᵀ · G
 * (winogradFilterGrad).
 */
import {
  Locals,
  MAX_TILE_ACCUMULATORS,
  addInto,
  bumpBy,
  madd,
  offsetOf,
  oneFunctionModule,
  repeat,
  whileBelow,
  whileBelowConst,
  zero,
} from './conv-tiles';
import { op, relaxedSimdEnabled } from './wasm-encoding';
import {
  WINOGRAD_TUNING,
  imageBlocks,
  winogradPlan,
  type WinogradGeometry,
  type WinogradPlan,
  type WinogradTuning,
} from './winograd-simd';
import { WINOGRAD_POSITIONS, outputGradTransform } from './winograd-transforms';

/** The parameters of `dw`. */
const [X, DY, S, N, SCR] = [0, 1, 2, 3, 4];

/** The i32 locals of `dw`, in index order. */
const GRAD_INTS = [
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
  'cb',
  'kb',
  'aBase',
  'zBase',
  'sBase',
  'ap',
  'zp',
  'tEnd',
  'sq',
  'inRow',
  'sp',
  'dp',
  'dEnd',
] as const;

type GradFrame = { [K in (typeof GRAD_INTS)[number]]: number } & {
  g: WinogradGeometry;
  plan: WinogradPlan;
  relaxed: boolean;
  /** Register tile: P channels × G groups of 4 output channels. */
  rowsP: number;
  groupsG: number;
  accs: number[];
  bs: number[];
  s: number;
  t: number[];
};

/**
 * The module for `g`: exports `dw(x, dy, s, n, scratch)` (byte addresses of
 * x [n, h, w, C], of dy [n, oH, oW, K],
 * of Ŝ [16, C, K], which it adds to, and of {@link WinogradPlan.scratchBytes}
 * bytes of scratch; n images).
 */
export function winogradFilterGradModuleBytes(
  g: WinogradGeometry,
  tuning: WinogradTuning = WINOGRAD_TUNING,
  relaxed: boolean = relaxedSimdEnabled(),
): Uint8Array<ArrayBuffer> {
  if (g.c % 4 !== 0 || g.k % 4 !== 0) {
    throw new Error(`winograd-filter-grad-simd: C = ${g.c} and K = ${g.k} must be multiples of 4`);
  }
  const plan = winogradPlan(g, tuning);
  const L = new Locals(5, GRAD_INTS.length, MAX_TILE_ACCUMULATORS + 4 + 1 + 8);
  const groupsG = [4, 2, 1].find((v) => (g.k / 4) % v === 0)!;
  const rowsP = [MAX_TILE_ACCUMULATORS / groupsG, 4].find((p) => g.c % p === 0)!;
  const f: GradFrame = {
    ...L.named(GRAD_INTS),
    g,
    plan,
    relaxed,
    rowsP,
    groupsG,
    accs: L.vec(MAX_TILE_ACCUMULATORS),
    bs: L.vec(4),
    s: L.vec(1)[0]!,
    t: L.vec(8),
  };
  const code = imageBlocks(f, { x: X, n: N, scratch: SCR, out: DY, outChannels: g.k }, (rows, crop) => {
    const tiles = rows * plan.tilesW;
    return [...transformGrads(f, rows, tiles, crop), ...accumulate(f, tiles)];
  });
  return oneFunctionModule('dw', 5, L.body(code));
}

/** Byte offset of Z in the scratch buffer (after a full block's V). */
const zOffset = (f: GradFrame): number => 4 * WINOGRAD_POSITIONS * f.plan.blockRows * f.plan.tilesW * f.g.c;

/** Z[ξ, t, k] = (A dY_t Aᵀ)_ξ of every tile of the block (dy at dyBlk; cropped tiles read 0 beyond dy). */
function transformGrads(f: GradFrame, rows: number, tiles: number, cropLastRow: boolean): number[] {
  const { g, plan } = f;
  const layout = { rowBytes: 4 * g.ow * g.k, pixelBytes: 4 * g.k, positionBytes: 4 * tiles * g.k };
  const cropCol = g.ow % 2 === 1;
  // xq / xc walk dy, vq / vc walk Z (the input pass is done with them).
  const tile = (outRows: number, outCols: number) => [
    ...op.get(f.vq),
    ...op.set(f.vc),
    ...op.get(f.xq),
    ...op.set(f.xc),
    ...offsetOf(f.cEnd, f.xq, 4 * g.k),
    ...whileBelow(f.xc, f.cEnd, [
      ...outputGradTransform(f.xc, f.vc, layout, f.t, outRows, outCols),
      ...bumpBy(f.vc, 16),
      ...bumpBy(f.xc, 16),
    ]),
    ...bumpBy(f.vq, 4 * g.k),
    ...bumpBy(f.xq, 8 * g.k),
  ];
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
    ...offsetOf(f.vq, SCR, zOffset(f)),
    ...repeat(f.row, rows - (cropLastRow ? 1 : 0), tileRow(2)),
    ...(cropLastRow ? tileRow(1) : []),
  ];
}

/** Ŝ_ξ[c, k] += Σ_t V_ξ[t, c] · Z_ξ[t, k] for ξ = 0…15, by register tiles of P channels × G groups. */
function accumulate(f: GradFrame, tiles: number): number[] {
  const { g, rowsP: P, groupsG: G } = f;
  const acc = (u: number, v: number) => f.accs[u * G + v]!;
  const all = Array.from({ length: P * G }, (_, a) => acc(Math.floor(a / G), a % G));
  const tileSum = [
    ...zero(all),
    // ap = aBase + cb; zp = zBase + kb; tEnd = ap + 4·C·tiles
    ...op.get(f.aBase),
    ...op.get(f.cb),
    ...op.i32Add,
    ...op.set(f.ap),
    ...op.get(f.zBase),
    ...op.get(f.kb),
    ...op.i32Add,
    ...op.set(f.zp),
    ...offsetOf(f.tEnd, f.ap, 4 * g.c * tiles),
    ...whileBelow(f.ap, f.tEnd, [
      ...Array.from({ length: G }, (_, v) => [...op.get(f.zp), ...op.v128LoadAt(16 * v), ...op.set(f.bs[v]!)]).flat(),
      ...Array.from({ length: P }, (_, u) => [
        ...op.get(f.ap),
        ...op.v128Load32Splat(4 * u),
        ...op.set(f.s),
        ...Array.from({ length: G }, (_, v) => madd(acc(u, v), f.s, f.bs[v]!, f.relaxed)).flat(),
      ]).flat(),
      ...bumpBy(f.ap, 4 * g.c),
      ...bumpBy(f.zp, 4 * g.k),
    ]),
    // sq = sBase + (cb / 4)·4K + kb
    ...op.get(f.sBase),
    ...op.get(f.cb),
    ...op.i32Const(g.k),
    ...op.i32Mul,
    ...op.i32Add,
    ...op.get(f.kb),
    ...op.i32Add,
    ...op.set(f.sq),
    ...all.flatMap((a, i) => addInto(f.sq, 4 * g.k * Math.floor(i / G) + 16 * (i % G), a)),
  ];
  return [
    ...op.get(SCR),
    ...op.set(f.aBase),
    ...offsetOf(f.zBase, SCR, zOffset(f)),
    ...op.get(S),
    ...op.set(f.sBase),
    ...repeat(f.xi, WINOGRAD_POSITIONS, [
      ...op.i32Const(0),
      ...op.set(f.cb),
      ...whileBelowConst(f.cb, 4 * g.c, [
        ...op.i32Const(0),
        ...op.set(f.kb),
        ...whileBelowConst(f.kb, 4 * g.k, [...tileSum, ...bumpBy(f.kb, 16 * G)]),
        ...bumpBy(f.cb, 4 * P),
      ]),
      ...bumpBy(f.aBase, 4 * tiles * g.c),
      ...bumpBy(f.zBase, 4 * tiles * g.k),
      ...bumpBy(f.sBase, 4 * g.c * g.k),
    ]),
  ];
}
