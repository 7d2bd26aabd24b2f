import * as tf from '@tensorflow/tfjs-core';
import { LipnetInputError, LipnetOptionError, checkTensor, formatValue } from '@lipnet/core';
import { clipBounds, clipPerturbation, whereSample, type Norm } from './ops';
import { Rng } from './rng';
import { RUN_OPTIONS, type RunOptionsDefinition } from './run-options';
import { checkImages, hasPreprocessing, parseEpsilons, toClassTensor, toLogitsFn } from './run-inputs';
import type { AttackResult, Bounds, Model, ProgressEvent, RunOptions } from './types';

/**
 * What an attack sees for one batch: the logits function (preprocessing included), the
 * criterion, the bounds, the random generator and the progress/stop hooks.
 */
export interface AttackContext {
  /** Attack name, for messages. */
  readonly name: string;
  /** Logits of a batch, preprocessing applied: `[n, …] → [n, C]`. */
  readonly logits: (x: tf.Tensor) => tf.Tensor;
  readonly bounds: Bounds;
  /** Labels (untargeted) or targets (targeted), int32 `[n]`. */
  readonly classes: tf.Tensor1D;
  readonly targeted: boolean;
  readonly numClasses: number;
  readonly rng: Rng;
  /** This batch's slice of `RunOptions.startingPoints` (adversarial starts), or null. */
  readonly startingPoints: tf.Tensor | null;
  /** The model when `logits` is its plain forward pass (a LayersModel, no preprocessing), else null. */
  readonly layersModel: unknown;
  /** `run`'s options as the attack's {@link RunOptionsDefinition} parsed them (an attack's own ones, e.g. C&W's `batchLoss`). */
  readonly runOptions: Readonly<Record<string, unknown>>;
  /** Criterion on logits: argmax ≠ label, or argmax = target. Bool `[n]`. */
  isAdversarial(z: tf.Tensor): tf.Tensor1D;
  /**
   * Reports progress at most ~200 times per batch (and always at `step === totalSteps`);
   * resolves true when the caller asked to stop.
   */
  tick(step: number, totalSteps: number): Promise<boolean>;
}

/** Run options after validation. */
interface Resolved {
  bounds: Bounds;
  epsilons: number[] | null;
  targets: tf.Tensor1D | null;
  batchSize: number;
  rng: Rng;
  startingPoints: tf.Tensor | null;
  logits: (x: tf.Tensor) => tf.Tensor;
  layersModel: unknown;
  runOptions: Readonly<Record<string, unknown>>;
  onProgress?: (e: ProgressEvent) => void;
  stop: () => boolean;
}

/**
 * Base class of every attack. `run` validates the inputs, splits them into batches, calls the
 * attack, then re-checks the criterion on the clipped output (foolbox `Attack.__call__`).
 *
 * Difference from foolbox: a sample for which the attack found nothing (`success` false) is
 * returned **unchanged** in `raw` and `clipped`; foolbox returns zeros (C&W) or the last iterate.
 */
export abstract class Attack<O extends RunOptions = RunOptions> {
  /** Class name used in messages and progress events. */
  abstract readonly name: string;
  /** Norm the attack works in. */
  abstract readonly distance: Norm;
  /** `'minimization'`: finds the smallest perturbation; `'fixedEpsilon'`: works inside a given ε-ball. */
  abstract readonly kind: 'minimization' | 'fixedEpsilon';
  /** False for attacks that only have an untargeted form (DeepFool). */
  protected readonly supportsTargeted: boolean = true;
  /**
   * False for decision-based attacks, which read only the argmax (and so accept integer logits);
   * true for those that need the logits' gradient or real values.
   */
  protected readonly needsGradients: boolean = true;
  /** False for attacks that take no ε at all (foolbox `SpatialAttack`). */
  protected readonly acceptsEpsilons: boolean = true;
  /** The options `run` accepts: {@link RUN_OPTIONS}, or an extension with the attack's own (C&W's `batchLoss`). */
  protected readonly runOptions: RunOptionsDefinition = RUN_OPTIONS;

  /**
   * Attacks one batch and returns the perturbed batch (same shape). `epsilon` is `null` for
   * minimum-norm attacks. The returned tensor is owned by the caller.
   */
  protected abstract attackBatch(ctx: AttackContext, x: tf.Tensor, epsilon: number | null): Promise<tf.Tensor>;

  /**
   * Runs this attack on one batch inside another attack's context (used for `initAttack`, as
   * foolbox's Brendel-Bethge, Boundary and Pointwise attacks do). Returns the raw batch result.
   * @internal
   */
  runBatch(ctx: AttackContext, x: tf.Tensor, epsilon: number | null = null): Promise<tf.Tensor> {
    return this.attackBatch(ctx, x, epsilon);
  }

  /**
   * Attacks `images` (`[N, …]`, inside `bounds`) whose true classes are `labels`.
   * Returns one {@link AttackResult} (minimum-norm attack, `epsilons` null/omitted, or a single
   * number) or one per ε when `epsilons` is a list.
   */
  run(
    model: Model,
    images: tf.Tensor,
    labels: tf.Tensor | readonly number[],
    options: O & { epsilons: readonly number[] },
  ): Promise<AttackResult[]>;
  run(
    model: Model,
    images: tf.Tensor,
    labels: tf.Tensor | readonly number[],
    options?: O & { epsilons?: number | null },
  ): Promise<AttackResult>;
  run(
    model: Model,
    images: tf.Tensor,
    labels: tf.Tensor | readonly number[],
    options?: O,
  ): Promise<AttackResult | AttackResult[]>;
  async run(
    model: Model,
    images: tf.Tensor,
    labels: tf.Tensor | readonly number[],
    options: O = {} as O,
  ): Promise<AttackResult | AttackResult[]> {
    const who = this.name;
    const listMode = Array.isArray(options.epsilons);
    const opts = this.resolve(model, images, options);
    // The norm that clips results to ε, read before any tensor exists: a flexible-distance attack given
    // `epsilons` but no `distance` refuses here instead of after the attack (which leaked its results).
    const distance = opts.epsilons ? this.distance : null;
    const n = images.shape[0] ?? 0;
    const labelT = toClassTensor(who, 'labels', labels, n);
    const owned: tf.Tensor[] = [labelT];
    if (opts.targets) owned.push(opts.targets);
    try {
      const numClasses = this.checkModel(opts, images, labelT);
      const classes = opts.targets ?? labelT;
      const epsList: (number | null)[] = opts.epsilons ?? [null];
      const batches: [number, number][] = [];
      for (let s = 0; s < n; s += opts.batchSize) batches.push([s, Math.min(n, s + opts.batchSize)]);
      const runs = this.kind === 'fixedEpsilon' ? epsList : [null];
      let stopped = false;
      const raws: tf.Tensor[] = [];
      for (let ei = 0; ei < runs.length; ei++) {
        const eps = runs[ei] ?? null;
        const parts: tf.Tensor[] = [];
        for (let bi = 0; bi < batches.length; bi++) {
          const [s, e] = batches[bi] as [number, number];
          const xb = tf.slice(images, s, e - s);
          const cb = tf.slice(classes, s, e - s);
          const sb = opts.startingPoints ? tf.slice(opts.startingPoints, s, e - s) : null;
          const ctx = this.context(opts, cb, sb, numClasses, ei, runs.length, bi, batches.length, eps);
          try {
            const out = stopped ? tf.clone(xb) : await this.attackBatch(ctx, xb, eps);
            parts.push(out);
          } finally {
            xb.dispose();
            cb.dispose();
            sb?.dispose();
          }
          stopped = stopped || opts.stop();
        }
        raws.push(parts.length === 1 ? (parts[0] as tf.Tensor) : tf.concat(parts));
        if (parts.length > 1) parts.forEach((p) => p.dispose());
      }
      const results: AttackResult[] = [];
      const [lo, hi] = opts.bounds;
      for (let ei = 0; ei < epsList.length; ei++) {
        const eps = epsList[ei] ?? null;
        const raw = (this.kind === 'fixedEpsilon' ? raws[ei] : raws[0]) as tf.Tensor;
        const clipped =
          eps === null
            ? clipBounds(raw, lo, hi)
            : clipPerturbation(images, raw, eps, distance ?? this.distance, lo, hi);
        const success = this.evaluate(opts, clipped, classes);
        results.push({
          raw: whereSample(success, raw, images),
          clipped: whereSample(success, clipped, images),
          success,
          epsilon: eps,
          stoppedEarly: stopped,
        });
        clipped.dispose();
      }
      raws.forEach((r) => r.dispose());
      return listMode ? results : (results[0] as AttackResult);
    } finally {
      owned.forEach((t) => t.dispose());
    }
  }

  /** Criterion on the final output, computed in batches; rejects non-finite logits. */
  private evaluate(opts: Resolved, x: tf.Tensor, classes: tf.Tensor1D): tf.Tensor1D {
    const n = x.shape[0] ?? 0;
    const parts: tf.Tensor[] = [];
    for (let s = 0; s < n; s += opts.batchSize) {
      const e = Math.min(n, s + opts.batchSize);
      parts.push(
        tf.tidy(() => {
          const z = opts.logits(tf.slice(x, s, e - s));
          const c = tf.slice(classes, s, e - s);
          const pred = tf.argMax(z, 1);
          const adv = opts.targets ? tf.equal(pred, c) : tf.notEqual(pred, c);
          return tf.logicalAnd(adv, tf.all(tf.isFinite(z), 1));
        }),
      );
    }
    const out = parts.length === 1 ? (parts[0] as tf.Tensor1D) : (tf.concat(parts) as tf.Tensor1D);
    if (parts.length > 1) parts.forEach((p) => p.dispose());
    return out;
  }

  /** Validates options and images; builds the logits function. */
  private resolve(model: Model, images: tf.Tensor, options: RunOptions): Resolved {
    const who = this.name;
    const runOptions = this.runOptions.parse(options, who);
    const o = RUN_OPTIONS.parsePart(options, who);
    const [lo, hi] = checkImages(who, images, options.bounds);
    const epsilons = parseEpsilons(who, options.epsilons, this.kind, this.acceptsEpsilons);
    const batchSize = o.batchSize ?? images.shape[0];
    let targets: tf.Tensor1D | null = null;
    const crit = options.criterion ?? 'misclassification';
    if (crit !== 'misclassification') {
      if (typeof crit !== 'object' || crit === null || !('targets' in crit)) {
        throw new LipnetOptionError({
          code: 'INVALID_OPTION',
          who,
          option: 'criterion',
          expected: "be 'misclassification' or { targets }",
          got: formatValue(crit),
          fix: "Pass 'misclassification' or `{ targets: [..] }`.",
        });
      }
      if (!this.supportsTargeted)
        throw new LipnetOptionError({
          code: 'CONFLICTING_OPTIONS',
          who,
          option: 'criterion',
          expected: "be 'misclassification' (this attack is untargeted only)",
          got: 'a targeted criterion',
          fix: 'Use L2CarliniWagnerAttack, L2FMNAttack, DDNAttack or PGD for targeted attacks.',
        });
      targets = toClassTensor(who, 'criterion.targets', crit.targets, images.shape[0]);
    }
    const signal = options.signal;
    const should = options.shouldStop;
    const sp = options.startingPoints;
    if (sp !== undefined && sp !== null) {
      checkTensor(who, 'startingPoints', sp, { shape: images.shape, layout: "(the images' shape)" });
    }
    return {
      bounds: [lo, hi],
      epsilons,
      targets,
      batchSize,
      rng: new Rng(options.seed),
      startingPoints: sp ?? null,
      logits: toLogitsFn(who, model, options.preprocessing),
      layersModel: typeof model === 'function' || hasPreprocessing(options.preprocessing) ? null : model,
      runOptions,
      onProgress: options.onProgress,
      stop: () => Boolean(signal?.aborted) || Boolean(should?.()),
    };
  }

  /** Checks logits shape and finiteness on the clean batch, and class indices < C. Returns C. */
  private checkModel(opts: Resolved, images: tf.Tensor, labels: tf.Tensor1D): number {
    const who = this.name;
    const n = images.shape[0];
    let numClasses = -1;
    for (let s = 0; s < n; s += opts.batchSize) {
      const e = Math.min(n, s + opts.batchSize);
      const [shape, finite, dtype] = tf.tidy(() => {
        const z = opts.logits(tf.slice(images, s, e - s));
        if (!(z instanceof tf.Tensor))
          throw new LipnetInputError({
            code: 'INVALID_ARGUMENT',
            who,
            option: 'model',
            expected: 'return a logits tensor',
            got: formatValue(z),
            fix: 'Return the pre-softmax outputs as a tensor [N, C].',
          });
        return [z.shape, tf.all(tf.isFinite(z)).dataSync()[0], z.dtype] as const;
      });
      // Integer logits have no gradient: a gradient attack would find nothing and say "no adversarial".
      if (dtype !== 'float32' && this.needsGradients) {
        throw new LipnetInputError({
          code: 'INVALID_DTYPE',
          who,
          option: 'model',
          message: `expected \`model\` to return float32 logits, got ${dtype} logits: they have no gradient (nor real values), so this attack could not move. Return the float32 pre-softmax outputs (or use a decision-based attack such as HopSkipJump, which reads only the argmax).`,
        });
      }
      if (shape.length !== 2 || shape[0] !== e - s || (shape[1] ?? 0) < 2) {
        throw new LipnetInputError({
          code: 'INVALID_SHAPE',
          who,
          option: 'model',
          expected: `return logits of shape [${e - s}, C] with C ≥ 2`,
          got: `shape [${shape.join(', ')}]`,
          fix: 'Return one row of class scores per image (flatten or drop extra axes).',
        });
      }
      if (!finite)
        throw new LipnetInputError({
          code: 'NON_FINITE',
          who,
          option: 'model',
          expected: 'return finite logits',
          got: 'NaN or ±Infinity logits on the clean images',
          fix: 'Check the model weights and the preprocessing (std = 0?).',
        });
      numClasses = shape[1];
    }
    for (const [arg, t] of [
      ['labels', labels],
      ['criterion.targets', opts.targets],
    ] as const) {
      if (!t) continue;
      const mx = tf.tidy(() => tf.max(t).dataSync()[0] as number);
      if (mx >= numClasses)
        throw new LipnetInputError({
          code: 'INVALID_VALUE',
          who,
          option: arg,
          expected: `hold class indices < ${numClasses} (the model has ${numClasses} logits)`,
          got: formatValue(mx),
          fix: 'Check that the labels match the model outputs.',
        });
    }
    return numClasses;
  }

  private context(
    opts: Resolved,
    classes: tf.Tensor1D,
    startingPoints: tf.Tensor | null,
    numClasses: number,
    ei: number,
    ne: number,
    bi: number,
    nb: number,
    eps: number | null,
  ): AttackContext {
    const name = this.name;
    const targeted = opts.targets !== null;
    return {
      name,
      logits: opts.logits,
      layersModel: opts.layersModel,
      runOptions: opts.runOptions,
      bounds: opts.bounds,
      classes,
      targeted,
      numClasses,
      rng: opts.rng,
      startingPoints,
      isAdversarial(z) {
        return tf.tidy(() => {
          const pred = tf.argMax(z, 1);
          return targeted ? tf.equal(pred, classes) : tf.notEqual(pred, classes);
        });
      },
      async tick(step, totalSteps) {
        const every = Math.max(1, Math.ceil(totalSteps / 200));
        if (step % every !== 0 && step !== totalSteps) return false;
        if (opts.onProgress) {
          opts.onProgress({
            attack: name,
            fraction: (ei * nb + bi + Math.min(1, step / totalSteps)) / (ne * nb),
            step,
            totalSteps,
            batch: bi,
            batches: nb,
            epsilon: eps,
          });
        }
        await tf.nextFrame();
        return opts.stop();
      },
    };
  }
}
