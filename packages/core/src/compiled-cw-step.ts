import type * as tf from '@tensorflow/tfjs-core';
import { LipnetInputError } from './errors';
import { formatValue } from './format-value';

/**
 * The contract between @lipnet/attacks' `L2CarliniWagnerAttack` and a backend
 * that can run its whole Adam step as one compiled program (on tfjs-node:
 * one TensorFlow graph, @lipnet/backend's `registerNativeCwStep`). A step of
 * a small network is bound by the number of kernel calls (~95 eager calls per
 * step of demo4's network, ~20 µs each on tfjs-node); a compiled step is one.
 * The program computes what the eager step computes (foolbox
 * `L2CarliniWagnerAttack`, v3.3.4): x' = tanh(w₀ + δ)·b + a, the logits z, the
 * loss `Σᵢ cᵢ·max(0, z_y − max_{j≠y} z_j + κ) + Σᵢ ‖x'ᵢ − x̃ᵢ‖²` (targeted:
 * `max_{j≠t} z_j − z_t`), its gradient in δ, Adam (β1 0.9, β2 0.999, ε 1e-8,
 * bias-corrected) and the best adversarials (argmax of `z + shift` ≠ label, or
 * = target; `‖x' − x‖₂` below the best so far).
 */
export interface CwStepProblem {
  /** The model: a tfjs-layers `Sequential` (typed loosely: @lipnet/core does not depend on tfjs-layers). */
  model: unknown;
  /** The batch's shape `[n, …]`. */
  inputShape: number[];
  numClasses: number;
  /** The tanh map to model space, x' = tanh(w)·b + a. */
  a: number;
  b: number;
  kappa: number;
  targeted: boolean;
  /** Adam's learning rate. */
  stepsize: number;
}

/** The state a step carries to the next: Adam's, and the best adversarials so far. */
export interface CwStepState {
  delta: tf.Tensor;
  m: tf.Tensor;
  v: tf.Tensor;
  /** Bool `[n]`: adversarial at some step of this Adam run. */
  found: tf.Tensor;
  bestAdv: tf.Tensor;
  bestNorm: tf.Tensor;
}

/** One step's inputs: the state, and the batch's constants. */
export interface CwStepInputs extends CwStepState {
  /** The constants cᵢ, `[n]`. */
  c: tf.Tensor;
  /** w₀ = atanh(((x − a)/b)·0.999999). */
  xAttack: tf.Tensor;
  /** x̃ = tanh(w₀)·b + a. */
  recon: tf.Tensor;
  /** The original batch. */
  x: tf.Tensor;
  /** One-hot of the labels or targets, float32 `[n, classes]`. */
  onehot: tf.Tensor;
  /** +∞ on the label/target column, 0 elsewhere. */
  excluded: tf.Tensor;
  /** ±κ on the label/target column (foolbox `change_classes_logits`). */
  shift: tf.Tensor;
  /** Labels or targets, int32 `[n]`. */
  classes: tf.Tensor;
}

/** One step's outputs: the next state (new tensors, tracked by tfjs) and the loss before the update. */
export interface CwStepOutputs extends CwStepState {
  value: tf.Tensor;
}

/** A compiled C&W step for one {@link CwStepProblem}. */
export interface CwStepProgram {
  /** Adam step `t` (1-based) from `inputs`. */
  run(inputs: CwStepInputs, t: number): CwStepOutputs;
  /** Frees the program. Idempotent. */
  dispose(): void;
}

/** Compiles a {@link CwStepProblem} on the active backend, or returns null (the eager step is used). */
export type CwStepCompiler = (problem: CwStepProblem) => CwStepProgram | null;

let compiler: CwStepCompiler | null = null;

/** Sets (or, with null, removes) the process-wide {@link CwStepCompiler}; anything else is refused. */
export function setCwStepCompiler(c: CwStepCompiler | null): void {
  if (c !== null && typeof c !== 'function') {
    throw new LipnetInputError({
      code: 'INVALID_ARGUMENT',
      who: 'setCwStepCompiler',
      option: 'compiler',
      expected: 'be a function (problem) => CwStepProgram | null, or null',
      got: formatValue(c),
      fix: 'Pass a compiler function, or null to go back to the eager step.',
    });
  }
  compiler = c;
}

/** The {@link CwStepCompiler} set by {@link setCwStepCompiler}, if any. */
export function cwStepCompiler(): CwStepCompiler | null {
  return compiler;
}
