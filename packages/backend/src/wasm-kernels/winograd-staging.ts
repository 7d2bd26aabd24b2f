/**
 * The zero padding of lipnet's Winograd kernels, done in wasm per block: the
 * 2R + 2 input rows a block of R tile rows reads are copied from x into a
 * small zero-bordered staging buffer (hp × wp pixels of the padded input, one
 * block's rows at a time), which stays in cache for the input transform. No
 * padded copy of the whole input is made (the JS copy cost 8–16 ms per call at
 * demo4's shapes and held a second input-sized tensor).
 */
import { bumpBy, offsetOf, whileBelow } from './conv-tiles';
import { op } from './wasm-encoding';

/** Where x sits in the padded input: x [N, h, w, C] at row `top`, column `left` (both ≥ 0). */
export interface InputPadding {
  h: number;
  w: number;
  top: number;
  left: number;
}

/** The locals and sizes the staging code works with. */
export interface StageWalk {
  /** Channels, and x's placement. */
  c: number;
  pad: InputPadding;
  /** Padded row width in pixels. */
  wp: number;
  /** i32 locals: x's image base, the block's first padded row's x row (may be < 0), a counter, two pointers, an end. */
  xImg: number;
  inRow: number;
  row: number;
  sp: number;
  dp: number;
  dEnd: number;
}

/** Bytes of the staging buffer of a block of `blockRows` tile rows. */
export const stagingBytes = (s: Pick<StageWalk, 'c' | 'wp'>, blockRows: number): number =>
  4 * (2 * blockRows + 2) * s.wp * s.c;

/** memory[dp … dEnd) = 0 (16-byte steps). */
const zeroRange = (s: StageWalk): number[] =>
  whileBelow(s.dp, s.dEnd, [...op.get(s.dp), ...op.v128Zero, ...op.v128Store, ...bumpBy(s.dp, 16)]);

/** The whole staging buffer at `base` (an i32 local or parameter) + `offset` zeroed: its border columns stay 0. */
export function zeroStaging(s: StageWalk, base: number, offset: number, blockRows: number): number[] {
  return [...offsetOf(s.dp, base, offset), ...offsetOf(s.dEnd, s.dp, stagingBytes(s, blockRows)), ...zeroRange(s)];
}

/**
 * Padded rows inRow … inRow + 2·rows + 1 (x rows; those outside [0, h) are
 * zeros) into the staging buffer at base + offset, each row's x pixels at
 * column `left`.
 */
export function stageRows(s: StageWalk, base: number, offset: number, rows: number): number[] {
  const { c, pad, wp } = s;
  const cols = Math.min(pad.w, wp - pad.left);
  const rowBytes = 4 * cols * c;
  const copy = whileBelow(s.dp, s.dEnd, [
    ...op.get(s.dp),
    ...op.get(s.sp),
    ...op.v128Load,
    ...op.v128Store,
    ...bumpBy(s.sp, 16),
    ...bumpBy(s.dp, 16),
  ]);
  return [
    // row = inRow; dp walks the staging rows (from column `left`)
    ...op.get(s.inRow),
    ...op.set(s.row),
    ...offsetOf(s.dp, base, offset + 4 * pad.left * c),
    ...stageLoop(s, rows, rowBytes, copy),
  ];
}

/** One staged row per iteration: copy x's row `row` when 0 ≤ row < h, else zeros; dp to the next staging row. */
function stageLoop(s: StageWalk, rows: number, rowBytes: number, copy: number[]): number[] {
  const { c, pad, wp } = s;
  const body = [
    ...offsetOf(s.dEnd, s.dp, rowBytes),
    ...op.get(s.row),
    ...op.i32Const(pad.h),
    ...op.i32LtU, // unsigned: a negative row is out of range too
    ...op.if,
    // sp = xImg + row · 4wC
    ...op.get(s.xImg),
    ...op.get(s.row),
    ...op.i32Const(4 * pad.w * c),
    ...op.i32Mul,
    ...op.i32Add,
    ...op.set(s.sp),
    ...copy,
    ...op.else,
    ...zeroRange(s),
    ...op.end,
    // dp is at the end of the row's x pixels: on to the next row's column `left`
    ...bumpBy(s.dp, 4 * wp * c - rowBytes),
    ...bumpBy(s.row, 1),
  ];
  return loopRows(s, rows, body);
}

/** Runs `body` 2·rows + 2 times (while row < inRow + 2·rows + 2). */
function loopRows(s: StageWalk, rows: number, body: number[]): number[] {
  const count = 2 * rows + 2;
  return [
    ...op.block,
    ...op.loop,
    // exit when row − inRow ≥ count
    ...op.get(s.row),
    ...op.get(s.inRow),
    ...op.i32Sub,
    ...op.i32Const(count),
    ...op.i32GeU,
    ...op.brIf(1),
    ...body,
    ...op.br(0),
    ...op.end,
    ...op.end,
  ];
}
