import * as tf from '@tensorflow/tfjs-core';
import { FUSED_KERNELS, checkTensor, defineOptions, hasFusedKernel, opt } from '@lipnet/core';
import { checkPowerIterationVector } from './power-iteration-vector';

/**
 * The attrs of the fused `LipnetSpectralBjorck` kernel (@lipnet/core's
 * `FUSED_KERNELS.spectralBjorck`): deel-lip 1.5's normalisation of a reshaped
 * kernel W [m, n] in one kernel call — power iteration from u (at most
 * `maxIterSpectral`, stopping when ‖Δu‖ < `epsSpectral`), W/(σ + epsSpectral),
 * Björck (`beta`, at most `maxIterBjorck`, stopping when ‖ΔW‖_F < `epsBjorck`),
 * × `coef`.
 */
export interface SpectralBjorckAttrs {
  epsSpectral: number;
  maxIterSpectral: number;
  beta: number;
  maxIterBjorck: number;
  epsBjorck: number;
  coef: number;
}

const WHO = 'fusedSpectralBjorck';
const positive = (fix: string) => opt.number({ gt: 0 }).describedAs('a positive number', fix).required();
const ATTRS = defineOptions(WHO, {
  epsSpectral: positive('Pass a small tolerance such as 1e-3.'),
  maxIterSpectral: opt.integer({ min: 1 }).required(),
  beta: opt.number({ gt: 0, max: 0.5 }).describedAs('a number in (0, 0.5]', 'Pass 0.5 (deel-lip 1.5).').required(),
  maxIterBjorck: opt.integer({ min: 0 }).required(),
  epsBjorck: positive('Pass a small tolerance such as 1e-3.'),
  coef: positive("Pass the layer's factor, e.g. 1."),
});

/** Whether the active backend (or `backend`) registers both fused spectral-Björck kernels. */
export function hasFusedSpectralBjorck(backend: string = tf.getBackend()): boolean {
  return hasFusedKernel(FUSED_KERNELS.spectralBjorck, FUSED_KERNELS.spectralBjorckGrad, backend);
}

/**
 * coef · Björck(W/(σ + ε)) with σ from deel-lip 1.5's power iteration started at `u`, through the
 * fused kernels; differentiable in `w` (u held constant, as deel-lip's `stop_gradient`: the
 * gradient is g₀/s − (Σ g₀⊙W / s²)·tᵀu/σ, g₀ = Björck's VJP, s = σ + ε, t = u·Wᵀ).
 * Returns W̄ [m, n], the new u [1, n] and σ [1, 1]. Every attr is required; a missing, unknown, NaN or
 * out-of-range one, a non-float32 or non-matrix `w`, or a `u` not [1, n] is refused naming it. Same values as
 * `spectralNormalization` + `bjorckNormalization` up to float rounding.
 */
export function fusedSpectralBjorck(
  w: tf.Tensor2D,
  u: tf.Tensor2D,
  attrs: SpectralBjorckAttrs,
): { w: tf.Tensor2D; u: tf.Tensor2D; sigma: tf.Tensor2D } {
  checkTensor(WHO, 'w', w, { dtype: ['float32'], rank: 2, layout: '(the kernel reshaped to [-1, filters])' });
  checkTensor(WHO, 'u', u, { dtype: ['float32'], rank: 2, layout: '(the power-iteration vector [1, filters])' });
  checkPowerIterationVector(w, u, WHO);
  const attrMap = ATTRS.parse(attrs) as unknown as tf.NamedAttrMap;
  let uOut: tf.Tensor2D | undefined;
  let sigma: tf.Tensor2D | undefined;
  const op = tf.customGrad(((input: tf.Tensor2D, save: tf.GradSaveFunc) => {
    const [y, u1, s, iterates] = tf
      .engine()
      .runKernel(FUSED_KERNELS.spectralBjorck, { w: input, u }, attrMap) as tf.Tensor[];
    // customGrad frees what its forward made but does not return: u and σ leave it kept, and are
    // handed to the caller's scope below.
    uOut = tf.keep(u1 as tf.Tensor2D);
    sigma = tf.keep(s as tf.Tensor2D);
    save([input, u1!, s!, iterates!]);
    return {
      value: y!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [ww, uu, ss, its] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        return tf
          .engine()
          .runKernel(
            FUSED_KERNELS.spectralBjorckGrad,
            { w: ww, u: uu, sigma: ss, iterates: its, dy },
            attrMap,
          ) as tf.Tensor;
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as (input: tf.Tensor2D) => tf.Tensor2D;
  const out = op(w);
  const kept = [uOut!, sigma!];
  const result = { w: out, u: tf.clone(uOut!), sigma: tf.clone(sigma!) };
  tf.dispose(kept);
  return result;
}
