/**
 * The filter gradient of one pooled row's block in the fused first-layer
 * gradient (conv-sort-pool-simd.ts), from the dz row buffer its windows wrote
 * (ph conv rows of cols·pw pixels, in L1) and the padded input rows under it:
 *
 *   part_w[t, k] += Σ_{dh < ph, j < cols·pw} xp[dh + r, j + s, c] · dz[dh, j, k],   t = (r, s, c)
 *
 * dW is covered by register tiles of T taps × V groups of 4 output channels
 * (conv-filter-grad-simd.ts' {@link chooseTile}); each tile sweeps the block's
 * pixels in order, summing in registers (multiply-adds), then adds its sums
 * into the per-image partial part_w. Conv columns past the last whole window
 * have dz = 0 and are skipped.
 */
import { addInto, bumpBy, madd, offsetOf, repeat, runsOf, whileBelow, zero } from './conv-tiles';
import { chooseTile, type TileShape } from './conv-filter-grad-simd';
import { tapCount, tapOffset, type ConvPoolGeometry } from './conv-sort-pool-window';
import { op } from './wasm-encoding';

/** The register tile used for geometry `g` (as lipnet's direct filter gradient chooses it). */
export const filterTileFor = (g: ConvPoolGeometry): TileShape => chooseTile(tapCount(g), g.c / 4);

/** The locals of the block's filter gradient. */
export interface FilterLocals {
  /** i32: the block's first padded input row (read only); a row pointer, the pixel's x and dz, the row's end, a row counter. */
  xBlock: number;
  xr: number;
  xq: number;
  dq: number;
  dEnd: number;
  dr: number;
  /** i32 parameters: the dz row buffer and the per-image partial dW [taps, C]. */
  dz: number;
  partW: number;
  /** v128: T·V accumulators (tap t, group v at t·V + v), V dz vectors, one splat. */
  accs: number[];
  ds: number[];
  s: number;
  relaxed: boolean;
}

/** One tile (taps [tap0, tap0 + taps), channel groups [kv0, kv0 + vecs)) over the block, added into part_w. */
function tileCode(
  g: ConvPoolGeometry,
  f: FilterLocals,
  tap0: number,
  taps: number,
  kv0: number,
  vecs: number,
): number[] {
  const acc = (t: number, v: number) => f.accs[t * vecs + v]!;
  const pixel = [
    ...Array.from({ length: vecs }, (_, v) => [...op.get(f.dq), ...op.v128LoadAt(16 * v), ...op.set(f.ds[v]!)]).flat(),
    ...Array.from({ length: taps }, (_, t) => [
      ...op.get(f.xq),
      ...op.v128Load32Splat(tapOffset(g, tap0 + t)),
      ...op.set(f.s),
      ...Array.from({ length: vecs }, (_, v) => madd(acc(t, v), f.s, f.ds[v]!, f.relaxed)).flat(),
    ]).flat(),
    ...bumpBy(f.xq, 4 * g.cin),
    ...bumpBy(f.dq, 4 * g.c),
  ];
  return [
    ...zero(f.accs.slice(0, taps * vecs)),
    ...op.get(f.xBlock),
    ...op.set(f.xr),
    ...offsetOf(f.dq, f.dz, 16 * kv0),
    ...repeat(f.dr, g.ph, [
      ...op.get(f.xr),
      ...op.set(f.xq),
      ...offsetOf(f.dEnd, f.dq, 4 * g.cols * g.pw * g.c),
      ...whileBelow(f.dq, f.dEnd, pixel),
      ...bumpBy(f.xr, 4 * g.wp * g.cin),
    ]),
    ...Array.from({ length: taps * vecs }, (_, a) => {
      const t = Math.floor(a / vecs);
      const v = a % vecs;
      return addInto(f.partW, 4 * ((tap0 + t) * g.c + 4 * (kv0 + v)), acc(t, v));
    }).flat(),
  ];
}

/** part_w += the block's Σ x·dz, tile by tile. */
export function blockFilterGrad(g: ConvPoolGeometry, f: FilterLocals): number[] {
  const shape = filterTileFor(g);
  return runsOf(tapCount(g), shape.taps).flatMap(([tap0, taps]) =>
    runsOf(g.c / 4, shape.vecs).flatMap(([kv0, vecs]) => tileCode(g, f, tap0, taps, kv0, vecs)),
  );
}
