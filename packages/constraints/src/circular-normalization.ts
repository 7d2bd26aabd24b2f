import * as tf from '@tensorflow/tfjs-core';
import { LipnetInputError, checkTensor, formatShape } from '@lipnet/core';
import { convAxes, type Conv2DGeometry } from './conv/conv-geometry';
import { polyphasePlan, tapAngle, type PolyphasePlan } from './conv/polyphase-plan';
import { withoutGradient } from './linalg';
import { resolveOperatorNormalizationOptions, type OperatorNormalizationOptions } from './operator-normalization';

/**
 * The DFT blocks of a circular convolution whose strides divide its input size: the operator is
 * unitarily equivalent to the block-diagonal matrix of the `cout × m` complex matrices T(ω), one per
 * frequency ω of the (n/s)-grid (m = polyphase components × cin), so ‖A‖₂ = max_ω σ_max(T(ω))
 * exactly (Sedghi et al. 2019, arXiv 1805.10408; the same blocks as the certified Fourier bound).
 */
export interface CircularSpectrum {
  /** Number of frequencies (blocks). */
  frequencies: number;
  /** Columns of each block. */
  m: number;
  cout: number;
  /** The kernel [kh, kw, cin, cout] the blocks are built from (a 1-D layer's [k, cin, cout] has the same values). */
  kernelShape: [number, number, number, number];
  /**
   * The blocks for a kernel [kh, kw, cin, cout], as their transposes' real and imaginary parts
   * `[frequencies, m, cout]`, with differentiable tfjs ops (two matrix products with constant
   * cos/sin tables).
   */
  blocks(w: tf.Tensor): { re: tf.Tensor3D; im: tf.Tensor3D };
}

/**
 * The {@link CircularSpectrum} of a geometry with circular padding and strides dividing the input
 * size on both axes; null for any other geometry (where the blocks only bound the norm).
 */
export function circularSpectrum(g: Conv2DGeometry): CircularSpectrum | null {
  if (g.padding !== 'circular') return null;
  const [h, w] = convAxes(g, 'circularSpectrum');
  const plan = polyphasePlan(h, w, g.kh, g.kw, g.cin);
  if (!plan.h.exact || !plan.w.exact) return null;
  const { kh, kw, cin, cout } = g;
  const taps = kh * kw;
  const nf = plan.frequencies;
  const cos = new Float32Array(nf * taps);
  const sin = new Float32Array(nf * taps);
  for (let f = 0; f < nf; f++)
    for (let a = 0; a < kh; a++)
      for (let b = 0; b < kw; b++) {
        const ang = tapAngle(plan, f, a, b);
        cos[f * taps + a * kw + b] = Math.cos(ang);
        sin[f * taps + a * kw + b] = Math.sin(ang);
      }
  return {
    frequencies: nf,
    m: plan.m,
    cout,
    kernelShape: [kh, kw, cin, cout],
    blocks: (k) =>
      tf.tidy(() => {
        const placed = placeTaps(k, plan, taps, cin, cout); // [taps, m·cout]
        const re = tf.matMul(tf.tensor2d(cos, [nf, taps]), placed);
        const im = tf.matMul(tf.tensor2d(sin, [nf, taps]), placed);
        return { re: tf.reshape(re, [nf, plan.m, cout]), im: tf.reshape(im, [nf, plan.m, cout]) };
      }),
  };
}

/** Each tap's [cin, cout] slice at its polyphase component's rows of an [m, cout] block, flattened: [taps, m·cout]. */
function placeTaps(k: tf.Tensor, plan: PolyphasePlan, taps: number, cin: number, cout: number): tf.Tensor2D {
  const t = tf.reshape(k, [taps, cin, cout]);
  if (plan.m === cin) return tf.reshape(t, [taps, cin * cout]);
  const rows = tf.unstack(t).map((slice, i) =>
    tf.pad(slice, [
      [plan.column[i]!, plan.m - plan.column[i]! - cin],
      [0, 0],
    ]),
  );
  return tf.reshape(tf.stack(rows), [taps, plan.m * cout]);
}

/** y = T(ω)·v per frequency, for v `[frequencies, 2, m]` (real, imaginary): `[frequencies, 2, cout]`. */
function applyBlocks(re: tf.Tensor3D, im: tf.Tensor3D, v: tf.Tensor3D): tf.Tensor3D {
  const [vr, vi] = tf.split(v, 2, 1) as [tf.Tensor3D, tf.Tensor3D];
  const yr = tf.sub(tf.matMul(vr, re), tf.matMul(vi, im));
  const yi = tf.add(tf.matMul(vr, im), tf.matMul(vi, re));
  return tf.concat([yr, yi], 1) as tf.Tensor3D;
}

/** x = T(ω)ᴴ·y per frequency, for y `[frequencies, 2, cout]`: `[frequencies, 2, m]`. */
function applyAdjointBlocks(re: tf.Tensor3D, im: tf.Tensor3D, y: tf.Tensor3D): tf.Tensor3D {
  const [yr, yi] = tf.split(y, 2, 1) as [tf.Tensor3D, tf.Tensor3D];
  const xr = tf.add(tf.matMul(yr, re, false, true), tf.matMul(yi, im, false, true));
  const xi = tf.sub(tf.matMul(yi, re, false, true), tf.matMul(yr, im, false, true));
  return tf.concat([xr, xi], 1) as tf.Tensor3D;
}

/** Each frequency's vector [2, m] scaled to unit norm. */
function unitPerFrequency(v: tf.Tensor3D): tf.Tensor3D {
  return tf.div(v, tf.maximum(tf.sqrt(tf.sum(tf.square(v), [1, 2], true)), 1e-30));
}

/**
 * Refuses a kernel that is not float32 with the spectrum's kh·kw·cin·cout values, or vectors that are not
 * float32 `[frequencies, 2, m]` (metadata only, nothing is read).
 */
function checkKernelAndVectors(who: string, spectrum: CircularSpectrum, w: unknown, v: unknown): void {
  const k = checkTensor(who, 'w', w, { layout: `(a kernel of shape ${formatShape(spectrum.kernelShape)})` });
  if (k.size !== spectrum.kernelShape.reduce((a, b) => a * b, 1)) {
    throw new LipnetInputError({
      code: 'INVALID_SHAPE',
      who,
      option: 'w',
      message: `expected the kernel the spectrum was built for, of shape ${formatShape(spectrum.kernelShape)}, got shape ${formatShape(k.shape)}. Pass that layer's kernel, or build the spectrum for this one with circularSpectrum(geometry).`,
    });
  }
  checkTensor(who, 'v', v, {
    shape: [spectrum.frequencies, 2, spectrum.m],
    layout: '[frequencies, 2 (real, imaginary), m]',
  });
}

/**
 * Power iteration on every block T(ω)ᴴT(ω) at once, from the unit vectors `v` `[frequencies, 2, m]`
 * (one per frequency, normalised separately, so no frequency's component dies out as in one power
 * iteration or Lanczos on the whole operator): v_ω ← T(ω)ᴴT(ω)v_ω/‖·‖ until every block's Rayleigh
 * residual ‖T(ω)ᴴT(ω)v_ω − θ_ω v_ω‖ is ≤ eps·max θ (θ_ω = ‖T(ω)v_ω‖²) or `maxIter` steps; reads one
 * scalar back per step. Returns the vectors and σ̂ = max_ω ‖T(ω)v_ω‖ ≤ ‖A‖₂ (up to float32 rounding).
 * Refuses a kernel or vectors of another shape or dtype, and eps/maxIter outside their ranges, naming them.
 */
export function circularBlockPowerIteration(
  spectrum: CircularSpectrum,
  w: tf.Tensor,
  v: tf.Tensor,
  eps: number,
  maxIter: number,
): { v: tf.Tensor3D; sigma: number; steps: number } {
  checkKernelAndVectors('circularBlockPowerIteration', spectrum, w, v);
  resolveOperatorNormalizationOptions('circularBlockPowerIteration', { eps, maxIter });
  const { re, im } = spectrum.blocks(w);
  try {
    return blockPowerIteration(re, im, v, eps, maxIter);
  } finally {
    tf.dispose([re, im]);
  }
}

/** {@link circularBlockPowerIteration} on checked arguments, given the blocks (which it leaves alone). */
function blockPowerIteration(
  re: tf.Tensor3D,
  im: tf.Tensor3D,
  v: tf.Tensor,
  eps: number,
  maxIter: number,
): { v: tf.Tensor3D; sigma: number; steps: number } {
  let x = tf.tidy(() => unitPerFrequency(v as tf.Tensor3D));
  let sigma = 0;
  let steps = 0;
  while (steps < maxIter) {
    steps++;
    const [next, stats] = tf.tidy(() => {
      const y = applyBlocks(re, im, x);
      const theta = tf.sum(tf.square(y), [1, 2], true); // [nf, 1, 1]
      const z = applyAdjointBlocks(re, im, y);
      const residual = tf.max(tf.sqrt(tf.sum(tf.square(tf.sub(z, tf.mul(theta, x))), [1, 2])));
      return [unitPerFrequency(z), tf.stack([tf.max(theta), residual])] as const;
    });
    const [thetaMax, residual] = stats.dataSync() as Float32Array;
    stats.dispose();
    x.dispose();
    x = next;
    sigma = Math.sqrt(thetaMax!);
    if (residual! <= eps * thetaMax!) break;
  }
  return { v: x, sigma, steps };
}

/**
 * `operatorNormalization` for a circular convolution ({@link circularSpectrum}): W̄ = W/(σ̂(1 + margin))
 * with σ̂ = max_ω ‖T_W(ω)v_ω‖, the per-frequency vectors after {@link circularBlockPowerIteration}
 * from the stored ones held as a stop-gradient (gradients flow through σ̂ and W). Since the blocks
 * give the operator norm exactly, σ̂ misses no frequency: ‖A_W̄‖₂ ≤ 1 once each block's iteration is
 * within `margin`. Reads one index back (the top frequency). Returns W̄, the new vectors and σ̂ [1, 1].
 */
export function circularNormalization(
  w: tf.Tensor,
  v: tf.Tensor,
  spectrum: CircularSpectrum,
  opts: OperatorNormalizationOptions = {},
): { w: tf.Tensor; u: tf.Tensor; sigma: tf.Tensor2D } {
  const o = resolveOperatorNormalizationOptions('circularNormalization', opts);
  checkKernelAndVectors('circularNormalization', spectrum, w, v);
  return tf.tidy(() => {
    // the blocks once: the iteration reads them as a stop-gradient, σ̂ differentiates through them
    const { re, im } = spectrum.blocks(w);
    const vStar = withoutGradient(
      (rr, ii, vv) => blockPowerIteration(rr as tf.Tensor3D, ii as tf.Tensor3D, vv, o.eps, o.maxIter).v,
      re,
      im,
      v,
    ) as tf.Tensor3D;
    const perFrequency = tf.sum(tf.square(applyBlocks(re, im, vStar)), [1, 2]);
    // one frequency's σ: tf.max would send the gradient to every tied maximum, and the blocks of ω and
    // −ω are conjugate (equal σ), which would double it
    const top = tf.argMax(perFrequency).dataSync()[0]!;
    const sigma = tf.reshape(tf.sqrt(tf.slice(perFrequency, [top], [1])), [1, 1]);
    return { w: tf.div(w, tf.mul(sigma, 1 + o.margin)), u: vStar, sigma: sigma as tf.Tensor2D };
  });
}
