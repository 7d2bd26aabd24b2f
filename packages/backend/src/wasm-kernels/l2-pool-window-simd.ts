/**
 * The common case of lipnet's L2-norm pooling kernels (l2-pool-simd.ts) as a
 * module generated per geometry: C a multiple of 4, H and W multiples of the
 * window, at most 16 taps per window. The window's taps are unrolled with
 * static byte offsets, so each 4-channel output costs its loads and arithmetic
 * only (the generic module loops over the window and recomputes addresses per
 * tap, ≈ 3× a memory pass). The arithmetic is the generic module's, operation
 * for operation (a division by a power-of-2 count as the equal multiplication
 * by its reciprocal), so the results are the same bits:
 *
 *   acc = Σ_window x²;  y = √(acc / count) · scale
 *   g = (dy · scale) / (2 · (√(acc / count) + eps)) · (1 / count);  dx = g · (x · 2)
 */
import { Locals, bumpBy, repeat, whileBelow } from './conv-tiles';
import { F32, I32, moduleBytes, op } from './wasm-encoding';

/** The geometry a window module is generated for. */
export interface PoolGeometry {
  /** Input width W and channels C (C % 4 = 0). */
  w: number;
  c: number;
  /** Window rows and columns. */
  ph: number;
  pw: number;
}

/** Whether the window module covers x [N, H, W, C] pooled by ph × pw. */
export function windowModuleApplies(h: number, w: number, c: number, ph: number, pw: number): boolean {
  return c % 4 === 0 && h % ph === 0 && w % pw === 0 && ph * pw <= 16 && c > 0 && w > 0;
}

/**
 * The module for `g`: exports `pool(x, y, rows, scale)` and
 * `poolGrad(x, dx, dy, rows, scale, eps)`, rows = N·H/ph output rows, byte
 * addresses; every output (every dx element) is written.
 */
export function windowModuleBytes(g: PoolGeometry): Uint8Array<ArrayBuffer> {
  return moduleBytes([
    ['pool', [I32, I32, I32, F32], windowFunction(g, false)],
    ['poolGrad', [I32, I32, I32, I32, F32, F32], windowFunction(g, true)],
  ]);
}

/** The locals and parameters one generated function works with, and its window's tap offsets. */
interface WindowFrame {
  /** Byte offsets of the window's taps from its first. */
  taps: number[];
  /** Taps per window. */
  count: number;
  /** Parameters: x, the output (y or dx), dy (gradient only), scale and eps (gradient only). */
  X: number;
  OUT: number;
  DY: number;
  SCALE: number;
  EPS: number;
  /** x's current vector of the window's first tap and the pooled tensor's current vector (y or dy). */
  xp: number;
  o: number;
  /** Σ x² of the window, and a scratch vector. */
  acc: number;
  t: number;
}

/** The body of `pool` (or `poolGrad` when `grad`). */
function windowFunction(g: PoolGeometry, grad: boolean): number[] {
  const [X, OUT, DY, ROWS, SCALE, EPS] = grad ? [0, 1, 2, 3, 4, 5] : [0, 1, -1, 2, 3, -1];
  const L = new Locals(grad ? 6 : 4, 6, 2);
  const { r, q, xw, xp, o, kEnd } = L.named(['r', 'q', 'xw', 'xp', 'o', 'kEnd'] as const);
  const [acc, t] = L.vec(2) as [number, number];
  const taps = Array.from({ length: g.ph * g.pw }, (_, i) => 4 * (Math.floor(i / g.pw) * g.w + (i % g.pw)) * g.c);
  const f: WindowFrame = { taps, count: g.ph * g.pw, X, OUT, DY, SCALE, EPS, xp, o, acc, t };
  const perVector = grad ? gradVector(f) : poolVector(f);
  // o walks the pooled tensor (y, or dy for the gradient) in order.
  const code = [
    ...op.get(grad ? DY : OUT),
    ...op.set(o),
    ...op.get(X),
    ...op.set(xw),
    ...repeatRuntime(r, ROWS, [
      ...op.get(xw),
      ...op.set(xp),
      ...repeat(q, g.w / g.pw, [
        ...op.get(xp),
        ...op.i32Const(4 * g.c),
        ...op.i32Add,
        ...op.set(kEnd),
        ...whileBelow(xp, kEnd, [...perVector, ...bumpBy(xp, 16)]),
        ...bumpBy(xp, 4 * (g.pw - 1) * g.c),
      ]),
      ...bumpBy(xw, 4 * g.ph * g.w * g.c),
    ]),
  ];
  return L.body(code);
}

const splatF = (v: number) => [...op.f32Const(v), ...op.f32x4Splat];

/** Whether the count is a power of 2: then ÷ count is × (1/count), the same bits, a multiply instead of a divide. */
const isPow2 = (count: number): boolean => (count & (count - 1)) === 0;

/** acc = Σ over the window's taps of x² (4 channels at xp). */
function sumSquares(f: WindowFrame): number[] {
  return [
    ...op.v128Zero,
    ...op.set(f.acc),
    ...f.taps.flatMap((off) => [
      ...op.get(f.acc),
      ...op.get(f.xp),
      ...op.v128LoadAt(off),
      ...op.set(f.t),
      ...op.get(f.t),
      ...op.get(f.t),
      ...op.f32x4Mul,
      ...op.f32x4Add,
      ...op.set(f.acc),
    ]),
  ];
}

/**
 * Pushes r = √(acc / count) for the v128 local `acc` (Σ_window x² of 4
 * channels): the window modules' root, shared with the fused bias + sort +
 * pooling module (bias-pair-sort-l2-pool-simd.ts) so both give the same bits.
 */
export function windowRoot(acc: number, count: number): number[] {
  const overCount = isPow2(count) ? [...splatF(1 / count), ...op.f32x4Mul] : [...splatF(count), ...op.f32x4Div];
  return [...op.get(acc), ...overCount, ...op.f32x4Sqrt];
}

/**
 * Pushes g = (dy·scale) / (2·(r + eps)) · (1/count), r = √(acc / count), for 4
 * channels: `dy` pushes the pooled gradient's vector, `scale` and `eps` are f32
 * locals. Every tap's gradient is then g · (x · 2) (see {@link windowTapGrad}).
 */
export function windowGradFactor(dy: number[], acc: number, count: number, scale: number, eps: number): number[] {
  return [
    ...dy,
    ...op.get(scale),
    ...op.f32x4Splat,
    ...op.f32x4Mul,
    ...splatF(2),
    ...windowRoot(acc, count),
    ...op.get(eps),
    ...op.f32x4Splat,
    ...op.f32x4Add,
    ...op.f32x4Mul,
    ...op.f32x4Div,
    ...(isPow2(count) ? splatF(1 / count) : [...splatF(1), ...splatF(count), ...op.f32x4Div]),
    ...op.f32x4Mul,
  ];
}

/** Pushes a tap's gradient g · (x · 2), with g a v128 local and `x` pushing the tap's 4 values. */
export const windowTapGrad = (g: number, x: number[]): number[] => [
  ...op.get(g),
  ...x,
  ...splatF(2),
  ...op.f32x4Mul,
  ...op.f32x4Mul,
];

/** One output vector of `pool`: y = √(Σ x² / count) · scale at o; o advanced. */
function poolVector(f: WindowFrame): number[] {
  return [
    ...sumSquares(f),
    ...op.get(f.o),
    ...windowRoot(f.acc, f.count),
    ...op.get(f.SCALE),
    ...op.f32x4Splat,
    ...op.f32x4Mul,
    ...op.v128Store,
    ...bumpBy(f.o, 16),
  ];
}

/** One dy vector of `poolGrad`: dx = g · (x · 2) at every tap of its window; o advanced. */
function gradVector(f: WindowFrame): number[] {
  return [
    ...sumSquares(f),
    ...windowGradFactor([...op.get(f.o), ...op.v128Load], f.acc, f.count, f.SCALE, f.EPS),
    ...op.set(f.t),
    // dx at each tap: out + (xp − x) + offset
    ...f.taps.flatMap((off) => [
      ...op.get(f.xp),
      ...op.get(f.OUT),
      ...op.i32Add,
      ...op.get(f.X),
      ...op.i32Sub,
      ...windowTapGrad(f.t, [...op.get(f.xp), ...op.v128LoadAt(off)]),
      ...op.v128StoreAt(off),
    ]),
    ...bumpBy(f.o, 16),
  ];
}

/** `for (counter = 0; counter < limit; counter++) body` with limit an i32 local. */
function repeatRuntime(counter: number, limit: number, body: number[]): number[] {
  return [...op.i32Const(0), ...op.set(counter), ...whileBelow(counter, limit, [...body, ...bumpBy(counter, 1)])];
}
