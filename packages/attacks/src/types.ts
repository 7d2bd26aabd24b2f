import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/** A classifier: a tfjs `LayersModel`, or any function mapping a batch `[N, …]` to logits `[N, C]`. */
export type Model = tfl.LayersModel | ((x: tf.Tensor) => tf.Tensor);

/** Input domain `[min, max]` of every pixel/feature (foolbox `bounds`, default `[0, 1]`). */
export type Bounds = readonly [number, number];

/**
 * Normalisation applied inside the model call, `f((x − mean) / std)` (foolbox `preprocessing`).
 * Arrays are broadcast against the last (channels-last) axis.
 */
export interface Preprocessing {
  mean?: number | readonly number[];
  std?: number | readonly number[];
}

/**
 * `'misclassification'` (default; foolbox `Misclassification(labels)`: argmax ≠ label) or
 * `{targets}` (foolbox `TargetedMisclassification`: argmax = target).
 */
export type Criterion = 'misclassification' | { targets: tf.Tensor | readonly number[] };

/** What `onProgress` receives. */
export interface ProgressEvent {
  /** Attack class name, e.g. `'L2CarliniWagnerAttack'`. */
  attack: string;
  /** Overall progress in [0, 1] over all batches and epsilons. */
  fraction: number;
  /** Step inside the current batch. */
  step: number;
  /** Total steps per batch (upper bound: early stops end sooner). */
  totalSteps: number;
  /** Index of the current batch and the number of batches. */
  batch: number;
  batches: number;
  /** Current epsilon for fixed-epsilon attacks, `null` otherwise. */
  epsilon: number | null;
}

/** Options of `attack.run(model, images, labels, options)`. */
export interface RunOptions {
  /**
   * Fixed-epsilon attacks (PGD, FGSM): the list of ε (one result per ε), or one number.
   * Minimum-norm attacks: `null`/omitted (one unrestricted result) or a list (the single
   * minimum-norm result clipped to each ε, as foolbox does).
   */
  epsilons?: readonly number[] | number | null;
  /** Input domain; default `[0, 1]`. Images outside it are rejected, never clipped. */
  bounds?: Bounds;
  /** Mean/std normalisation applied before the model. */
  preprocessing?: Preprocessing;
  /** Default `'misclassification'`. */
  criterion?: Criterion;
  /** Called at sensible intervals: about 200 times per batch (every `ceil(totalSteps/200)` steps) and at the end of each batch. */
  onProgress?: (e: ProgressEvent) => void;
  /** Stop early when `signal.aborted` becomes true (an `AbortSignal` works); the best result so far is returned. */
  signal?: { readonly aborted: boolean };
  /** Stop early when this returns true; checked at progress points. */
  shouldStop?: () => boolean;
  /** Seed for random starts / noise; omitted = random. */
  seed?: number;
  /** Samples per chunk (all at once by default). */
  batchSize?: number;
  /**
   * Adversarial starting points, one per image (foolbox `starting_points`), for the attacks that
   * walk from an adversarial towards the input: Brendel-Bethge, Boundary, Pointwise, FMN,
   * BinarizationRefinement. Ignored by the others.
   */
  startingPoints?: tf.Tensor | null;
}

/** One attack result. Samples with `success` false hold the input unchanged in both `raw` and `clipped`. */
export interface AttackResult {
  /** The attack's output (foolbox `raw`). */
  raw: tf.Tensor;
  /** `raw` restricted to the ε-ball (if any) and the bounds (foolbox `clipped`). */
  clipped: tf.Tensor;
  /** Boolean `[N]`: `clipped` satisfies the criterion (and lies within ε). */
  success: tf.Tensor1D;
  /** ε this result belongs to (`null` for an unrestricted minimum-norm run). */
  epsilon: number | null;
  /** True when `signal`/`shouldStop` ended the run early. */
  stoppedEarly: boolean;
}
