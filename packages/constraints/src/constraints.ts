import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { LipnetInputError, defineOptions, opt } from '@lipnet/core';
import { frobeniusNormalization } from './frobenius-normalization';
import { reshapedKernelOrthogonalization } from './reshaped-kernel-orthogonalization';
import { autoClipValue, weightClip } from './weight-clip';
import {
  NORMALIZER_OPTIONS,
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

const positive = (fix: string) => opt.number({ gt: 0 }).describedAs('a positive number', fix);
// tfjs' deserialiser adds `customObjects` to the config it revives a class from.
const SERIALIZED = { passthrough: ['customObjects'] };
const WEIGHT_CLIP_OPTIONS = defineOptions(
  'WeightClipConstraint',
  { c: positive('Pass a positive clipping value such as 2.').default(2) },
  SERIALIZED,
);
const AUTO_WEIGHT_CLIP_OPTIONS = defineOptions(
  'AutoWeightClipConstraint',
  { scale: positive('Pass a positive scale such as 1.').default(1) },
  SERIALIZED,
);
const FROBENIUS_OPTIONS = defineOptions(
  'FrobeniusConstraint',
  { eps: opt.number({ min: 0 }).describedAs('a finite number ≥ 0', 'Pass e.g. 1e-7.').default(1e-7) },
  SERIALIZED,
);
const SPECTRAL_CONSTRAINT_OPTIONS = NORMALIZER_OPTIONS.extend(
  'SpectralConstraint',
  {
    kCoefLip: positive('Pass the Lipschitz constant, e.g. 1.').default(1),
    u: opt
      .anyOf(
        [opt.arrayOf(opt.number()), opt.arrayOf(opt.arrayOf(opt.number()))],
        'an array of numbers [C_out] or [1, C_out]',
      )
      .orNull(),
  },
  SERIALIZED,
);

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
    this.c = WEIGHT_CLIP_OPTIONS.parse(args).c;
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
    this.scale = AUTO_WEIGHT_CLIP_OPTIONS.parse(args).scale;
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
    this.eps = FROBENIUS_OPTIONS.parse(args).eps;
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
    const o = SPECTRAL_CONSTRAINT_OPTIONS.parse(args);
    this.kCoefLip = o.kCoefLip;
    this.options = resolveNormalizerOptions('SpectralConstraint', args);
    this.u = o.u ? o.u.flat() : null;
  }
  apply(w: tf.Tensor): tf.Tensor {
    const cOut = w.shape[w.rank - 1]!;
    if (this.u && this.u.length !== cOut) {
      throw new LipnetInputError({
        code: 'INVALID_SHAPE',
        who: 'SpectralConstraint',
        option: 'w',
        message: `stored \`u\` has ${this.u.length} entries but the kernel has ${cOut} outputs. Use one SpectralConstraint per kernel.`,
      });
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
