/**
 * A stride-1 convolution (NHWC, K a multiple of 4) as one direct WebAssembly
 * SIMD kernel, generated per geometry:
 *
 *   y[n, i, j, k] = Σ_{r,s,c} xp[n, i + r, j + s, c] · W[r, s, c, k]
 *
 * on x zero-padded to (oH + fh − 1) × (oW + fw − 1). A register tile holds J
 * consecutive output pixels × V groups of 4 output channels (J·V ≤ 8 f32x4
 * accumulators); per tap it loads V vectors of W's row and J splats of x and
 * does J·V multiply-adds, then stores the tile once. Taps are visited through
 * a table of their offsets, one loop iteration each, so the code stays small
 * whatever the filter. Used for Conv2D and, on dy with the flipped, transposed
 * filter, for Conv2DBackpropInput.
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

/** The geometry a forward module is generated for: output oH × oW, filter fh × fw, C in, K out (K % 4 = 0). */
export interface ForwardGeometry {
  oh: number;
  ow: number;
  fh: number;
  fw: number;
  c: number;
  k: number;
}

/** A register tile: `pixels` consecutive output pixels × `vecs` groups of 4 output channels. */
export interface PixelTile {
  pixels: number;
  vecs: number;
}

/** J × V: 2 × 4 when K allows (6 loads per 8 multiply-adds), else the largest V dividing K/4 with J·V ≤ 8. */
export function choosePixelTile(g: ForwardGeometry): PixelTile {
  const kv = g.k / 4;
  const vecs = [4, 2, 1].find((v) => kv % v === 0)!;
  return { pixels: Math.min(g.ow, Math.floor(MAX_TILE_ACCUMULATORS / vecs)), vecs };
}

/** The tap table: per tap p = (r, s, c), the byte offsets of its x value from the output pixel's padded pixel and of its W row. */
export function tapTable(g: ForwardGeometry): Int32Array {
  const wp = g.ow + g.fw - 1;
  const out = new Int32Array(2 * g.fh * g.fw * g.c);
  let e = 0;
  for (let r = 0; r < g.fh; r++)
    for (let s = 0; s < g.fw; s++)
      for (let c = 0; c < g.c; c++, e += 2)
        out.set([4 * ((r * wp + s) * g.c + c), 4 * ((r * g.fw + s) * g.c + c) * g.k], e);
  return out;
}

/**
 * The module for geometry `g`: exports `conv(xp, w, y, n, table)` (byte
 * addresses of the padded input [n, oH+fh−1, oW+fw−1, C], of W [fh, fw, C, K],
 * of y [n, oH, oW, K], which it writes, and of {@link tapTable} as int32; n images).
 * `relaxed`: multiply-adds as f32x4.relaxed_madd.
 */
export function forwardModuleBytes(
  g: ForwardGeometry,
  tile: PixelTile = choosePixelTile(g),
  relaxed: boolean = relaxedSimdEnabled(),
): Uint8Array<ArrayBuffer> {
  const wp = g.ow + g.fw - 1;
  const hp = g.oh + g.fh - 1;
  const L = new Locals(5, 14, tile.pixels * tile.vecs + tile.vecs + 1);
  const f = forwardFrame(L, g, tile, relaxed);
  const full = Math.floor(g.ow / tile.pixels);
  const rest = g.ow - full * tile.pixels;
  const row = [
    ...op.get(f.xRow),
    ...op.set(f.xq),
    ...op.get(f.yRow),
    ...op.set(f.yq),
    ...repeat(f.jb, full, [
      ...pixelTile(f, tile.pixels),
      ...bumpBy(f.xq, 4 * g.c * tile.pixels),
      ...bumpBy(f.yq, 4 * g.k * tile.pixels),
    ]),
    ...(rest > 0 ? pixelTile(f, rest) : []),
  ];
  const images: Array<[number, number, number]> = [
    [f.xImg, XP, 4 * hp * wp * g.c],
    [f.yImg, Y, 4 * g.oh * g.ow * g.k],
  ];
  const code = perImage(f.img, N, images, [
    ...op.get(f.xImg),
    ...op.set(f.xRow),
    ...op.get(f.yImg),
    ...op.set(f.yRow),
    ...repeat(f.i, g.oh, [...row, ...bumpBy(f.xRow, 4 * wp * g.c), ...bumpBy(f.yRow, 4 * g.ow * g.k)]),
  ]);
  return oneFunctionModule('conv', 5, L.body(code));
}

/** The parameters of `conv`. */
const [XP, W, Y, N, TABLE] = [0, 1, 2, 3, 4];

/** The i32 locals of `conv`, in index order. */
const FORWARD_INTS = [
  'img',
  'i',
  'jb',
  'kb',
  'xImg',
  'yImg',
  'xRow',
  'yRow',
  'xq',
  'yq',
  'xt',
  'wt',
  'e',
  'eEnd',
] as const;

/** The geometry, tile and locals one generated `conv` works with. */
type ForwardFrame = { [K in (typeof FORWARD_INTS)[number]]: number } & {
  g: ForwardGeometry;
  tile: PixelTile;
  relaxed: boolean;
  /** Accumulator of pixel u, channel group v at u·vecs + v. */
  accs: number[];
  /** W's row, one vector per channel group. */
  ws: number[];
  /** x's splatted value. */
  s: number;
};

/** Allocates the frame's locals from `L` (the order fixes the local indices). */
function forwardFrame(L: Locals, g: ForwardGeometry, tile: PixelTile, relaxed: boolean): ForwardFrame {
  const ints = L.named(FORWARD_INTS);
  const accs = L.vec(tile.pixels * tile.vecs);
  const ws = L.vec(tile.vecs);
  const s = L.vec(1)[0]!;
  return { g, tile, relaxed, ...ints, accs, ws, s };
}

/**
 * Σ over every tap into the accumulators of `pixels` pixels at xq, for the
 * channel groups at W + kb: one loop iteration per tap (a straight run of taps
 * would let the engine hoist all their loads and spill them).
 */
function reduce(f: ForwardFrame, pixels: number): number[] {
  const { g, tile } = f;
  const entry = (field: number) => [...op.get(f.e), ...op.i32Load(4 * field)];
  return [
    ...op.get(TABLE),
    ...op.set(f.e),
    ...offsetOf(f.eEnd, TABLE, 8 * g.fh * g.fw * g.c),
    ...whileBelow(f.e, f.eEnd, [
      ...op.get(f.xq),
      ...entry(0),
      ...op.i32Add,
      ...op.set(f.xt),
      ...op.get(W),
      ...op.get(f.kb),
      ...op.i32Add,
      ...entry(1),
      ...op.i32Add,
      ...op.set(f.wt),
      ...Array.from({ length: tile.vecs }, (_, v) => [
        ...op.get(f.wt),
        ...op.v128LoadAt(16 * v),
        ...op.set(f.ws[v]!),
      ]).flat(),
      ...Array.from({ length: pixels }, (_, u) => [
        ...op.get(f.xt),
        ...op.v128Load32Splat(4 * g.c * u),
        ...op.set(f.s),
        ...Array.from({ length: tile.vecs }, (_, v) =>
          madd(f.accs[u * tile.vecs + v]!, f.s, f.ws[v]!, f.relaxed),
        ).flat(),
      ]).flat(),
      ...bumpBy(f.e, 8),
    ]),
  ];
}

/** One tile of `pixels` pixels at xq / yq, for every channel group (kb = byte offset of the group). */
function pixelTile(f: ForwardFrame, pixels: number): number[] {
  const { g, tile } = f;
  const used = f.accs.slice(0, pixels * tile.vecs);
  return [
    ...op.i32Const(0),
    ...op.set(f.kb),
    ...whileBelowConst(f.kb, 16 * (g.k / 4), [
      ...zero(used),
      ...reduce(f, pixels),
      ...op.get(f.yq),
      ...op.get(f.kb),
      ...op.i32Add,
      ...op.set(f.xt), // xt is free here: the tile's output address
      ...Array.from({ length: pixels * tile.vecs }, (_, a) =>
        storeTo(f.xt, 4 * g.k * Math.floor(a / tile.vecs) + 16 * (a % tile.vecs), f.accs[a]!),
      ).flat(),
      ...bumpBy(f.kb, 16 * tile.vecs),
    ]),
  ];
}
