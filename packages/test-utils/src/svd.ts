/**
 * Singular values of a real m×n matrix (row-major), in float64, by one-sided
 * Jacobi rotations (Hestenes 1958; Demmel & Veselić 1992). Independent of tfjs,
 * so tests can check a normalised kernel against a second implementation.
 * Returned in descending order.
 */
export function singularValues(a: ArrayLike<number>, m: number, n: number, tol = 1e-12, maxSweeps = 100): number[] {
  if (a.length !== m * n) throw new Error(`singularValues: got ${a.length} values for a ${m}×${n} matrix`);
  // Work on the matrix with the fewer columns: the singular values are the same.
  let rows = m;
  let cols = n;
  let get = (i: number, j: number) => a[i * n + j]!;
  if (n > m) {
    rows = n;
    cols = m;
    get = (i: number, j: number) => a[j * n + i]!;
  }
  // Column-major copy: U[j] is column j.
  const U: Float64Array[] = [];
  for (let j = 0; j < cols; j++) {
    const c = new Float64Array(rows);
    for (let i = 0; i < rows; i++) c[i] = get(i, j);
    U.push(c);
  }
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    for (let p = 0; p < cols - 1; p++) {
      for (let q = p + 1; q < cols; q++) {
        const up = U[p]!;
        const uq = U[q]!;
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let i = 0; i < rows; i++) {
          alpha += up[i]! * up[i]!;
          beta += uq[i]! * uq[i]!;
          gamma += up[i]! * uq[i]!;
        }
        if (gamma === 0) continue;
        off = Math.max(off, Math.abs(gamma) / Math.sqrt(alpha * beta));
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (let i = 0; i < rows; i++) {
          const x = up[i]!;
          const y = uq[i]!;
          up[i] = c * x - s * y;
          uq[i] = s * x + c * y;
        }
      }
    }
    if (off < tol) break;
  }
  return U.map((c) => Math.sqrt(c.reduce((s, v) => s + v * v, 0))).sort((x, y) => y - x);
}

/** Largest singular value (spectral norm ‖A‖₂) of a row-major m×n matrix, via {@link singularValues}. */
export function spectralNorm(a: ArrayLike<number>, m: number, n: number): number {
  return singularValues(a, m, n)[0] ?? 0;
}
