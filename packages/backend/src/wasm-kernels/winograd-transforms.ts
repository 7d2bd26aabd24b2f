/**
 * The three transforms of Winograd's minimal filtering F(2×2, 3×3) (Lavin &
 * Gray, "Fast Algorithms for Convolutional Neural Networks", 2015): a 2×2
 * output tile Y of a 3×3 convolution of a 4×4 input tile d with a filter g is
 *
 *   Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A,
 *
 *   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1],
 *   G  = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1],
 *   Aᵀ = [1 1 1 0; 0 1 −1 −1],
 *
 * 16 multiplications per tile and channel pair instead of 36. The filter
 * transform U = G g Gᵀ runs once per call in JS; the input transform
 * V = Bᵀ d B and the output transform Y = Aᵀ M A are WebAssembly SIMD code
 * (4 channels per f32x4) generated here for winograd-simd.ts.
 */
import { op } from './wasm-encoding';

/** The 16 transformed positions ξ = 4i + j of a tile, row-major. */
export const WINOGRAD_POSITIONS = 16;

/**
 * U[ξ][c][k] = (G g[·,·,c,k] Gᵀ)[i][j], ξ = 4i + j, for a filter g [3, 3, C, K]
 * (row-major data): returns U as [16, C, K].
 */
export function winogradFilter(g: Float32Array, c: number, k: number): Float32Array {
  const u = new Float32Array(16 * c * k);
  const ck = c * k;
  const at = (r: number, s: number, e: number) => g[(3 * r + s) * ck + e]!;
  for (let e = 0; e < ck; e++) {
    // t = G g (4 × 3), then U = t Gᵀ (4 × 4).
    const t: number[][] = [];
    for (let s = 0; s < 3; s++) {
      const g0 = at(0, s, e);
      const g1 = at(1, s, e);
      const g2 = at(2, s, e);
      t.push([g0, 0.5 * (g0 + g1 + g2), 0.5 * (g0 - g1 + g2), g2]);
    }
    for (let i = 0; i < 4; i++) {
      const [t0, t1, t2] = [t[0]![i]!, t[1]![i]!, t[2]![i]!];
      const row = [t0, 0.5 * (t0 + t1 + t2), 0.5 * (t0 - t1 + t2), t2];
      for (let j = 0; j < 4; j++) u[(4 * i + j) * ck + e] = row[j]!;
    }
  }
  return u;
}

/** Where the input transform reads and writes: byte strides between tile rows/columns and between transformed positions. */
export interface InputTransformLayout {
  /** Bytes between two rows of the padded input (4·wp·C). */
  rowBytes: number;
  /** Bytes between two pixels of a row (4·C). */
  pixelBytes: number;
  /** Bytes between V[ξ] and V[ξ + 1] (4·T·C). */
  positionBytes: number;
}

/** The rows of Bᵀ d: row i is d[a] + sign·d[b] (Bᵀ's two nonzeros per row). */
const BT_ROWS: Array<[number, number, 1 | -1]> = [
  [0, 2, -1],
  [1, 2, 1],
  [2, 1, -1],
  [1, 3, -1],
];

/** push(x[a] ± x[b]) for locals a, b. */
const combine = (a: number, b: number, sign: 1 | -1): number[] => [
  ...op.get(a),
  ...op.get(b),
  ...(sign > 0 ? op.f32x4Add : op.f32x4Sub),
];

/**
 * V = Bᵀ d B for 4 channels: d[a][b] the f32x4 at xq + a·rowBytes + b·pixelBytes,
 * V[4i + j] stored at vq + (4i + j)·positionBytes. Row by row of Bᵀ d (two
 * rows of d loaded per row: 8 registers, no spills); `t` 4 scratch v128 locals.
 */
export function inputTransform(xq: number, vq: number, L: InputTransformLayout, t: number[]): number[] {
  const d = (a: number, b: number) => [...op.get(xq), ...op.v128LoadAt(a * L.rowBytes + b * L.pixelBytes)];
  const store = (xi: number, value: number[]) => [...op.get(vq), ...value, ...op.v128StoreAt(xi * L.positionBytes)];
  return BT_ROWS.flatMap(([a, b, sign], i) => [
    // t[col] = (Bᵀ d)[i][col]
    ...[0, 1, 2, 3].flatMap((col) => [
      ...d(a, col),
      ...d(b, col),
      ...(sign > 0 ? op.f32x4Add : op.f32x4Sub),
      ...op.set(t[col]!),
    ]),
    // V[i][j] = (t B)[j], B's columns as Bᵀ's rows.
    ...BT_ROWS.flatMap(([p, q, s], j) => store(4 * i + j, combine(t[p]!, t[q]!, s))),
  ]);
}

/** Where the output transform reads and writes. */
export interface OutputTransformLayout {
  /** Bytes between M[ξ] and M[ξ + 1] (4·T·K). */
  positionBytes: number;
  /** Bytes between two output rows (4·oW·K). */
  rowBytes: number;
  /** Bytes between two output pixels (4·K). */
  pixelBytes: number;
}

/**
 * Y = Aᵀ M A for 4 channels: M[ξ] the f32x4 at mq + ξ·positionBytes, Y[a][b]
 * stored at yq + a·rowBytes + b·pixelBytes for a < rows, b < cols (a cropped
 * last tile stores 1 row or column). `s` 8 scratch v128 locals.
 */
export function outputTransform(
  mq: number,
  yq: number,
  L: OutputTransformLayout,
  s: number[],
  rows: number,
  cols: number,
): number[] {
  const m = (i: number, j: number) => [...op.get(mq), ...op.v128LoadAt((4 * i + j) * L.positionBytes)];
  // s[j] = (Aᵀ M)[0][j] = M0j + M1j + M2j;  s[4 + j] = (Aᵀ M)[1][j] = M1j − M2j − M3j.
  const columns = [0, 1, 2, 3].flatMap((j) => [
    ...m(0, j),
    ...m(1, j),
    ...op.f32x4Add,
    ...m(2, j),
    ...op.f32x4Add,
    ...op.set(s[j]!),
    ...m(1, j),
    ...m(2, j),
    ...op.f32x4Sub,
    ...m(3, j),
    ...op.f32x4Sub,
    ...op.set(s[4 + j]!),
  ]);
  const out = (a: number, b: number) => {
    const r = s.slice(4 * a, 4 * a + 4);
    const value =
      b === 0
        ? [...op.get(r[0]!), ...op.get(r[1]!), ...op.f32x4Add, ...op.get(r[2]!), ...op.f32x4Add]
        : [...op.get(r[1]!), ...op.get(r[2]!), ...op.f32x4Sub, ...op.get(r[3]!), ...op.f32x4Sub];
    return [...op.get(yq), ...value, ...op.v128StoreAt(a * L.rowBytes + b * L.pixelBytes)];
  };
  const stores: number[] = [];
  for (let a = 0; a < rows; a++) for (let b = 0; b < cols; b++) stores.push(...out(a, b));
  return [...columns, ...stores];
}

/**
 * The filter gradient from the transformed one: dW[r, s, c, k] =
 * (Gᵀ Ŝ[·, ·, c, k] G)[r][s] for Ŝ [16, C, K] (Ŝ_ξ = Σ_tiles V_ξ ⊗ (A dY Aᵀ)_ξ,
 * the gradient of the loss with respect to U = G g Gᵀ). Returns dW [3, 3, C, K].
 */
export function winogradFilterGrad(s: Float32Array, c: number, k: number): Float32Array {
  const ck = c * k;
  const dw = new Float32Array(9 * ck);
  // Gᵀ's rows: r = 0: Ŝ0 + ½Ŝ1 + ½Ŝ2; r = 1: ½Ŝ1 − ½Ŝ2; r = 2: ½Ŝ1 + ½Ŝ2 + Ŝ3.
  const gt = (v0: number, v1: number, v2: number, v3: number) => [
    v0 + 0.5 * (v1 + v2),
    0.5 * (v1 - v2),
    0.5 * (v1 + v2) + v3,
  ];
  for (let e = 0; e < ck; e++) {
    const at = (i: number, j: number) => s[(4 * i + j) * ck + e]!;
    const cols = [0, 1, 2, 3].map((j) => gt(at(0, j), at(1, j), at(2, j), at(3, j)));
    for (let r = 0; r < 3; r++) {
      const row = gt(cols[0]![r]!, cols[1]![r]!, cols[2]![r]!, cols[3]![r]!);
      for (let q = 0; q < 3; q++) dw[(3 * r + q) * ck + e] = row[q]!;
    }
  }
  return dw;
}

/** Where the output-gradient transform reads and writes. */
export interface GradTransformLayout {
  /** Bytes between two rows / pixels of dy (4·oW·K, 4·K). */
  rowBytes: number;
  pixelBytes: number;
  /** Bytes between Z[ξ] and Z[ξ + 1] (4·T·K). */
  positionBytes: number;
}

/**
 * Z = A dY Aᵀ for 4 channels (A = [1 0; 1 1; 1 −1; 0 −1], the adjoint of the
 * output transform): dY[a][b] the f32x4 at dyq + a·rowBytes + b·pixelBytes for
 * a < rows, b < cols (0 beyond: a cropped last tile), Z[ξ] stored at
 * zq + ξ·positionBytes. `t` 6 scratch v128 locals.
 */
export function outputGradTransform(
  dyq: number,
  zq: number,
  L: GradTransformLayout,
  t: number[],
  rows: number,
  cols: number,
): number[] {
  const [d00, d01, d10, d11, p, q] = t as [number, number, number, number, number, number];
  const load = (a: number, b: number, to: number) => [
    ...(a < rows && b < cols ? [...op.get(dyq), ...op.v128LoadAt(a * L.rowBytes + b * L.pixelBytes)] : op.v128Zero),
    ...op.set(to),
  ];
  const pair = (x: number, y: number, how: 'first' | 'add' | 'sub' | 'neg') =>
    how === 'first'
      ? op.get(x)
      : how === 'neg'
        ? [...op.get(y), ...op.f32x4Neg]
        : [...op.get(x), ...op.get(y), ...(how === 'add' ? op.f32x4Add : op.f32x4Sub)];
  const rowsOfADy: Array<'first' | 'add' | 'sub' | 'neg'> = ['first', 'add', 'sub', 'neg'];
  const store = (xi: number, value: number[]) => [...op.get(zq), ...value, ...op.v128StoreAt(xi * L.positionBytes)];
  return [
    ...load(0, 0, d00),
    ...load(0, 1, d01),
    ...load(1, 0, d10),
    ...load(1, 1, d11),
    ...rowsOfADy.flatMap((how, i) => [
      // (A dY)[i] = [p, q], then Z[i] = [p, p + q, p − q, −q].
      ...pair(d00, d10, how),
      ...op.set(p),
      ...pair(d01, d11, how),
      ...op.set(q),
      ...store(4 * i, op.get(p)),
      ...store(4 * i + 1, [...op.get(p), ...op.get(q), ...op.f32x4Add]),
      ...store(4 * i + 2, [...op.get(p), ...op.get(q), ...op.f32x4Sub]),
      ...store(4 * i + 3, [...op.get(q), ...op.f32x4Neg]),
    ]),
  ];
}
