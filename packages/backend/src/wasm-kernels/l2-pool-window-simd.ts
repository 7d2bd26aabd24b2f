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

const splatF = (v: number) => [...op.f32Const(v), ...op.f32x4Splat];

/**
 * The module for `g`: exports `pool(x, y, rows, scale)` and
 * `poolGrad(x, dx, dy, rows, scale, eps)`, rows = N·H/ph output rows, byte
 * addresses; every output (every dx element) is written.
 */
export function windowModuleBytes(g: PoolGeometry): Uint8Array<ArrayBuffer> {
  const taps = Array.from({ length: g.ph * g.pw }, (_, t) => 4 * (Math.floor(t / g.pw) * g.w + (t % g.pw)) * g.c);
  const count = g.ph * g.pw;
  const rowBytes = 4 * g.ph * g.w * g.c;
  const ow = g.w / g.pw;

  const build = (grad: boolean): number[] => {
    const [X, OUT, DY, ROWS, SCALE, EPS] = grad ? [0, 1, 2, 3, 4, 5] : [0, 1, -1, 2, 3, -1];
    const params = grad ? 6 : 4;
    const L = new Locals(params, 6, 2);
    const { r, q, xw, xp, o, kEnd } = L.named(['r', 'q', 'xw', 'xp', 'o', 'kEnd'] as const);
    const [acc, t] = L.vec(2) as [number, number];
    const sumSquares = [
      ...op.v128Zero,
      ...op.set(acc),
      ...taps.flatMap((off) => [
        ...op.get(acc),
        ...op.get(xp),
        ...op.v128LoadAt(off),
        ...op.set(t),
        ...op.get(t),
        ...op.get(t),
        ...op.f32x4Mul,
        ...op.f32x4Add,
        ...op.set(acc),
      ]),
    ];
    // ÷ count is × (1/count) when count is a power of 2: the same bits, a multiply instead of a divide.
    const pow2 = (count & (count - 1)) === 0;
    const overCount = pow2 ? [...splatF(1 / count), ...op.f32x4Mul] : [...splatF(count), ...op.f32x4Div];
    const root = [...op.get(acc), ...overCount, ...op.f32x4Sqrt];
    const perVector = grad
      ? [
          ...sumSquares,
          // t = g = (dy·scale) / (2·(r + eps)) · (1/count)
          ...op.get(o),
          ...op.v128Load,
          ...op.get(SCALE),
          ...op.f32x4Splat,
          ...op.f32x4Mul,
          ...splatF(2),
          ...root,
          ...op.get(EPS),
          ...op.f32x4Splat,
          ...op.f32x4Add,
          ...op.f32x4Mul,
          ...op.f32x4Div,
          ...(pow2 ? splatF(1 / count) : [...splatF(1), ...splatF(count), ...op.f32x4Div]),
          ...op.f32x4Mul,
          ...op.set(t),
          // dx at each tap: out + (xp − x) + offset
          ...taps.flatMap((off) => [
            ...op.get(xp),
            ...op.get(OUT),
            ...op.i32Add,
            ...op.get(X),
            ...op.i32Sub,
            ...op.get(t),
            ...op.get(xp),
            ...op.v128LoadAt(off),
            ...splatF(2),
            ...op.f32x4Mul,
            ...op.f32x4Mul,
            ...op.v128StoreAt(off),
          ]),
          ...bumpBy(o, 16),
        ]
      : [
          ...sumSquares,
          ...op.get(o),
          ...root,
          ...op.get(SCALE),
          ...op.f32x4Splat,
          ...op.f32x4Mul,
          ...op.v128Store,
          ...bumpBy(o, 16),
        ];
    // o walks the pooled tensor (y, or dy for the gradient) in order.
    const code = [
      ...op.get(grad ? DY : OUT),
      ...op.set(o),
      ...op.get(X),
      ...op.set(xw),
      ...repeatRuntime(r, ROWS, [
        ...op.get(xw),
        ...op.set(xp),
        ...repeat(q, ow, [
          ...op.get(xp),
          ...op.i32Const(4 * g.c),
          ...op.i32Add,
          ...op.set(kEnd),
          ...whileBelow(xp, kEnd, [...perVector, ...bumpBy(xp, 16)]),
          ...bumpBy(xp, 4 * (g.pw - 1) * g.c),
        ]),
        ...bumpBy(xw, rowBytes),
      ]),
    ];
    return L.body(code);
  };
  return moduleBytes([
    ['pool', [I32, I32, I32, F32], build(false)],
    ['poolGrad', [I32, I32, I32, I32, F32, F32], build(true)],
  ]);
}

/** `for (counter = 0; counter < limit; counter++) body` with limit an i32 local. */
function repeatRuntime(counter: number, limit: number, body: number[]): number[] {
  return [...op.i32Const(0), ...op.set(counter), ...whileBelow(counter, limit, [...body, ...bumpBy(counter, 1)])];
}
