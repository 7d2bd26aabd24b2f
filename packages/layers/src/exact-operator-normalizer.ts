import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  circularBlockPowerIteration,
  circularNormalization,
  lanczosOperatorNorm,
  operatorNormalization,
  type CircularSpectrum,
  withoutGradient,
  type CertifiedNorm,
  type LinearOperatorPair,
  type OperatorNormalizationOptions,
} from '@lipnet/constraints';

/** What a layer tells {@link ExactOperatorNormalizer} about its linear map (built at `build` time). */
export interface ExactNormSpec {
  /** Input shape of the operator with a batch of one, e.g. `[1, h, w, cin]` for a conv2d. */
  inputShape: number[];
  /** The layer's linear map (no bias) for a kernel, and its adjoint. */
  operator: LinearOperatorPair;
  /**
   * A proven upper bound of ‖A_W‖₂ for the float32 kernel values `kernel` (same layout as the
   * layer's kernel); `estimate` is a power-iteration value (≤ the norm), `target` the bound the
   * caller hopes to prove (a certificate may stop once it has proven it).
   */
  certify(kernel: Float32Array, estimate: number, target: number): CertifiedNorm;
  /** A constant c with ‖A_E‖₂ ≤ c·‖E‖_F for every kernel E (√(windows per input pixel) for a conv). */
  frobeniusFactor: number;
  /**
   * Relative size ρ of a fresh random vector added to the stored one before each Lanczos run (default 0).
   * For operators that the Fourier basis diagonalises (circular padding), every Fourier mode is an
   * eigenvector of every AᵀA, so a stored vector converged to one frequency has no component along a new
   * top frequency and the iteration would stay on the old one; with ρ the Ritz residual sees any gap
   * above eps/ρ and Lanczos moves to the top. Not needed with {@link spectrum}, which tracks every
   * frequency (pass 0 there).
   */
  restartNoise?: number;
  /**
   * For a circular convolution whose strides divide its input size: its DFT blocks, whose largest
   * singular value is the operator norm exactly. When given, σ̂ comes from power iteration on every
   * block at once (`circularNormalization`) and the persistent vector is one per frequency
   * `[frequencies, 2, m]` instead of an input: a new top frequency is never missed.
   */
  spectrum?: CircularSpectrum | null;
}

/** Certificate of an exported kernel ({@link ExactOperatorNormalizer.certify}). */
export interface ExportCertificate extends CertifiedNorm {
  /** The factor the kernel was multiplied by so that the proven bound is ≤ k (1 when none was needed). */
  rescale: number;
  /** The proven Lipschitz bound of the exported linear map: min(upper, k) after the rescale. */
  bound: number;
}

/** Weight names of the state (non-trainable, saved with the model). */
const U_NAME = 'conv_u';
const SIGMA_NAME = 'conv_sig';
/** A warm-up (first use, or a vector set from outside) runs up to this many Lanczos steps. */
const WARM_UP_ITERATIONS = 1000;

function dataIdOf(v: tf.Tensor): object {
  return (v as unknown as { dataId: object }).dataId;
}

/**
 * The state and steps of `convNormalization: 'exact'`, shared by every convolution layer (any
 * linear map given by a {@link ExactNormSpec}): W̄ = k·V/(σ̂(1 + margin)) where V is the layer's
 * normalised kernel and σ̂ the Lanczos (accelerated power iteration) estimate of ‖A_V‖₂ on the layer's input size
 * (`operatorNormalization` in @lipnet/constraints), with a persistent vector `conv_u` (the
 * operator's input shape) and the last σ̂ `conv_sig`, both non-trainable and saved with the
 * weights. Each call runs Lanczos steps until the Ritz residual is ≤ eps·σ̂² (one step once
 * converged, i.e. one conv and one transposed conv on a single input) or maxIter; a warm-up of
 * up to 1000 steps runs on first use and whenever `conv_u` was replaced from outside (loaded or
 * set weights). Plain power iteration converges slowly on the clustered top spectra of
 * convolutions (≈ 500 iterations to 1e-6 from a random vector for 3×3, 14×14×16 → 32), which
 * is why the Krylov version is used.
 * At export, {@link certify} proves ‖A_W̄‖₂ ≤ k, rescaling the kernel when it cannot.
 */
export class ExactOperatorNormalizer {
  private u: tfl.LayerVariable | null = null;
  private sig: tfl.LayerVariable | null = null;
  /** `dataId` of `conv_u` as this object last wrote it: anything else is a vector from outside. */
  private written: object | null = null;
  /** The certificate of the last export. */
  lastCertificate: ExportCertificate | null = null;
  /** Seed of the next `restartNoise` draw. */
  private draws = 1;

  constructor(
    readonly spec: ExactNormSpec,
    private readonly options: Required<OperatorNormalizationOptions>,
  ) {}

  /** Adds `conv_u` and `conv_sig` to the layer (call from `build`). */
  createWeights(
    add: (name: string, shape: number[], init: ReturnType<typeof tfl.initializers.ones>) => tfl.LayerVariable,
  ): void {
    const sp = this.spec.spectrum;
    const shape = sp ? [sp.frequencies, 2, sp.m] : this.spec.inputShape;
    this.u = add(U_NAME, shape, tfl.initializers.randomNormal({ mean: 0, stddev: 1 }));
    this.sig = add(SIGMA_NAME, [1, 1], tfl.initializers.ones());
  }

  /** Identity of the current state (for caches keyed on the weights). */
  stateId(): object {
    return dataIdOf(this.u!.read());
  }

  /**
   * W̄ = k·V/(σ̂(1 + margin)) (differentiable in V; the vector is a stop-gradient). With `store`
   * (training calls), the new vector and σ̂ are written; a warm-up is always written.
   */
  normalize(v: tf.Tensor, k: number, store: boolean): tf.Tensor {
    const { eps, maxIter, margin } = this.options;
    if (this.written !== this.stateId()) this.warmUp(v);
    const sp = this.spec.spectrum;
    const rho = this.spec.restartNoise ?? 0;
    const start = rho > 0 ? this.perturbed(this.u!.read(), rho) : this.u!.read();
    const r = sp
      ? circularNormalization(v, start, sp, { eps, maxIter, margin })
      : operatorNormalization(v, start, this.spec.operator, { eps, maxIter, margin });
    if (start !== this.u!.read()) start.dispose();
    if (store) this.write(r.u, r.sigma);
    else tf.dispose([r.u, r.sigma]);
    return k === 1 ? r.w : tf.mul(r.w, k);
  }

  /** u + ρ‖u‖·r/‖r‖ for a seeded normal r (a new seed each call: see `restartNoise`). */
  private perturbed(u: tf.Tensor, rho: number): tf.Tensor {
    return tf.tidy(() => {
      const r = tf.randomNormal(u.shape, 0, 1, 'float32', this.draws++);
      return tf.add(u, tf.mul(r, tf.div(tf.mul(tf.norm(u), rho), tf.norm(r))));
    });
  }

  private warmUp(v: tf.Tensor): void {
    const { eps, maxIter } = this.options;
    const out = withoutGradient(
      (vv, uu) => this.iterate(vv, uu, eps, Math.max(maxIter, WARM_UP_ITERATIONS)).v,
      v,
      this.u!.read(),
    );
    this.write(out, null);
  }

  /** Lanczos on the operator, or power iteration on its DFT blocks when the spec has them. */
  private iterate(w: tf.Tensor, u: tf.Tensor, eps: number, maxIter: number): { v: tf.Tensor; sigma: number } {
    const sp = this.spec.spectrum;
    return sp
      ? circularBlockPowerIteration(sp, w, u, eps, maxIter)
      : lanczosOperatorNorm(this.spec.operator, w, u, eps, maxIter);
  }

  private write(u: tf.Tensor, sigma: tf.Tensor | null): void {
    this.u!.write(u);
    if (sigma) this.sig!.write(sigma);
    this.written = this.stateId();
  }

  /**
   * Proves ‖A_W‖₂ ≤ k for the effective kernel `w` (k·V/(σ̂(1 + margin)), whose norm should be
   * just below k) with the layer's certificate, and when the proven bound B exceeds k, returns the
   * kernel times f = k/(B + c·2⁻²⁴·‖W‖_F) computed in float64 and rounded once to float32: each
   * entry moves by ≤ 2⁻²⁴ of itself, so the rounded kernel's norm is ≤ f·B + c·2⁻²⁴·f·‖W‖_F = k.
   * Returns a new tensor (the caller owns it); the certificate is kept in {@link lastCertificate}.
   */
  certify(w: tf.Tensor, k: number): { w: tf.Tensor; certificate: ExportCertificate } {
    const data = Float32Array.from(w.dataSync() as Float32Array);
    // A converged estimate of ‖A_W‖ (from the stored vector) for the banded certificate's ladder.
    const estimate = tf.tidy(() => {
      const r = this.iterate(w, this.u!.read(), 1e-7, WARM_UP_ITERATIONS);
      r.v.dispose();
      return r.sigma;
    });
    const c = this.spec.certify(data, estimate, k);
    let rescale = 1;
    let out = data;
    if (c.upper > k) {
      let fro = 0;
      for (const x of data) fro += x * x;
      rescale = k / ((c.upper + this.spec.frobeniusFactor * 2 ** -24 * Math.sqrt(fro)) * (1 + 1e-12));
      out = Float32Array.from(data, (x) => x * rescale);
    }
    const certificate: ExportCertificate = { ...c, rescale, bound: Math.min(c.upper, k) };
    this.lastCertificate = certificate;
    return { w: tf.tensor(out, w.shape), certificate };
  }
}
