/**
 * Float64 linear algebra for certified operator-norm bounds (internal).
 *
 * The bound on λ_max of a Hermitian positive semi-definite matrix G is
 * certified, not estimated: power iteration gives λ̂ ≤ λ_max, then a Cholesky
 * factorisation of μI − G with μ = λ̂·(1 + δ) succeeding proves μI − G ≻ 0,
 * i.e. λ_max < μ. δ starts at 1e-9 and grows ×10 until the proof succeeds.
 * Rounding: the Cholesky runs on (μ − r)I − G with a Rump-style margin
 * r = 4(n+2)·2⁻⁵³·(μ + max_i G_ii), which dominates the backward error of a
 * float64 Cholesky, so success in floating point implies the exact statement
 * for the float64 G we built. (Building G from float32 weights is exact up to
 * float64 rounding, ~1e-15 relative, far below δ.)
 */

/** A Hermitian n×n matrix, row-major; `im` null for a real symmetric one. */
export interface Hermitian {
  n: number;
  re: Float64Array;
  im: Float64Array | null;
}

/** Deterministic pseudo-random numbers in [−1, 1) (xorshift32), for reproducible start vectors. */
export function pseudoRandom(seed: number): () => number {
  let s = seed >>> 0 || 0x9e3779b9;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2147483648 - 1;
  };
}

/** Power iteration on a Hermitian PSD matrix. Returns the Rayleigh quotient (≤ λ_max) and the vector. */
export function powerIterationHermitian(
  G: Hermitian,
  maxIter: number,
  tol: number,
  start?: { re: Float64Array; im: Float64Array },
  seed = 1,
): { lambda: number; re: Float64Array; im: Float64Array; iterations: number } {
  const { n, re, im } = G;
  const rnd = pseudoRandom(seed);
  let vr = new Float64Array(n);
  let vi = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    vr[i] = (start ? start.re[i]! : 0) + 1e-3 * rnd() + (start ? 0 : rnd());
    vi[i] = start ? start.im[i]! : 0;
  }
  let norm = 0;
  for (let i = 0; i < n; i++) norm += vr[i]! * vr[i]! + vi[i]! * vi[i]!;
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < n; i++) {
    vr[i]! /= norm;
    vi[i]! /= norm;
  }
  let lambda = 0;
  let it: number;
  const wr = new Float64Array(n);
  const wi = new Float64Array(n);
  for (it = 1; it <= maxIter; it++) {
    // w = G v
    for (let i = 0; i < n; i++) {
      let sr = 0;
      let si = 0;
      const row = i * n;
      if (im) {
        for (let k = 0; k < n; k++) {
          const gr = re[row + k]!;
          const gi = im[row + k]!;
          sr += gr * vr[k]! - gi * vi[k]!;
          si += gr * vi[k]! + gi * vr[k]!;
        }
      } else {
        for (let k = 0; k < n; k++) {
          const gr = re[row + k]!;
          sr += gr * vr[k]!;
          si += gr * vi[k]!;
        }
      }
      wr[i] = sr;
      wi[i] = si;
    }
    // Rayleigh quotient vᴴ G v (real for Hermitian G)
    let rq = 0;
    let nn = 0;
    for (let i = 0; i < n; i++) {
      rq += vr[i]! * wr[i]! + vi[i]! * wi[i]!;
      nn += wr[i]! * wr[i]! + wi[i]! * wi[i]!;
    }
    norm = Math.sqrt(nn);
    const prev = lambda;
    lambda = Math.max(lambda, rq);
    if (norm === 0) break;
    const nr = new Float64Array(n);
    const ni = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      nr[i] = wr[i]! / norm;
      ni[i] = wi[i]! / norm;
    }
    vr = nr;
    vi = ni;
    if (it > 2 && Math.abs(lambda - prev) <= tol * lambda) break;
  }
  return { lambda, re: vr, im: vi, iterations: it };
}

/** True when a Cholesky factorisation proves μI − G ≻ 0 (so λ_max(G) < μ), with a rounding margin. */
export function provesUpperBound(G: Hermitian, mu: number): boolean {
  const { n, re, im } = G;
  let maxDiag = 0;
  for (let i = 0; i < n; i++) maxDiag = Math.max(maxDiag, Math.abs(re[i * n + i]!));
  const margin = 4 * (n + 2) * 2 ** -53 * (Math.abs(mu) + maxDiag);
  const s = mu - margin;
  const Lr = new Float64Array(n * n);
  const Li = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = s - re[j * n + j]!;
    for (let k = 0; k < j; k++) d -= Lr[j * n + k]! ** 2 + Li[j * n + k]! ** 2;
    if (!(d > 0)) return false;
    const ljj = Math.sqrt(d);
    Lr[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      // A_ij = −G_ij; L_ij = (A_ij − Σ_k L_ik·conj(L_jk)) / L_jj
      let ar = -re[i * n + j]!;
      let ai = im ? -im[i * n + j]! : 0;
      for (let k = 0; k < j; k++) {
        const xr = Lr[i * n + k]!;
        const xi = Li[i * n + k]!;
        const yr = Lr[j * n + k]!;
        const yi = -Li[j * n + k]!;
        ar -= xr * yr - xi * yi;
        ai -= xr * yi + xi * yr;
      }
      Lr[i * n + j] = ar / ljj;
      Li[i * n + j] = ai / ljj;
    }
  }
  return true;
}
/** Result of {@link certifiedMaxEigenvalue}. */
export interface CertifiedEigen {
  /** max Rayleigh quotient found: a lower bound of max λ_max. */
  lower: number;
  /** proven upper bound of max λ_max over all matrices. */
  upper: number;
}

/**
 * Certified bracket [lower, upper] of max_k λ_max(G_k) over Hermitian PSD matrices.
 * `upper` is proven by {@link provesUpperBound} for every matrix.
 */
export function certifiedMaxEigenvalue(mats: Hermitian[], maxIter = 300): CertifiedEigen {
  let lower = 0;
  let start: { re: Float64Array; im: Float64Array } | undefined;
  let maxTrace = 0;
  for (const G of mats) {
    let tr = 0;
    for (let i = 0; i < G.n; i++) tr += G.re[i * G.n + i]!;
    maxTrace = Math.max(maxTrace, tr);
    const r = powerIterationHermitian(G, maxIter, 1e-13, start && start.re.length === G.n ? start : undefined);
    start = r;
    lower = Math.max(lower, r.lambda);
  }
  if (maxTrace === 0) return { lower: 0, upper: 0 };
  for (let delta = 1e-9; delta <= 1; delta *= 10) {
    const mu = lower * (1 + delta) + 1e-300;
    if (mats.every((G) => provesUpperBound(G, mu))) return { lower, upper: mu };
  }
  // λ_max ≤ trace for PSD matrices: always valid, rarely needed.
  return { lower, upper: maxTrace * (1 + 1e-12) };
}

/**
 * Certified bracket of the spectral norm σ_max of a real row-major r×c matrix,
 * from its smaller Gram matrix: lower = √λ̂, upper = √μ.
 */
export function matrixSpectralNormBound(
  a: ArrayLike<number>,
  rows: number,
  cols: number,
): { lower: number; upper: number } {
  const n = Math.min(rows, cols);
  const G = new Float64Array(n * n);
  if (cols <= rows) {
    // G = AᵀA (cols×cols)
    for (let r = 0; r < rows; r++) {
      const off = r * cols;
      for (let i = 0; i < cols; i++) {
        const ai = a[off + i]!;
        if (ai === 0) continue;
        for (let j = i; j < cols; j++) G[i * n + j]! += ai * a[off + j]!;
      }
    }
  } else {
    // G = AAᵀ (rows×rows)
    for (let i = 0; i < rows; i++) {
      for (let j = i; j < rows; j++) {
        let s = 0;
        for (let k = 0; k < cols; k++) s += a[i * cols + k]! * a[j * cols + k]!;
        G[i * n + j] = s;
      }
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) G[i * n + j] = G[j * n + i]!;
  const e = certifiedMaxEigenvalue([{ n, re: G, im: null }], 2000);
  return { lower: Math.sqrt(e.lower), upper: Math.sqrt(e.upper) };
}
