/**
 * Conv2DBackpropFilter (stride 1, dilation 1, NHWC, K a multiple of 4) as one
 * direct WebAssembly SIMD kernel, generated per geometry:
 *
 *   dW[p, k] = Σ_{n,i,j} xp[n, i + r, j + s, c] · dy[n, i, j, k],   p = (r, s, c)
 *
 * where xp is x zero-padded to (oH + fh − 1) × (oW + fw − 1) (one copy of the
 * smaller operand; every tap is then in bounds). dW is covered by register
 * tiles of T taps × V groups of 4 output channels (T·V ≤ 8 f32x4
 * accumulators): per output pixel a tile loads V vectors of dy and T splats of
 * x and does T·V multiply-adds. The pixels are swept in blocks of R output
 * rows of one image, sized so that the block's dy and x rows stay in L1
 * across the tiles; each tile sums a block in registers and adds the partial
 * sum into dW (a blocked summation: n·oH/R additions into each dW entry
 * instead of n·oH·oW).
 *
 * Replaces the stock-kernel compositions (im2col by a one-hot convolution and
 * GEMMs; swapped-axes convolutions with transposes), whose extra passes over
 * activations cost more than the multiply-adds for demo4's layers.
 */
import {
  Locals,
  MAX_TILE_ACCUMULATORS,
  addInto,
  bumpBy,
  madd,
  offsetOf,
  oneFunctionModule,
  perImage,
  repeat,
  runsOf,
  whileBelow,
  zero,
} from './conv-tiles';
import { op, relaxedSimdEnabled } from './wasm-encoding';

/** The geometry a filter-gradient module is generated for (stride 1, dilation 1). */
export interface FilterGradGeometry {
  /** Output rows and columns. */
  oh: number;
  ow: number;
  /** Filter rows and columns. */
  fh: number;
  fw: number;
  /** Input channels C and output channels K (a multiple of 4). */
  c: number;
  k: number;
}

/** A register tile shape: `taps` consecutive p = (r, s, c) × `vecs` groups of 4 output channels. */
export interface TileShape {
  taps: number;
  vecs: number;
}

/** Rough cycles per output pixel of a tiling: multiply-adds at 2 per cycle, loads at 2 per cycle, 2 cycles of loop per tile. */
function tilingCost(p: number, kv: number, shape: TileShape): number {
  let cycles = 0;
  for (const [, t] of runsOf(p, shape.taps)) {
    for (const [, v] of runsOf(kv, shape.vecs)) cycles += Math.max((t * v) / 2, (t + v) / 2) + 2;
  }
  return cycles;
}

/** The tile shape with the fewest estimated cycles for `p` taps and `kv` groups of 4 output channels. */
export function chooseTile(p: number, kv: number): TileShape {
  let best: TileShape = { taps: 1, vecs: 1 };
  let bestCost = Infinity;
  for (let vecs = 1; vecs <= Math.min(kv, MAX_TILE_ACCUMULATORS); vecs++) {
    const taps = Math.min(p, Math.floor(MAX_TILE_ACCUMULATORS / vecs));
    const cost = tilingCost(p, kv, { taps, vecs });
    if (cost < bestCost) {
      best = { taps, vecs };
      bestCost = cost;
    }
  }
  return best;
}

/** Output rows per block: the largest divisor of oH whose dy and x rows fit in ≈ 24 KB (L1). */
export function blockRows(g: FilterGradGeometry): number {
  const wp = g.ow + g.fw - 1;
  for (let r = g.oh; r > 1; r--) {
    if (g.oh % r !== 0) continue;
    const bytes = 4 * (r * g.ow * g.k + (r + g.fh - 1) * wp * g.c);
    if (bytes <= 24 * 1024) return r;
  }
  return 1;
}

/** One register tile: its first tap, tap count, first group of 4 output channels and group count. */
interface Tile {
  tap0: number;
  taps: number;
  kv0: number;
  vecs: number;
}

/** Byte offset of tap p = (r, s, c) from the padded pixel of an output pixel. */
function tapOffset(g: FilterGradGeometry, tap: number): number {
  const wp = g.ow + g.fw - 1;
  const c = tap % g.c;
  const rs = (tap - c) / g.c;
  return 4 * ((Math.floor(rs / g.fw) * wp + (rs % g.fw)) * g.c + c);
}

/**
 * The tiles covering dW, grouped by their code: tiles whose taps sit at the
 * same offsets from their first tap (e.g. 4 consecutive channels of one (r, s))
 * and that have as many channel groups share one loop over a table of
 * (x offset, dy offset, dW offset) entries.
 */
export function tileGroups(g: FilterGradGeometry, shape: TileShape): Array<{ key: string; tiles: Tile[] }> {
  const groups = new Map<string, Tile[]>();
  for (const [tap0, taps] of runsOf(g.fh * g.fw * g.c, shape.taps)) {
    const rel = Array.from({ length: taps }, (_, t) => tapOffset(g, tap0 + t) - tapOffset(g, tap0));
    for (const [kv0, vecs] of runsOf(g.k / 4, shape.vecs)) {
      const key = `${rel.join(',')}|${vecs}`;
      const list = groups.get(key) ?? [];
      list.push({ tap0, taps, kv0, vecs });
      groups.set(key, list);
    }
  }
  return [...groups.entries()].map(([key, tiles]) => ({ key, tiles }));
}

/** The table the module reads: per tile, in group order, (x, dy, dW) byte offsets as int32. */
export function tileTable(g: FilterGradGeometry, shape: TileShape): Int32Array {
  const tiles = tileGroups(g, shape).flatMap((gr) => gr.tiles);
  const table = new Int32Array(3 * tiles.length);
  tiles.forEach((t, i) => table.set([tapOffset(g, t.tap0), 16 * t.kv0, 4 * (t.tap0 * g.k + 4 * t.kv0)], 3 * i));
  return table;
}

/** The register-tile shape used for geometry `g` (see {@link chooseTile}). */
export const tileShapeFor = (g: FilterGradGeometry): TileShape => chooseTile(g.fh * g.fw * g.c, g.k / 4);

/**
 * The module for geometry `g`: exports `dw(xp, dy, out, n, table)` (byte
 * addresses of the padded input [n, oH+fh−1, oW+fw−1, C], of dy [n, oH, oW, K],
 * of dW [fh·fw·C, K], which it adds into, and of {@link tileTable}; n images).
 * Per block of output rows, each group of tiles is one loop over its table
 * entries, so the code stays small (hot in the instruction cache) whatever
 * the number of tiles. `relaxed`: multiply-adds as f32x4.relaxed_madd.
 */
export function filterGradModuleBytes(
  g: FilterGradGeometry,
  shape: TileShape = tileShapeFor(g),
  rowsPerBlock?: number,
  relaxed: boolean = relaxedSimdEnabled(),
): Uint8Array<ArrayBuffer> {
  const rows = rowsPerBlock ?? blockRows(g);
  const wp = g.ow + g.fw - 1;
  const hp = g.oh + g.fh - 1;
  const L = new Locals(5, 14, shape.taps * shape.vecs + shape.vecs + 1);
  const f = filterGradFrame(L, g, shape, rows, relaxed);
  let first = 0;
  const groups = tileGroups(g, shape).flatMap(({ tiles }) => {
    const code = groupCode(f, tiles[0]!, first, tiles.length);
    first += tiles.length;
    return code;
  });
  const images: Array<[number, number, number]> = [
    [f.xImg, XP, 4 * hp * wp * g.c],
    [f.dyImg, DY, 4 * g.oh * g.ow * g.k],
  ];
  const code = perImage(f.img, N, images, [
    ...op.get(f.xImg),
    ...op.set(f.xBlock),
    ...op.get(f.dyImg),
    ...op.set(f.dyBlock),
    ...repeat(f.rb, g.oh / rows, [
      ...groups,
      ...bumpBy(f.xBlock, 4 * rows * wp * g.c),
      ...bumpBy(f.dyBlock, 4 * rows * g.ow * g.k),
    ]),
  ]);
  return oneFunctionModule('dw', 5, L.body(code));
}

/** The parameters of `dw`. */
const [XP, DY, OUT, N, TABLE] = [0, 1, 2, 3, 4];

/** The i32 locals of `dw`, in index order. */
const FILTER_GRAD_INTS = [
  'img',
  'rb',
  'i',
  'xImg',
  'dyImg',
  'xBlock',
  'dyBlock',
  'xRow',
  'dyRow',
  'xq',
  'dq',
  'dEnd',
  'e',
  'eEnd',
] as const;

/** The geometry, tiling and locals one generated `dw` works with. */
type FilterGradFrame = { [K in (typeof FILTER_GRAD_INTS)[number]]: number } & {
  g: FilterGradGeometry;
  shape: TileShape;
  /** Output rows per block. */
  rows: number;
  relaxed: boolean;
  /** Accumulator of tap t, channel group v at t·shape.vecs + v. */
  accs: number[];
  /** dy's vectors, one per channel group. */
  ds: number[];
  /** x's splatted value. */
  s: number;
};

/** Allocates the frame's locals from `L` (the order fixes the local indices). */
function filterGradFrame(
  L: Locals,
  g: FilterGradGeometry,
  shape: TileShape,
  rows: number,
  relaxed: boolean,
): FilterGradFrame {
  const ints = L.named(FILTER_GRAD_INTS);
  const accs = L.vec(shape.taps * shape.vecs);
  const ds = L.vec(shape.vecs);
  const s = L.vec(1)[0]!;
  return { g, shape, rows, relaxed, ...ints, accs, ds, s };
}

/** Accumulator of tap t, channel group v. */
const accOf = (f: FilterGradFrame, t: number, v: number): number => f.accs[t * f.shape.vecs + v]!;

/** One output pixel of a tile shaped like `tile`: dy's vectors at dq, x's splats at xq, the multiply-adds; xq, dq advanced. */
function pixelStep(f: FilterGradFrame, tile: Tile): number[] {
  const { g } = f;
  const { taps, vecs } = tile;
  const rel = (t: number) => tapOffset(g, tile.tap0 + t) - tapOffset(g, tile.tap0);
  return [
    ...Array.from({ length: vecs }, (_, v) => [...op.get(f.dq), ...op.v128LoadAt(16 * v), ...op.set(f.ds[v]!)]).flat(),
    ...Array.from({ length: taps }, (_, t) => [
      ...op.get(f.xq),
      ...op.v128Load32Splat(rel(t)),
      ...op.set(f.s),
      ...Array.from({ length: vecs }, (_, v) => madd(accOf(f, t, v), f.s, f.ds[v]!, f.relaxed)).flat(),
    ]).flat(),
    ...bumpBy(f.xq, 4 * g.c),
    ...bumpBy(f.dq, 4 * g.k),
  ];
}

/** One loop over a group's table entries [first, first + count): each a tile of the group's code. */
function groupCode(f: FilterGradFrame, tile: Tile, first: number, count: number): number[] {
  const { g } = f;
  const wp = g.ow + g.fw - 1;
  const { taps, vecs } = tile;
  const used = Array.from({ length: taps * vecs }, (_, a) => accOf(f, Math.floor(a / vecs), a % vecs));
  const entry = (field: number) => [...op.get(f.e), ...op.i32Load(4 * field)];
  return [
    ...offsetOf(f.e, TABLE, 12 * first),
    ...offsetOf(f.eEnd, TABLE, 12 * (first + count)),
    ...whileBelow(f.e, f.eEnd, [
      ...zero(used),
      ...op.get(f.xBlock),
      ...entry(0),
      ...op.i32Add,
      ...op.set(f.xRow),
      ...op.get(f.dyBlock),
      ...entry(1),
      ...op.i32Add,
      ...op.set(f.dyRow),
      ...repeat(f.i, f.rows, [
        ...op.get(f.xRow),
        ...op.set(f.xq),
        ...op.get(f.dyRow),
        ...op.set(f.dq),
        ...offsetOf(f.dEnd, f.dyRow, 4 * g.ow * g.k),
        ...whileBelow(f.dq, f.dEnd, pixelStep(f, tile)),
        ...bumpBy(f.xRow, 4 * wp * g.c),
        ...bumpBy(f.dyRow, 4 * g.ow * g.k),
      ]),
      // dW entries of this tile: out + table offset + (t·K + 4v)·4; xq is free here and holds that base.
      ...op.get(OUT),
      ...entry(2),
      ...op.i32Add,
      ...op.set(f.xq),
      ...Array.from({ length: taps * vecs }, (_, a) => {
        const t = Math.floor(a / vecs);
        const v = a % vecs;
        return addInto(f.xq, 4 * (t * g.k + 4 * v), accOf(f, t, v));
      }).flat(),
      ...bumpBy(f.e, 12),
    ]),
  ];
}
