/**
 * A layer's bias + GroupSort(2) followed by ScaledL2NormPooling2D, as one
 * WebAssembly SIMD pass each way, generated per geometry: the module behind
 * `LipnetBiasPairSortL2Pool` / `LipnetBiasPairSortL2PoolGrad` (@lipnet/core's
 * `FUSED_KERNELS`). Per window and 4 channels, from z and b only:
 *
 *   v = z + b;  s = sort₂(v) = [pmin(v, u)₀, pmax(v, u)₁, …], u = v's pairs swapped
 *   acc = Σ_window s²;  P = √(acc / count) · scale                 (l2-pool-window-simd.ts)
 *   g = (dy·scale) / (2(√(acc / count) + eps)) · (1/count)
 *   dz = g′ · (v · 2), g′ = g with its pairs swapped where a > c;  db = Σ dz
 *
 * Neither s nor its gradient is written. z is read row by row, in memory
 * order (one sequential stream, which the hardware prefetches; reading a
 * window's rows together makes short interleaved streams that it does not):
 * each window row's Σ s² is added into a row buffer `acc` (OW·C floats, L1)
 * and the last one finishes P, or g for the gradient, which then sweeps the
 * same rows (now in cache) for dz. The arithmetic is the separate kernels',
 * operation for operation and in the same order (shared code), so P and dz
 * are the same bits as LipnetBiasPairSort → LipnetL2Pool (LipnetL2PoolGrad →
 * LipnetBiasPairSortGrad); db is summed per window row, then into a partial
 * per channel over blocks of about {@link BIAS_BLOCK_ROWS} rows of pixels,
 * then into db. C must be a multiple of 4 and a window at most 16 taps; rows
 * and columns past the last whole window are skipped (their dz is zeroed by
 * the caller).
 */
import { Locals, bumpBy, whileBelowConst } from './conv-tiles';
import { windowGradFactor, windowRoot, windowTapGrad } from './l2-pool-window-simd';
import { swapPairsInto } from './pair-sort-simd';
import { F32, I32, moduleBytes, op } from './wasm-encoding';
import {
  NEST_NAMES,
  biasedTap,
  loadBias,
  pairedGrad,
  rowLoops,
  rowSquares,
  rowSweep,
  type FusedPoolGeometry,
  type Nest,
} from './bias-pair-sort-l2-pool-rows';
import { BIAS_BLOCK_ROWS } from './bias-pair-sort-simd';

export { fusedPoolApplies, type FusedPoolGeometry } from './bias-pair-sort-l2-pool-rows';

/**
 * The module for `g`: exports `pool(z, b, y, acc, n, scale)` and
 * `poolGrad(z, b, dy, dz, acc, part, db, n, scale, eps)` (byte addresses, n
 * images; acc a scratch row of OW·C floats). `poolGrad` adds into db (zeroed
 * by the caller) through `part` (C floats, zeroed by the caller, zero again
 * on return).
 */
export function fusedPoolModuleBytes(g: FusedPoolGeometry): Uint8Array<ArrayBuffer> {
  return moduleBytes([
    ['pool', [I32, I32, I32, I32, I32, F32], poolFunction(g)],
    ['poolGrad', [I32, I32, I32, I32, I32, I32, I32, I32, F32, F32], gradFunction(g)],
  ]);
}

/** `pool(z, b, y, acc, n, scale)`: y = √(Σ_window s² / count) · scale, y written in order. */
function poolFunction(g: FusedPoolGeometry): number[] {
  const [Z, B, Y, ACC, N, SCALE] = [0, 1, 2, 3, 4, 5];
  const L = new Locals(6, NEST_NAMES.length + 1, 4);
  const nest = L.named(NEST_NAMES);
  const o = L.int();
  const [sum, bv, v, u] = L.vec(4) as [number, number, number, number];
  const loc = { sum, bv, v, u };
  const finish = [
    ...op.get(o),
    ...windowRoot(sum, g.ph * g.pw),
    ...op.get(SCALE),
    ...op.f32x4Splat,
    ...op.f32x4Mul,
    ...op.v128Store,
    ...bumpBy(o, 16),
  ];
  const perRow = Array.from({ length: g.ph }, (_, dh) =>
    rowSweep(g, nest, ACC, dh, [...rowSquares(g, nest, B, dh, loc), ...(dh === g.ph - 1 ? finish : [])]),
  ).flat();
  return L.body([...op.get(Y), ...op.set(o), ...rowLoops(g, nest, N, Z, perRow)]);
}

/** Output rows per flush of the bias gradient's partial sums: about BIAS_BLOCK_ROWS pixels of z each. */
export const fusedBlockRows = (g: FusedPoolGeometry): number => Math.max(1, Math.floor(BIAS_BLOCK_ROWS / (g.ph * g.w)));

/** The parameters and vector locals of `poolGrad`'s dz sweep. */
interface GradLocals {
  B: number;
  PART: number;
  /** dz − z, in bytes (i32). */
  delta: number;
  bv: number;
  v: number;
  u: number;
  m: number;
  gv: number;
  gs: number;
  wsum: number;
}

/**
 * One channel vector of a window row, g in the row buffer: each tap's
 * dz = g′ · (v · 2), g′ = g with its pairs swapped where a > c (element for
 * element the separate kernels' (g · (s · 2)) permuted back: the same
 * factors, s's element being v's); part[co] += the row's Σ dz.
 */
function rowGrad(g: FusedPoolGeometry, L: Nest, f: GradLocals): number[] {
  const at = (base: number) => [...op.get(base), ...op.get(L.co), ...op.i32Add];
  const tap = (off: number) => [
    ...biasedTap(L.xp, off, f.bv, f.v, f.u),
    ...pairedGrad(f.v, f.u, f.m, f.gv, f.gs),
    ...op.get(L.xp),
    ...op.get(f.delta),
    ...op.i32Add,
    ...windowTapGrad(f.u, op.get(f.v)),
    ...op.set(f.v),
    ...op.get(f.v),
    ...op.v128StoreAt(off),
    ...op.get(f.wsum),
    ...op.get(f.v),
    ...op.f32x4Add,
    ...op.set(f.wsum),
  ];
  return [
    ...loadBias(f.B, L.co, f.bv),
    ...op.get(L.ap),
    ...op.v128Load,
    ...op.set(f.gv),
    ...swapPairsInto(f.gv, f.gs),
    ...op.v128Zero,
    ...op.set(f.wsum),
    ...Array.from({ length: g.pw }, (_, dw) => tap(4 * dw * g.c)).flat(),
    ...at(f.PART),
    ...at(f.PART),
    ...op.v128Load,
    ...op.get(f.wsum),
    ...op.f32x4Add,
    ...op.v128Store,
  ];
}

/** db[j] += part[j], part[j] = 0 for every vector j of the c floats (j an i32 local; part, db i32 locals of byte addresses). */
export function flush(c: number, part: number, db: number, j: number): number[] {
  const at = (base: number) => [...op.get(base), ...op.get(j), ...op.i32Add];
  return [
    ...op.i32Const(0),
    ...op.set(j),
    ...whileBelowConst(j, 4 * c, [
      ...at(db),
      ...at(db),
      ...op.v128Load,
      ...at(part),
      ...op.v128Load,
      ...op.f32x4Add,
      ...op.v128Store,
      ...at(part),
      ...op.v128Zero,
      ...op.v128Store,
      ...bumpBy(j, 16),
    ]),
  ];
}

/**
 * `poolGrad(z, b, dy, dz, acc, part, db, n, scale, eps)`: per output row, the
 * window rows' Σ s² into the row buffer, the last turning it into g; then the
 * window rows again for dz; every `fusedBlockRows` output rows, part into db.
 */
function gradFunction(g: FusedPoolGeometry): number[] {
  const [Z, B, DY, DZ, ACC, PART, DB, N, SCALE, EPS] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const L = new Locals(10, NEST_NAMES.length + 4, 8);
  const nest = L.named(NEST_NAMES);
  const { o, delta, left, j } = L.named(['o', 'delta', 'left', 'j'] as const);
  const [sum, bv, v, u, m, gv, gs, wsum] = L.vec(8) as [number, number, number, number, number, number, number, number];
  const toG = [
    ...op.get(nest.ap),
    ...windowGradFactor([...op.get(o), ...op.v128Load], sum, g.ph * g.pw, SCALE, EPS),
    ...op.v128Store,
    ...bumpBy(o, 16),
  ];
  const sums = Array.from({ length: g.ph }, (_, dh) =>
    rowSweep(g, nest, ACC, dh, [...rowSquares(g, nest, B, dh, { sum, bv, v, u }), ...(dh === g.ph - 1 ? toG : [])]),
  ).flat();
  const f: GradLocals = { B, PART, delta, bv, v, u, m, gv, gs, wsum };
  const grads = Array.from({ length: g.ph }, (_, dh) => rowSweep(g, nest, ACC, dh, rowGrad(g, nest, f))).flat();
  const block = fusedBlockRows(g);
  const afterRow = [
    ...bumpBy(left, -1),
    ...op.get(left),
    ...op.i32Const(0),
    ...op.i32Eq,
    ...op.if,
    ...flush(g.c, PART, DB, j),
    ...op.i32Const(block),
    ...op.set(left),
    ...op.end,
  ];
  return L.body([
    ...op.get(DY),
    ...op.set(o),
    ...op.get(DZ),
    ...op.get(Z),
    ...op.i32Sub,
    ...op.set(delta),
    ...op.i32Const(block),
    ...op.set(left),
    ...rowLoops(g, nest, N, Z, [...sums, ...grads, ...afterRow]),
    ...flush(g.c, PART, DB, j),
  ]);
}
