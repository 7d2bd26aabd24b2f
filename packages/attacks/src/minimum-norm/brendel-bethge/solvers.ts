// Norm-specific solvers of the feasible Brendel-Bethge subproblem (see trust-region.ts):
// min dist(δ, d) s.t. bᵀδ = c, ‖δ‖₂ ≤ r, box. L1 and L2 use the Lagrangian
// δ_n(λ, μ) = argmin_{δ ∈ box_n} φ(δ − d_n) + μδ² − λb_nδ, whose bᵀδ grows with λ and whose ‖δ‖₂
// shrinks with μ: λ by bisection for each μ, μ by bisection on the trust region. L∞ bisects the L∞
// radius ε around x0 (feasible iff the minimal-L2 point of bᵀδ = c inside the ε-box is within r).
// L0 tries the greedy sparsest step first, then a Lagrangian search over (λ, μ).
import { boundaryStep, dot, solveMonotone, type Subproblem } from './trust-region';

type Coord = (n: number, lam: number, mu: number, lo: number, hi: number) => number;

/** Minimiser of `(δ − d)² + μδ² − λbδ` on [lo, hi]. */
function l2Coord(p: Subproblem): Coord {
  return (n, lam, mu, lo, hi) =>
    Math.min(hi, Math.max(lo, (2 * (p.d[n] as number) + lam * (p.b[n] as number)) / (2 + 2 * mu)));
}

/** Minimiser of `|δ − d| + μδ² − λbδ` on [lo, hi] (μ > 0). */
function l1Coord(p: Subproblem): Coord {
  return (n, lam, mu, lo, hi) => {
    const lb = lam * (p.b[n] as number);
    const d = p.d[n] as number;
    let v = d;
    const up = (lb - 1) / (2 * mu);
    const down = (lb + 1) / (2 * mu);
    if (up > d) v = up;
    else if (down < d) v = down;
    return Math.min(hi, Math.max(lo, v));
  };
}

/** δ(λ, μ) into `out`. */
function fill(p: Subproblem, coord: Coord, lam: number, mu: number, out: Float64Array): Float64Array {
  for (let n = 0; n < out.length; n++) {
    const x = p.x[n] as number;
    out[n] = coord(n, lam, mu, p.lo - x, p.hi - x);
  }
  return out;
}

/** λ(μ) with bᵀδ(λ, μ) = c, then δ. */
function atMu(p: Subproblem, coord: Coord, mu: number, out: Float64Array): Float64Array {
  const scale = (Math.abs(p.c) + 1) / (Math.sqrt(dot(p.b, p.b)) + 1e-30);
  const lam = solveMonotone((l) => dot(fill(p, coord, l, mu, out), p.b), p.c, scale * (1 + mu), 80);
  return fill(p, coord, lam, mu, out);
}

/** Outer search on log μ for ‖δ‖₂ = r (‖δ(μ)‖ falls as μ grows), when μ = μ_min leaves the trust region. */
function lagrangian(p: Subproblem, coord: Coord, muMin: number): Float64Array {
  const out = new Float64Array(p.d.length);
  const r2 = p.r * p.r;
  if (dot(atMu(p, coord, muMin, out), out) <= r2) return out;
  const m0 = Math.log(muMin);
  // g(s) = r² − ‖δ(μ_min·e^s)‖² is non-decreasing in s ≥ 0 and negative at 0.
  const g = (s: number) => r2 - dot(atMu(p, coord, Math.exp(m0 + Math.max(s, 0)), out), out);
  const s = solveMonotone(g, 0, 4, 50);
  return atMu(p, coord, Math.exp(m0 + Math.max(s, 0)), out);
}

/** L2: minimise ‖δ − d‖₂. */
export function solveL2(p: Subproblem): Float64Array {
  return lagrangian(p, l2Coord(p), 1e-12);
}

/** L1: minimise ‖δ − d‖₁ (μ > 0 keeps δ(λ, μ) single-valued; tiny μ is the LP solution). */
export function solveL1(p: Subproblem): Float64Array {
  return lagrangian(p, l1Coord(p), 1e-9);
}

/** L∞: minimise ‖δ − d‖∞ by bisection on the radius ε. */
export function solveLinf(p: Subproblem): Float64Array {
  const n = p.d.length;
  const lo = new Float64Array(n);
  const hi = new Float64Array(n);
  const out = new Float64Array(n);
  const box = (eps: number) => {
    for (let k = 0; k < n; k++) {
      const x = p.x[k] as number;
      const x0 = x + (p.d[k] as number);
      lo[k] = Math.max(p.lo, x0 - eps) - x;
      hi[k] = Math.min(p.hi, x0 + eps) - x;
    }
  };
  const clipped = (lam: number) => {
    for (let k = 0; k < n; k++) out[k] = Math.min(hi[k] as number, Math.max(lo[k] as number, lam * (p.b[k] as number)));
    return out;
  };
  const feasible = (eps: number): boolean => {
    box(eps);
    let maxC = 0;
    let minC = 0;
    for (let k = 0; k < n; k++) {
      const bk = p.b[k] as number;
      maxC += bk * (bk > 0 ? (hi[k] as number) : (lo[k] as number));
      minC += bk * (bk > 0 ? (lo[k] as number) : (hi[k] as number));
    }
    if (p.c > maxC || p.c < minC) return false;
    const lam = solveMonotone((l) => dot(clipped(l), p.b), p.c, 1, 60);
    clipped(lam);
    return dot(out, out) <= p.r * p.r;
  };
  let a = 0;
  let b = p.hi - p.lo;
  if (!feasible(b)) return boundaryStep(p);
  for (let k = 0; k < 30; k++) {
    const m = (a + b) / 2;
    if (feasible(m)) b = m;
    else a = m;
  }
  feasible(b);
  return Float64Array.from(out);
}

/** Number of coordinates where δ moves x away from x0 (x + δ ≠ x0). */
function l0Count(p: Subproblem, delta: Float64Array): number {
  let k = 0;
  for (let n = 0; n < delta.length; n++) if (Math.abs((delta[n] as number) - (p.d[n] as number)) > 1e-10) k++;
  return k;
}

/**
 * L0 without the trust region (foolbox `minimize_without_trustregion`): start from δ = d (x0 itself),
 * then move coordinates to the bound that helps most, by |b_n·room_n| descending, the last one partially.
 */
function greedyL0(p: Subproblem): Float64Array {
  const delta = Float64Array.from(p.d);
  let reached = dot(p.b, delta);
  const need = p.c - reached;
  const gain = new Float64Array(delta.length);
  const move = new Float64Array(delta.length);
  for (let n = 0; n < delta.length; n++) {
    const x0 = (p.x[n] as number) + (p.d[n] as number);
    const bn = p.b[n] as number;
    const target = bn > 0 === need > 0 ? p.hi : p.lo;
    move[n] = target - x0;
    gain[n] = move[n]! * bn;
  }
  const order = Array.from(gain.keys()).sort((i, j) => Math.abs(gain[j]!) - Math.abs(gain[i]!));
  for (const n of order) {
    if (Math.abs(p.c - reached) > Math.abs(gain[n]!)) {
      delta[n] = delta[n]! + move[n]!;
      reached += gain[n]!;
    } else {
      delta[n] = delta[n]! + (p.c - reached) / ((p.b[n] as number) + 1e-20);
      break;
    }
  }
  return delta;
}

/**
 * L0 with the trust region (foolbox: Nelder-Mead on the dual, then a "touchup"): the Lagrangian
 * `‖δ − d‖₀ − λ(bᵀδ − c) + μ(‖δ‖² − r²)` separates per coordinate into "return to x0" (δ_n = d_n) or
 * "move" (`clip(λb_n/2μ)`, cost 1). Its dual g(λ, μ) is concave; for μ on a log grid, λ maximises g
 * by golden-section search, δ is recovered, one coordinate is adjusted to meet bᵀδ = c, and the sparsest
 * feasible δ wins.
 */
export function solveL0(p: Subproblem): Float64Array {
  const g = greedyL0(p);
  if (dot(g, g) <= p.r * p.r) return g;
  const n = p.d.length;
  const out = new Float64Array(n);
  let best: Float64Array | null = null;
  let bestK = Infinity;
  let bestNorm = Infinity;
  /** Fills δ(λ, μ) and returns the dual value. */
  const dual = (lam: number, mu: number) => {
    let v = lam * p.c - mu * p.r * p.r;
    for (let k = 0; k < n; k++) {
      const x = p.x[k] as number;
      const bk = p.b[k] as number;
      const dk = p.d[k] as number;
      const opt = Math.min(p.hi - x, Math.max(p.lo - x, (lam * bk) / (2 * mu)));
      const stay = mu * dk * dk - lam * bk * dk;
      const go = 1 + mu * opt * opt - lam * bk * opt;
      out[k] = stay <= go ? dk : opt;
      v += Math.min(stay, go);
    }
    return v;
  };
  const bn = Math.sqrt(dot(p.b, p.b)) + 1e-30;
  for (let e = -4; e <= 6; e += 0.25) {
    const mu = Math.pow(10, e) / (p.r * p.r + 1e-30);
    const lam = goldenMax((l) => dual(l, mu), (4 * mu * p.r) / bn + 1 / bn);
    dual(lam, mu);
    const cand = touchup(p, out);
    if (!cand) continue;
    const k = l0Count(p, cand);
    const nr = dot(cand, cand);
    if (k < bestK || (k === bestK && nr < bestNorm)) {
      bestK = k;
      bestNorm = nr;
      best = cand;
    }
  }
  return best ?? boundaryStep(p);
}

/** Maximiser of a concave function on [−w, w] by golden-section search (w grown until the maximum is inside). */
function goldenMax(f: (t: number) => number, w0: number): number {
  let w = w0;
  for (let k = 0; k < 60 && (f(w) > f(w / 2) || f(-w) > f(-w / 2)); k++) w *= 2;
  let a = -w;
  let b = w;
  const phi = (Math.sqrt(5) - 1) / 2;
  let c = b - phi * (b - a);
  let d = a + phi * (b - a);
  let fc = f(c);
  let fd = f(d);
  for (let k = 0; k < 60; k++) {
    if (fc >= fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - phi * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + phi * (b - a);
      fd = f(d);
    }
  }
  return (a + b) / 2;
}

/** Moves one coordinate so that bᵀδ = c, keeping the box and the trust region, at the least L0 cost. */
function touchup(p: Subproblem, delta: Float64Array): Float64Array | null {
  const dc = p.c - dot(p.b, delta);
  const norm2 = dot(delta, delta);
  let bestN = -1;
  let bestCost = Infinity;
  for (let n = 0; n < delta.length; n++) {
    const bn = p.b[n] as number;
    if (bn === 0) continue;
    const nd = (delta[n] as number) + dc / bn;
    const x = p.x[n] as number;
    if (x + nd > p.hi || x + nd < p.lo) continue;
    if (norm2 - (delta[n] as number) ** 2 + nd * nd > p.r * p.r) continue;
    const dn = p.d[n] as number;
    const cost = (Math.abs(nd - dn) > 1e-10 ? 1 : 0) - (Math.abs((delta[n] as number) - dn) > 1e-10 ? 1 : 0);
    if (cost < bestCost) {
      bestCost = cost;
      bestN = n;
    }
  }
  if (bestN < 0) return null;
  const r = Float64Array.from(delta);
  r[bestN] = (r[bestN] as number) + dc / (p.b[bestN] as number);
  return r;
}
