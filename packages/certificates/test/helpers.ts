import { singularValues } from '@lipnet/test-utils';
import { pseudoRandom } from '@lipnet/constraints';

/** Rows orthonormalised by Gram–Schmidt (float64). */
export function orthonormalRows(rows: number, cols: number, seed: number): number[][] {
  const rnd = pseudoRandom(seed);
  const out: number[][] = [];
  while (out.length < rows) {
    let v = Array.from({ length: cols }, () => rnd());
    for (const u of out) {
      const d = v.reduce((s, x, i) => s + x * u[i]!, 0);
      v = v.map((x, i) => x - d * u[i]!);
    }
    const n = Math.hypot(...v);
    out.push(v.map((x) => x / n));
  }
  return out;
}

export function randomMatrix(rows: number, cols: number, seed: number): number[][] {
  const rnd = pseudoRandom(seed);
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => rnd()));
}

/** Exact minimal L2 distance from x to the decision boundary of f(x) = Wx + b (rows w_c), unbounded input domain:
 * the region {f_c ≥ f_j ∀j} is a polyhedron, its complement the union of the half-spaces {f_j > f_c},
 * and the distance to a half-space {(w_j − w_c)·x + b_j − b_c ≥ 0} is (f_c − f_j)/‖w_c − w_j‖. */
export function linearMinimalDistance(
  W: number[][],
  b: number[],
  x: number[],
): { distance: number; c: number; j: number } {
  const f = W.map((w, i) => w.reduce((s, v, k) => s + v * x[k]!, b[i]!));
  let c = 0;
  for (let i = 1; i < f.length; i++) if (f[i]! > f[c]!) c = i;
  let best = Infinity;
  let bj = -1;
  for (let j = 0; j < f.length; j++) {
    if (j === c) continue;
    const diff = W[c]!.map((v, k) => v - W[j]![k]!);
    const d = (f[c]! - f[j]!) / Math.hypot(...diff);
    if (d < best) {
      best = d;
      bj = j;
    }
  }
  return { distance: best, c, j: bj };
}

/** ‖A‖₂ of an explicit matrix (float64 Jacobi SVD). */
export function sigmaMax(m: { data: ArrayLike<number>; rows: number; cols: number }): number {
  return singularValues(m.data, m.rows, m.cols)[0]!;
}

export { explicitOperator } from '@lipnet/test-utils';
