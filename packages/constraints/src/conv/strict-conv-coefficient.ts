import {
  convAxes,
  axisRead,
  axisSource,
  isZeroPadding,
  paddedLength,
  type ConvAxis,
  type Conv2DGeometry,
} from './conv-geometry';

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * How many (output, tap) pairs read each input index along one axis: Σ over the output positions j and
 * the taps a with `axisRead(j, a) = i`. Zero padding reads an index at most ⌈k/(s/gcd(s, d))⌉ times;
 * 'reflect' reads the pixels next to the border once more per mirrored copy (k + 1 for stride 1).
 */
export function axisReadCounts(ax: ConvAxis): Int32Array {
  const counts = new Int32Array(ax.n);
  for (let j = 0; j < ax.out; j++)
    for (let a = 0; a < ax.k; a++) {
      const i = axisRead(ax, j, a);
      if (i >= 0) counts[i]!++;
    }
  return counts;
}

/** The most padded positions that hold the same input index (‖P‖₂² of the padding map P). */
export function axisMaxCopies(ax: ConvAxis): number {
  const copies = new Int32Array(ax.n);
  let most = 1;
  for (let t = 0; t < paddedLength(ax); t++) {
    const i = axisSource(ax, t);
    if (i >= 0) most = Math.max(most, ++copies[i]!);
  }
  return most;
}

/** ⌈k/(s/gcd(s, d))⌉: the most taps of one output row that can land on the same input index class. */
function zeroPaddingReads(ax: ConvAxis): number {
  return Math.ceil(ax.k / (ax.s / gcd(ax.s, ax.d)));
}

/** The per-axis read bound N̄ of {@link strictConvCoefficient}. */
export function axisReadBound(ax: ConvAxis): number {
  const closed = zeroPaddingReads(ax);
  if (isZeroPadding(ax.padding)) return closed;
  let most = 0;
  for (const c of axisReadCounts(ax)) most = Math.max(most, c);
  return Math.max(closed, most);
}

/**
 * The proven 'strict' factor of a convolution: 1/√(N̄_h·N̄_w), where N̄ bounds how many (output, tap)
 * pairs read one input pixel along each axis — ⌈k/s⌉ for zero padding (deel-torchlip's factor, which does
 * not depend on the input size), ⌈k/(s/gcd(s, d))⌉ with dilation, and the count on the input size when
 * the padding copies pixels ('reflect': k + 1 at stride 1, so 1/4 instead of 1/3 for 3×3; 'symmetric',
 * 'replicate' with one pixel and 'circular' keep k).
 *
 * Proof: output y_p = W̃ᵀ·patch_p with W̃ the (kh·kw·cin) × cout reshaped kernel, so
 * ‖y‖² ≤ ‖W̃‖²·Σ_p ‖patch_p‖² = ‖W̃‖²·Σ_i N_i‖x_i‖² ≤ ‖W̃‖²·N̄_h·N̄_w·‖x‖², where N_i counts the
 * (output, tap) pairs reading pixel i, a product of the per-axis counts.
 */
export function strictConvCoefficient(g: Conv2DGeometry): number {
  const [h, w] = convAxes(g, 'strictConvCoefficient');
  return 1 / Math.sqrt(axisReadBound(h) * axisReadBound(w));
}

/**
 * The proven 'strict' factor of a transposed convolution whose kernel is orthonormalised as deel-lip
 * does (the [kh, kw, filters, cin] kernel transposed to [kh, kw, cin, filters], reshaped to
 * (kh·kw·cin) × filters): 1/√(kh·kw) at every stride. Each input pixel feeds kh·kw (output, tap) pairs
 * and an output pixel sums the taps that reach it, so the patch argument of
 * {@link strictConvCoefficient} applies with N = kh·kw. deel-lip's 1/√(⌈kh/sh⌉⌈kw/sw⌉) at stride s
 * is not a bound with that reshape: a 3×3 stride-2 kernel from 1 channel to 9 reaches 1.5.
 */
export function strictTransposedConvCoefficient(kernelSize: [number, number]): number {
  return 1 / Math.sqrt(kernelSize[0] * kernelSize[1]);
}
