/**
 * A first layer's stride-1 convolution, bias, GroupSort(2) and scaled
 * L2-norm pooling as one WebAssembly SIMD module per geometry: the code
 * behind `LipnetConvBiasPairSortL2Pool` / `LipnetConvBiasPairSortL2PoolGrad`
 * (@lipnet/core's `FUSED_KERNELS`), which never write the convolution's output z:
 *
 *   y = scale · √mean_window(s²),  s = sort₂(Conv2D(x, w) + b)
 *   [dw, db] = [Σ_pixels x-patch ⊗ dz, Σ_pixels dz],  dz = LipnetBiasPairSortL2PoolGrad(z, b, dy)
 *
 * Per image, pooled row and group of 4 output channels (the group's weights in
 * locals when there are at most {@link WEIGHTS_IN_LOCALS_MAX} taps), each
 * window's ph·pw conv pixels are computed in registers from the zero-padded
 * input and pooled there (conv-sort-pool-window.ts). The gradient writes the
 * row's dz into a buffer of ph conv rows (a few KB, L1) and Σ dz into a
 * partial per channel; then the filter gradient of that block is taken from
 * the buffer (conv-sort-pool-filter.ts) into a partial dW; the partials are
 * added into dw and db after each image (a blocked summation, in a fixed
 * order: the same bits on every call).
 */
import { Locals, bumpBy, perImage, repeat, whileBelowConst } from './conv-tiles';
import { flush } from './bias-pair-sort-l2-pool-simd';
import { blockFilterGrad, filterTileFor, type FilterLocals } from './conv-sort-pool-filter';
import {
  WEIGHTS_IN_LOCALS_MAX,
  loadWeights,
  tapCount,
  windowGrad,
  windowPool,
  type ConvPoolGeometry,
  type GradWindowLocals,
  type WindowLocals,
} from './conv-sort-pool-window';
import { F32, I32, moduleBytes, op, relaxedSimdEnabled } from './wasm-encoding';

export type { ConvPoolGeometry } from './conv-sort-pool-window';

/** The i32 locals of the image, row, channel-group and window loops. */
const LOOP_INTS = ['img', 'xImg', 'oImg', 'xRow', 'oRow', 'i', 'co', 'xq', 'wq', 'oq', 'q'] as const;
type LoopInts = { [K in (typeof LOOP_INTS)[number]]: number };

/** The v128 locals of a window: accumulators, weights, bias, Σ s², scratch. */
function windowLocals(g: ConvPoolGeometry, L: Locals, ints: LoopInts, relaxed: boolean): WindowLocals {
  const taps = tapCount(g);
  return {
    xq: ints.xq,
    wq: ints.wq,
    accs: L.vec(g.ph * g.pw),
    ws: L.vec(taps <= WEIGHTS_IN_LOCALS_MAX ? taps : 1),
    bv: L.vec(1)[0]!,
    sum: L.vec(1)[0]!,
    v: L.vec(1)[0]!,
    u: L.vec(1)[0]!,
    relaxed,
  };
}

/** v128 locals a window needs (see {@link windowLocals}). */
const windowVecs = (g: ConvPoolGeometry): number =>
  g.ph * g.pw + (tapCount(g) <= WEIGHTS_IN_LOCALS_MAX ? tapCount(g) : 1) + 4;

/**
 * For each group of 4 output channels co of the pooled row at xRow / oRow: the
 * group's weights and bias, then `perWindow` for each window with xq at its
 * first padded pixel and oq at its pooled vector (y, or dy); `bumps` advances
 * other per-window pointers ([local, bytes per window, base local at co = 0]).
 */
function rowGroups(
  g: ConvPoolGeometry,
  L: LoopInts,
  f: WindowLocals,
  params: { w: number; b: number },
  perWindow: number[],
  bumps: Array<[number, number, number]> = [],
): number[] {
  const fromCo = (dst: number, base: number) => [...op.get(base), ...op.get(L.co), ...op.i32Add, ...op.set(dst)];
  return [
    ...op.i32Const(0),
    ...op.set(L.co),
    ...whileBelowConst(L.co, 4 * g.c, [
      ...fromCo(L.wq, params.w),
      ...(f.ws.length > 1 ? loadWeights(g, f) : []),
      ...op.get(params.b),
      ...op.get(L.co),
      ...op.i32Add,
      ...op.v128Load,
      ...op.set(f.bv),
      ...op.get(L.xRow),
      ...op.set(L.xq),
      ...fromCo(L.oq, L.oRow),
      ...bumps.flatMap(([local, , base]) => fromCo(local, base)),
      ...repeat(L.q, g.cols, [
        ...perWindow,
        ...bumpBy(L.xq, 4 * g.pw * g.cin),
        ...bumpBy(L.oq, 4 * g.c),
        ...bumps.flatMap(([local, bytes]) => bumpBy(local, bytes)),
      ]),
      ...bumpBy(L.co, 16),
    ]),
  ];
}

/** For each image and pooled row: `perRow` (xRow at its first padded row, oRow at its pooled row); `perImage` after each image. */
function imageRows(
  g: ConvPoolGeometry,
  L: LoopInts,
  xp: number,
  out: number,
  n: number,
  perRow: number[],
  after: number[],
) {
  return perImage(
    L.img,
    n,
    [
      [L.xImg, xp, 4 * g.hp * g.wp * g.cin],
      [L.oImg, out, 4 * g.rows * g.cols * g.c],
    ],
    [
      ...op.get(L.xImg),
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

/** `pool(xp, w, b, y, n, scale)`: y [n, rows, cols, C] from the padded input [n, hp, wp, Cin]. */
function poolFunction(g: ConvPoolGeometry, relaxed: boolean): number[] {
  const [XP, W, B, Y, N, SCALE] = [0, 1, 2, 3, 4, 5];
  const L = new Locals(6, LOOP_INTS.length, windowVecs(g));
  const ints = L.named(LOOP_INTS);
  const f = windowLocals(g, L, ints, relaxed);
  const perRow = rowGroups(g, ints, f, { w: W, b: B }, windowPool(g, f, ints.oq, SCALE));
  return L.body(imageRows(g, ints, XP, Y, N, perRow, []));
}

/** The extra i32 locals of the gradient. */
const GRAD_INTS = ['dzq', 'xr', 'fxq', 'dq', 'dEnd', 'dr', 'j'] as const;

/**
 * `grad(xp, w, b, dy, dz, part, partW, dw, db, n, scale, eps)`: dw and db
 * added into (zeroed by the caller), through part [C] and partW [taps, C]
 * (zeroed by the caller, zero again on return); dz is a scratch buffer of
 * ph·cols·pw·C floats.
 */
function gradFunction(g: ConvPoolGeometry, relaxed: boolean): number[] {
  const [XP, W, B, DY, DZ, PART, PARTW, DW, DB, N, SCALE, EPS] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const tile = filterTileFor(g);
  const L = new Locals(12, LOOP_INTS.length + GRAD_INTS.length, windowVecs(g) + 4 + 8 + tile.vecs + 1);
  const ints = L.named(LOOP_INTS);
  const more = L.named(GRAD_INTS);
  const f = windowLocals(g, L, ints, relaxed);
  const [gv, gs, m, wsum] = L.vec(4) as [number, number, number, number];
  const d: GradWindowLocals = { dyq: ints.oq, dzq: more.dzq, scale: SCALE, eps: EPS, gv, gs, m, wsum };
  const addPart = [
    ...op.get(PART),
    ...op.get(ints.co),
    ...op.i32Add,
    ...op.get(PART),
    ...op.get(ints.co),
    ...op.i32Add,
    ...op.v128Load,
    ...op.get(wsum),
    ...op.f32x4Add,
    ...op.v128Store,
  ];
  const windows = rowGroups(
    g,
    ints,
    f,
    { w: W, b: B },
    [...windowGrad(g, f, d), ...addPart],
    [[more.dzq, 4 * g.pw * g.c, DZ]],
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
  return L.body(imageRows(g, ints, XP, DY, N, [...windows, ...blockFilterGrad(g, fl)], after));
}

/**
 * The module for `g`: exports `pool(xp, w, b, y, n, scale)` and
 * `grad(xp, w, b, dy, dz, part, partW, dw, db, n, scale, eps)` (byte
 * addresses; n images). `relaxed`: multiply-adds as f32x4.relaxed_madd.
 */
export function convPoolModuleBytes(
  g: ConvPoolGeometry,
  relaxed: boolean = relaxedSimdEnabled(),
): Uint8Array<ArrayBuffer> {
  return moduleBytes([
    ['pool', [I32, I32, I32, I32, I32, F32], poolFunction(g, relaxed)],
    ['grad', [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, F32, F32], gradFunction(g, relaxed)],
  ]);
}

/** Whether the module covers g (else the kernels compose lipnet's separate wasm kernels). */
export function convPoolApplies(g: ConvPoolGeometry): boolean {
  return g.c % 4 === 0 && g.c > 0 && g.ph * g.pw <= 16 && tapCount(g) <= 64 && g.rows >= 1 && g.cols >= 1;
}
