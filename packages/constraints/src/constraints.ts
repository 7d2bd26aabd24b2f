import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { LipnetConfigError, assertPositive, fmt } from './errors';
import { frobeniusNormalization } from './frobenius-normalization';
import { reshapedKernelOrthogonalization } from './reshaped-kernel-orthogonalization';
import { autoClipValue, weightClip } from './weight-clip';
import {
  normalizerConfig,
  resolveNormalizerOptions,
  type NormalizerOptions,
  type ResolvedNormalizerOptions,
} from './normalizer-options';

/**
 * Base of the @lipnet weight constraints: a serialisable object with
 * `apply(w) → w'`, interchangeable with tfjs-layers' `Constraint` (same shape:
 * `apply`, `getConfig`, `className`), usable as `kernelConstraint` of any tfjs
 * layer or called by hand after an optimiser step. tfjs-layers never applies
 * constraints inside `fit`, so the @lipnet layers reparametrise in `call`
 * instead; these classes are for projecting weights after a step.
 */
// tfjs-layers does not export its `Constraint` base class, and `getConstraint`
// only accepts `instanceof Constraint`; reach it through a built-in subclass.
const TflConstraint = Object.getPrototypeOf(
  tfl.constraints.nonNeg().constructor,
) as typeof tf.serialization.Serializable;

export abstract class LipschitzConstraint extends TflConstraint {
  /** Returns the projected weights (a new tensor). */
  abstract apply(w: tf.Tensor): tf.Tensor;
}

/** Arguments of {@link WeightClipConstraint}. */
export interface WeightClipConstraintArgs {
  /** Clipping value c > 0. Default 2. */
  c?: number;
}

/** clip(W, −c, c). deel-lip `constraints.WeightClipConstraint(c=2)`. */
export class WeightClipConstraint extends LipschitzConstraint {
  static className = 'WeightClipConstraint';
  readonly c: number;
  constructor(args: WeightClipConstraintArgs = {}) {
    super();
    this.c = args.c ?? 2;
    assertPositive('WeightClipConstraint', 'c', this.c, 'Pass a positive clipping value such as 2.');
  }
  apply(w: tf.Tensor): tf.Tensor {
    return weightClip(w, this.c);
  }
  getConfig(): tf.serialization.ConfigDict {
    return { c: this.c };
  }
}
tf.serialization.registerClass(WeightClipConstraint);

/** Arguments of {@link AutoWeightClipConstraint}. */
export interface AutoWeightClipConstraintArgs {
  /** Scale s > 0 of the clipping value c = 1/(√size(W)·s). Default 1. */
  scale?: number;
}

/** clip(W, −c, c) with c = 1/(√size(W)·scale). deel-lip `constraints.AutoWeightClipConstraint(scale=1)`. */
export class AutoWeightClipConstraint extends LipschitzConstraint {
  static className = 'AutoWeightClipConstraint';
  readonly scale: number;
  constructor(args: AutoWeightClipConstraintArgs = {}) {
    super();
    this.scale = args.scale ?? 1;
    assertPositive('AutoWeightClipConstraint', 'scale', this.scale, 'Pass a positive scale such as 1.');
  }
  apply(w: tf.Tensor): tf.Tensor {
    return weightClip(w, autoClipValue(w, this.scale));
  }
  getConfig(): tf.serialization.ConfigDict {
    return { scale: this.scale };
  }
}
tf.serialization.registerClass(AutoWeightClipConstraint);

/** Arguments of {@link FrobeniusConstraint}. */
export interface FrobeniusConstraintArgs {
  /** Added to the norm. Default 1e-7. */
  eps?: number;
}

/** W / (‖W‖_F + eps). deel-lip `constraints.FrobeniusConstraint(eps=1e-7)`. */
export class FrobeniusConstraint extends LipschitzConstraint {
  static className = 'FrobeniusConstraint';
  readonly eps: number;
  constructor(args: FrobeniusConstraintArgs = {}) {
    super();
    this.eps = args.eps ?? 1e-7;
    if (typeof this.eps !== 'number' || !(this.eps >= 0)) {
      throw new LipnetConfigError(`FrobeniusConstraint: expected \`eps\` ≥ 0, got ${fmt(this.eps)}. Pass e.g. 1e-7.`);
    }
  }
  apply(w: tf.Tensor): tf.Tensor {
    return frobeniusNormalization(w, this.eps);
  }
  getConfig(): tf.serialization.ConfigDict {
    return { eps: this.eps };
  }
}
tf.serialization.registerClass(FrobeniusConstraint);

/** Arguments of {@link SpectralConstraint}. */
export interface SpectralConstraintArgs extends NormalizerOptions {
  /** Every singular value of the reshaped kernel is set to kCoefLip. Default 1. */
  kCoefLip?: number;
  /** Initial power-iteration vector [C_out] (or [1, C_out]); random U[0,1) when absent. */
  u?: number[] | null;
}

/**
 * Projects a kernel onto k·(orthogonal matrices) by {@link reshapedKernelOrthogonalization}
 * (power iteration + Björck, then × kCoefLip). deel-lip `constraints.SpectralConstraint`.
 * Unlike deel-lip, whose `u` stays fixed, the power-iteration vector is kept and
 * updated after each `apply` (a warm start), and saved in the config.
 */
export class SpectralConstraint extends LipschitzConstraint {
  static className = 'SpectralConstraint';
  readonly kCoefLip: number;
  readonly options: ResolvedNormalizerOptions;
  private u: number[] | null;
  constructor(args: SpectralConstraintArgs = {}) {
    super();
    this.kCoefLip = args.kCoefLip ?? 1;
    assertPositive('SpectralConstraint', 'kCoefLip', this.kCoefLip, 'Pass the Lipschitz constant, e.g. 1.');
    this.options = resolveNormalizerOptions('SpectralConstraint', args);
    this.u = args.u ? (args.u as unknown as (number | number[])[]).flat() : null;
  }
  apply(w: tf.Tensor): tf.Tensor {
    const cOut = w.shape[w.rank - 1]!;
    if (this.u && this.u.length !== cOut) {
      throw new LipnetConfigError(
        `SpectralConstraint: stored \`u\` has ${this.u.length} entries but the kernel has ${cOut} outputs. Use one SpectralConstraint per kernel.`,
      );
    }
    const u0 = this.u ? tf.tensor2d(this.u, [1, cOut]) : null;
    const r = reshapedKernelOrthogonalization(w, u0, {
      ...normalizerConfig(this.options),
      adjustmentCoef: this.kCoefLip,
    });
    u0?.dispose();
    this.u = Array.from(r.u.dataSync());
    r.u.dispose();
    r.sigma.dispose();
    return r.w;
  }
  getConfig(): tf.serialization.ConfigDict {
    return { kCoefLip: this.kCoefLip, ...normalizerConfig(this.options), u: this.u };
  }
}
tf.serialization.registerClass(SpectralConstraint);
