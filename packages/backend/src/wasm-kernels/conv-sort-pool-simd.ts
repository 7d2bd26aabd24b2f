/**
 * A first layer's stride-1 convolution, bias, GroupSort(2) and scaled
 * L2-norm pooling as one WebAssembly SIMD module per geometry: the code
 * behind `LipnetConvBiasPairSortL2Pool` / `LipnetConvBiasPairSortL2PoolGrad`
 * (@lipnet/core's `FUSED_KERNELS`), which never write the convolution's output z:
 *
 *   y = scale · √mean_window(s²),  s = sort₂(Conv2D(x, w) + b)
 *   [dw, db] = [Σ_pixels x-patch ⊗ dz, Σ_pixels dz],  dz = LipnetBiasPairSortL2PoolGrad(z, b, dy)
 *
 * Per image and pooled row, blocks of k windows × V groups of 4 output
 * channels are computed as register tiles of one window row of conv pixels
 * at a time from the zero-padded input and pooled in registers
 * (conv-sort-pool-window.ts). The gradient keeps the row's z, then dz, in a
 * buffer of ph conv rows (a few KB, L1) and Σ dz in a partial per channel;
 * then the filter gradient of that block is taken from the buffer
 * (conv-sort-pool-filter.ts) into a partial dW; the partials are added into
 * dw and db after each image (a blocked summation, in a fixed
 * order: the same bits on every call).
 */
import { Locals, bumpBy, perImage, repeat, whileBelowConst, zero } from './conv-tiles';
import { flush } from './bias-pair-sort-l2-pool-simd';
import { blockFilterGrad, filterTileFor, type FilterLocals } from './conv-sort-pool-filter';
import {
  blockGrad,
  blockPool,
  tapCount,
  windowTile,
  type BlockLocals,
  type ConvPoolGeometry,
  type GradBlockLocals,
} from './conv-sort-pool-window';
import { padImage, type PadLocals } from './conv-sort-pool-pad';
import { F32, I32, moduleBytes, op, relaxedSimdEnabled } from './wasm-encoding';

export type { ConvPoolGeometry } from './conv-sort-pool-window';

/** The i32 locals of the image, row, channel-group and window loops. */
const LOOP_INTS = [
  'img',
  'xImg',
  'oImg',
  'xRow',
  'oRow',
  'i',
  'co',
  'xq',
  'xd',
  'wq',
  'oq',
  'q',
  'dh',
  'xr',
  'xt',
  'wt',
  'xEnd',
  'r',
  'pRow',
  'pSrc',
  'pDst',
  'pEnd',
] as const;
type LoopInts = { [K in (typeof LOOP_INTS)[number]]: number };

/** The v128 locals of a block (see {@link BlockLocals}). */
function blockLocals(g: ConvPoolGeometry, L: Locals, ints: LoopInts, relaxed: boolean): BlockLocals {
  const { k, vecs } = windowTile(g);
  return {
    ...ints,
    accs: L.vec(k * g.pw * vecs),
    sums: L.vec(k * vecs),
    bvs: L.vec(vecs),
    sp: L.vec(k * g.pw),
    wv: L.vec(1)[0]!,
    v: L.vec(1)[0]!,
    u: L.vec(1)[0]!,
    vecs,
    relaxed,
  };
}

/** v128 locals a block needs. */
function blockVecs(g: ConvPoolGeometry): number {
  const { k, vecs } = windowTile(g);
  return k * g.pw * vecs + k * vecs + vecs + k * g.pw + 3;
}

/** What a pooled row's group loop runs: the block code for k windows, pointers bumped per window, code around the windows. */
interface RowCode {
  block: (windows: number) => number[];
  /** [local, bytes per window, base local it starts from at + co]. */
  bumps?: Array<[number, number, number]>;
  before?: number[];
  after?: number[];
}

/**
 * For each block of V groups of 4 output channels (byte offset co) of the
 * pooled row at xRow / oRow: the groups' bias vectors, then the windows in
 * blocks of k (and one block of the rest), xq at a block's first padded
 * pixel and oq at its pooled vectors (y, or dy).
 */
function rowGroups(
  g: ConvPoolGeometry,
  L: LoopInts,
  f: BlockLocals,
  params: { w: number; b: number },
  r: RowCode,
): number[] {
  const { k } = windowTile(g);
  const bumps = r.bumps ?? [];
  const fromCo = (dst: number, base: number) => [...op.get(base), ...op.get(L.co), ...op.i32Add, ...op.set(dst)];
  const advance = (windows: number) => [
    ...bumpBy(L.xq, 4 * windows * g.pw * g.cin),
    ...bumpBy(L.oq, 4 * windows * g.c),
    ...bumps.flatMap(([local, bytes]) => bumpBy(local, windows * bytes)),
  ];
  const rest = g.cols % k;
  return [
    ...op.i32Const(0),
    ...op.set(L.co),
    ...whileBelowConst(L.co, 4 * g.c, [
      ...fromCo(L.wq, params.w),
      ...f.bvs.flatMap((bv, v) => [
        ...op.get(params.b),
        ...op.get(L.co),
        ...op.i32Add,
        ...op.v128LoadAt(16 * v),
        ...op.set(bv),
      ]),
      ...op.get(L.xRow),
      ...op.set(L.xq),
      ...fromCo(L.oq, L.oRow),
      ...bumps.flatMap(([local, , base]) => fromCo(local, base)),
      ...(r.before ?? []),
      ...repeat(L.q, Math.floor(g.cols / k), [...r.block(k), ...advance(k)]),
      ...(rest > 0 ? r.block(rest) : []),
      ...(r.after ?? []),
      ...bumpBy(L.co, 16 * f.vecs),
    ]),
  ];
}

/**
 * For each image: its padding into the pad buffer, then for each pooled row
 * `perRow` (xRow at its first padded row, oRow at its pooled row); `after`
 * each image. p: the parameters x, pad, out (y or dy) and n.
 */
function imageRows(
  g: ConvPoolGeometry,
  L: LoopInts,
  p: { x: number; pad: number; out: number; n: number },
  perRow: number[],
  after: number[],
): number[] {
  const pad: PadLocals = { image: L.xImg, pad: p.pad, row: L.pRow, src: L.pSrc, dst: L.pDst, end: L.pEnd };
  return perImage(
    L.img,
    p.n,
    [
      [L.xImg, p.x, 4 * g.h * g.w * g.cin],
      [L.oImg, p.out, 4 * g.rows * g.cols * g.c],
    ],
    [
      ...padImage(g, pad),
      ...op.get(p.pad),
      ...op.set(L.xRow),
      ...op.get(L.oImg),
      ...op.set(L.oRow),
      ...repeat(L.i, g.rows, [
        ...perRow,
        ...bumpBy(L.xRow, 4 * g.ph * g.wp * g.cin),
        ...bumpBy(L.oRow, 4 * g.cols * g.c),
      ]),
      ...after,
    ],
  );
}

/** `pool(x, pad, w, b, y, n, scale)`: y [n, rows, cols, C] from x [n, H, W, Cin] (pad: the scratch image, border zeroed). */
function poolFunction(g: ConvPoolGeometry, relaxed: boolean): number[] {
  const [X, PAD, W, B, Y, N, SCALE] = [0, 1, 2, 3, 4, 5, 6];
  const L = new Locals(7, LOOP_INTS.length, blockVecs(g));
  const ints = L.named(LOOP_INTS);
  const f = blockLocals(g, L, ints, relaxed);
  const perRow = rowGroups(g, ints, f, { w: W, b: B }, { block: (k) => blockPool(g, f, k, SCALE) });
  return L.body(imageRows(g, ints, { x: X, pad: PAD, out: Y, n: N }, perRow, []));
}

/** The extra i32 locals of the gradient. */
const GRAD_INTS = ['zq', 'zd', 'xr', 'fxq', 'dq', 'dEnd', 'dr', 'j'] as const;

/**
 * `grad(x, pad, w, b, dy, dz, part, partW, dw, db, n, scale, eps)`: dw and db
 * added into (zeroed by the caller), through part [C] and partW [taps, C]
 * (zeroed by the caller, zero again on return); dz is a scratch buffer of
 * ph·cols·pw·C floats.
 */
function gradFunction(g: ConvPoolGeometry, relaxed: boolean): number[] {
  const [X, PAD, W, B, DY, DZ, PART, PARTW, DW, DB, N, SCALE, EPS] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  const tile = filterTileFor(g);
  const { k, vecs } = windowTile(g);
  const L = new Locals(
    13,
    LOOP_INTS.length + GRAD_INTS.length,
    blockVecs(g) + 3 * k * vecs + vecs + 1 + 8 + tile.vecs + 1,
  );
  const ints = L.named(LOOP_INTS);
  const more = L.named(GRAD_INTS);
  const f = blockLocals(g, L, ints, relaxed);
  const d: GradBlockLocals = {
    zq: more.zq,
    zd: more.zd,
    scale: SCALE,
    eps: EPS,
    gv: L.vec(k * vecs),
    gs: L.vec(k * vecs),
    m: L.vec(1)[0]!,
    wsum: L.vec(vecs),
  };
  const addPart = d.wsum.flatMap((ws, v) => {
    const at = [...op.get(PART), ...op.get(ints.co), ...op.i32Add];
    return [...at, ...at, ...op.v128LoadAt(16 * v), ...op.get(ws), ...op.f32x4Add, ...op.v128StoreAt(16 * v)];
  });
  const windows = rowGroups(
    g,
    ints,
    f,
    { w: W, b: B },
    {
      block: (kk) => blockGrad(g, f, d, kk),
      bumps: [[more.zq, 4 * g.pw * g.c, DZ]],
      before: zero(d.wsum),
      after: addPart,
    },
  );
  const fl: FilterLocals = {
    xBlock: ints.xRow,
    xr: more.xr,
    xq: more.fxq,
    dq: more.dq,
    dEnd: more.dEnd,
    dr: more.dr,
    dz: DZ,
    partW: PARTW,
    accs: L.vec(8),
    ds: L.vec(tile.vecs),
    s: L.vec(1)[0]!,
    relaxed,
  };
  const after = [...flush(g.c, PART, DB, more.j), ...flush(tapCount(g) * g.c, PARTW, DW, more.j)];
  return L.body(imageRows(g, ints, { x: X, pad: PAD, out: DY, n: N }, [...windows, ...blockFilterGrad(g, fl)], after));
}

/**
 * The module for `g`: exports `pool(x, pad, w, b, y, n, scale)` and
 * `grad(x, pad, w, b, dy, dz, part, partW, dw, db, n, scale, eps)` (byte
 * addresses; n images). `relaxed`: multiply-adds as f32x4.relaxed_madd.
 */
export function convPoolModuleBytes(
  g: ConvPoolGeometry,
  relaxed: boolean = relaxedSimdEnabled(),
): Uint8Array<ArrayBuffer> {
  return moduleBytes([
    ['pool', [I32, I32, I32, I32, I32, I32, F32], poolFunction(g, relaxed)],
    ['grad', [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, F32, F32], gradFunction(g, relaxed)],
  ]);
}

/** Whether the module covers g (else the kernels compose lipnet's separate wasm kernels). */
export function convPoolApplies(g: ConvPoolGeometry): boolean {
  return g.c % 4 === 0 && g.c > 0 && g.ph * g.pw <= 16 && tapCount(g) <= 64 && g.rows >= 1 && g.cols >= 1;
}
