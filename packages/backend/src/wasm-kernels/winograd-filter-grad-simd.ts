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
  WALK_INTS,
  WINOGRAD_TUNING,
  eachOutputTile,
  imageBlocks,
  type WinogradGeometry,
  type WinogradTuning,
  type WinogradVectors,
  winogradFrame,
} from './winograd-blocks';
import { WINOGRAD_POSITIONS, outputGradTransform } from './winograd-transforms';

/** The parameters of `dw`. */
const [X, DY, S, N, SCR] = [0, 1, 2, 3, 4];

/** The i32 locals of `dw`, in index order. */
const GRAD_INTS = [...WALK_INTS, 'xi', 'cb', 'kb', 'aBase', 'zBase', 'sBase', 'ap', 'zp', 'tEnd', 'sq'] as const;

type GradFrame = { [K in (typeof GRAD_INTS)[number]]: number } & WinogradVectors;

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
  // P channels: 8 / G where C allows, else 4.
  const { L, f } = winogradFrame(GRAD_INTS, g, tuning, relaxed, (G) =>
    g.c % (MAX_TILE_ACCUMULATORS / G) === 0 ? MAX_TILE_ACCUMULATORS / G : 4,
  );
  const { plan } = f;
  const code = imageBlocks(f, { x: X, n: N, scratch: SCR, out: DY, outChannels: g.k }, (rows, crop) => {
    const tiles = rows * plan.tilesW;
    return [...transformGrads(f, rows, tiles, crop), ...accumulate(f, tiles)];
  });
  return oneFunctionModule('dw', 5, L.body(code));
}

/** Byte offset of Z in the scratch buffer (after a full block's V). */
const zOffset = (f: GradFrame): number => 4 * WINOGRAD_POSITIONS * f.plan.blockRows * f.plan.tilesW * f.g.c;

/** Z[ξ, t, k] = (A dY_t Aᵀ)_ξ of every tile of the block (dy at yBlk; cropped tiles read 0 beyond dy). */
function transformGrads(f: GradFrame, rows: number, tiles: number, cropLastRow: boolean): number[] {
  const { g } = f;
  const layout = { rowBytes: 4 * g.ow * g.k, pixelBytes: 4 * g.k, positionBytes: 4 * tiles * g.k };
  return eachOutputTile(f, rows, cropLastRow, { scratch: SCR, offset: zOffset(f), channels: g.k }, (r, c) =>
    outputGradTransform(f.xc, f.vc, layout, f.t, r, c),
  );
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
