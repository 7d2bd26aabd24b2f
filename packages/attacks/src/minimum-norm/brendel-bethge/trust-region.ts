// The per-sample subproblem of the Brendel-Bethge attack (foolbox `Optimizer.solve`), on the host in
// float64. With d = x0 − x (how far the current point is from the clean one), b the boundary normal
// estimate, c the wanted change of the logit difference and r the trust-region radius:
//   min_δ dist(δ, d) s.t. bᵀδ = c, ‖δ‖₂ ≤ r, lo ≤ x + δ ≤ hi.
// When the boundary cannot be reached inside the box and the trust region, the largest step towards
// it is taken instead. Every solver here is written for lipnet (bisections on monotone dual functions).

/** One sample's subproblem data (flattened, float64). */
export interface Subproblem {
  /** x0 − x. */
  d: Float64Array;
  /** Current point x. */
  x: Float64Array;
  /** Boundary normal estimate. */
  b: Float64Array;
  lo: number;
  hi: number;
  c: number;
  r: number;
}

/** `δ(t)_n = clip(t·v_n)` into the box `[lo − x_n, hi − x_n]`. */
export function clipStep(p: Subproblem, t: number, v: Float64Array, out: Float64Array): Float64Array {
  for (let n = 0; n < out.length; n++) {
    const lo = p.lo - (p.x[n] as number);
    const hi = p.hi - (p.x[n] as number);
    out[n] = Math.min(hi, Math.max(lo, t * (v[n] as number)));
  }
  return out;
}

/** `Σ a_n b_n`. */
export function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let n = 0; n < a.length; n++) s += (a[n] as number) * (b[n] as number);
  return s;
}

/**
 * Root of a non-decreasing function f on the real line: brackets it by doubling from ±`start`, then
 * refines by regula falsi with the Illinois modification (superlinear on the piecewise-linear functions
 * used here), stopping when f is within a relative 1e-10 of the target or after `iters` steps.
 * Returns t with f(t) ≈ target (the bracket end on the target's side when it cannot be reached).
 */
export function solveMonotone(f: (t: number) => number, target: number, start = 1, iters = 60): number {
  let a = -Math.abs(start) || -1;
  let b = Math.abs(start) || 1;
  let fa = f(a) - target;
  for (let k = 0; k < 100 && fa > 0; k++) fa = f((a *= 4)) - target;
  let fb = f(b) - target;
  for (let k = 0; k < 100 && fb < 0; k++) fb = f((b *= 4)) - target;
  if (fa >= 0) return a;
  if (fb <= 0) return b;
  const tol = 1e-10 * (Math.abs(target) + 1e-12);
  let side = 0;
  for (let k = 0; k < iters; k++) {
    const m = fb - fa > 0 ? (a * fb - b * fa) / (fb - fa) : (a + b) / 2;
    const t = m > a && m < b ? m : (a + b) / 2;
    const ft = f(t) - target;
    if (Math.abs(ft) <= tol || b - a <= 1e-15 * (Math.abs(a) + Math.abs(b))) return t;
    if (ft < 0) {
      a = t;
      fa = ft;
      if (side === -1) fb /= 2;
      side = -1;
    } else {
      b = t;
      fb = ft;
      if (side === 1) fa /= 2;
      side = 1;
    }
  }
  return fb < -fa ? b : a;
}

/**
 * Largest step towards the boundary inside the trust region and the box (foolbox
 * `optimize_boundary_s_t_trustregion`): `δ = clip(sign(c)·t·b)` with ‖δ‖₂ = r, or the box corner.
 */
export function boundaryStep(p: Subproblem): Float64Array {
  const v = p.b.map((bn) => Math.sign(p.c) * bn);
  const out = new Float64Array(p.b.length);
  const norm = (t: number) => Math.sqrt(dot(clipStep(p, t, v, out), out));
  const bn = Math.sqrt(dot(p.b, p.b)) + 1e-30;
  let t = 1 / bn;
  if (norm(1e30) <= p.r) return clipStep(p, 1e30, v, out);
  t = solveMonotone(norm, p.r, t);
  return clipStep(p, Math.max(t, 0), v, out);
}

/**
 * Whether the boundary bᵀδ = c is reachable inside the box and the trust region: the minimal-L2
 * point on it inside the box is `clip(λ·b)` with bᵀδ(λ) = c (foolbox `_minimum_norm_to_boundary`).
 */
export function boundaryReachable(p: Subproblem): boolean {
  const out = new Float64Array(p.b.length);
  const bb = dot(p.b, p.b) + 1e-30;
  // The box bounds what bᵀδ can reach.
  const far = dot(clipStep(p, Math.sign(p.c) * 1e30, p.b, out), p.b);
  if (Math.abs(far) < Math.abs(p.c)) return false;
  const lam = solveMonotone((t) => dot(clipStep(p, t, p.b, out), p.b), p.c, Math.abs(p.c) / bb + 1e-30);
  clipStep(p, lam, p.b, out);
  return Math.sqrt(dot(out, out)) <= p.r * (1 + 1e-9);
}

/** A norm-specific solver of the feasible subproblem. */
export type DistanceSolver = (p: Subproblem) => Float64Array;

/** foolbox `Optimizer.solve`: the norm's solver when the boundary is reachable, else the largest step towards it. */
export function solveTrustRegion(p: Subproblem, solver: DistanceSolver): Float64Array {
  return boundaryReachable(p) ? solver(p) : boundaryStep(p);
}
