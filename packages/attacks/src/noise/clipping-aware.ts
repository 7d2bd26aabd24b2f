// Clipping-aware rescaling (Rauber & Bethge 2020, "Fast differentiable clipping-aware normalization
// and rescaling"; foolbox `l2_clipping_aware_rescaling`), computed on the host per sample.

/**
 * η ≥ 0 with `‖clip(x + η·δ, a, b) − x‖₂ = ε` for one flattened sample, or the η that maximises the
 * left side when ε cannot be reached. With `s_k` the room towards the bound δ_k points at,
 * `‖clip(x + ηδ) − x‖² = Σ_k min(η²δ_k², s_k²)` is piecewise linear in η² with breakpoints `s_k²/δ_k²`.
 */
export function clippingAwareScale(
  x: ArrayLike<number>,
  delta: ArrayLike<number>,
  eps: number,
  a: number,
  b: number,
): number {
  const n = x.length;
  const f2 = new Float64Array(n);
  const d2 = new Float64Array(n);
  const s2 = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const dk = delta[k] as number;
    const room = dk >= 0 ? b - (x[k] as number) : (x[k] as number) - a;
    d2[k] = dk * dk;
    s2[k] = room * room;
    f2[k] = s2[k]! / Math.max(d2[k]!, 1e-20);
  }
  const order = Array.from(f2.keys()).sort((i, j) => f2[i]! - f2[j]!);
  let movingD2 = d2.reduce((s, v) => s + v, 0); // Σ δ² of coordinates not yet clipped
  let clippedS2 = 0; // Σ s² of clipped coordinates
  const e2 = eps * eps;
  for (const k of order) {
    // On [previous breakpoint, f2_k]: value = clippedS2 + η²·movingD2.
    if (clippedS2 + f2[k]! * movingD2 >= e2)
      return Math.sqrt(Math.max(0, (e2 - clippedS2) / Math.max(movingD2, 1e-30)));
    clippedS2 += s2[k]!;
    movingD2 -= d2[k]!;
  }
  return Math.sqrt(f2[order[n - 1]!]!);
}
