/**
 * Central finite-difference gradient of a scalar function of a flat vector, in
 * float64: g_i = (f(x + h·e_i) − f(x − h·e_i)) / 2h. For checking `tf.grad`.
 */
export function finiteDifferenceGradient(f: (x: Float64Array) => number, x: ArrayLike<number>, h = 1e-3): Float64Array {
  const base = Float64Array.from(x);
  const g = new Float64Array(base.length);
  for (let i = 0; i < base.length; i++) {
    const xi = base[i]!;
    base[i] = xi + h;
    const fp = f(base);
    base[i] = xi - h;
    const fm = f(base);
    base[i] = xi;
    g[i] = (fp - fm) / (2 * h);
  }
  return g;
}
