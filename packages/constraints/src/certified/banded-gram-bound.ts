/**
 * Certified λ_max bound of a sparse Gram matrix G = Σ ℓℓᵀ whose band (in the given index order) is
 * narrow, e.g. the Gram matrix of a convolution operator in raster order (float64, internal).
 */

/**
 * Proves λ_max(G) < μ for G = Σ_lines ℓℓᵀ (each line a sparse vector of (index, value) pairs, indices
 * < n) by a banded Cholesky factorisation of μI − G, with the Rump-style margin of
 * {@link provesUpperBound} (bandwidth in place of n). Returns null when the band is too wide for
 * `maxWork` multiply-adds (n·β²/2).
 */
export function provesBandedGramBound(
  lines: { idx: Int32Array; val: Float64Array }[],
  n: number,
  mus: number[],
  maxWork = 1.5e9,
): { mu: number | null; bandwidth: number } | null {
  let beta = 0;
  for (const l of lines) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const i of l.idx) {
      if (i < lo) lo = i;
      if (i > hi) hi = i;
    }
    if (hi - lo > beta) beta = hi - lo;
  }
  if ((n * beta * beta) / 2 > maxWork) return null;
  const w = beta + 1;
  // band[i*w + k] = G[i][i−k], k = 0..β
  const band = new Float64Array(n * w);
  for (const l of lines) {
    const { idx, val } = l;
    for (let p = 0; p < idx.length; p++)
      for (let q = 0; q < idx.length; q++) {
        const i = idx[p]!;
        const j = idx[q]!;
        if (j > i) continue;
        band[i * w + (i - j)]! += val[p]! * val[q]!;
      }
  }
  let maxDiag = 0;
  for (let i = 0; i < n; i++) maxDiag = Math.max(maxDiag, band[i * w]!);
  const L = new Float64Array(n * w);
  for (const mu of mus) {
    const s = mu - 4 * (beta + 2) * 2 ** -53 * (Math.abs(mu) + maxDiag);
    let ok = true;
    L.fill(0);
    for (let i = 0; i < n && ok; i++) {
      const j0 = Math.max(0, i - beta);
      for (let j = j0; j <= i; j++) {
        // A_ij = s·δ_ij − G_ij ; L_ij = (A_ij − Σ_{k<j} L_ik L_jk) / L_jj
        let a = (i === j ? s : 0) - band[i * w + (i - j)]!;
        const k0 = Math.max(j0, j - beta);
        for (let k = k0; k < j; k++) a -= L[i * w + (i - k)]! * L[j * w + (j - k)]!;
        if (i === j) {
          if (!(a > 0)) {
            ok = false;
            break;
          }
          L[i * w] = Math.sqrt(a);
        } else {
          L[i * w + (i - j)] = a / L[j * w]!;
        }
      }
    }
    if (ok) return { mu, bandwidth: beta };
  }
  return { mu: null, bandwidth: beta };
}
