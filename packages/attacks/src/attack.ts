import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { LipnetInputError, LipnetOptionError, defineOptions, formatValue, opt, refuseOption } from '@lipnet/core';
import { clipBounds, clipPerturbation, whereSample } from './ops';
import { Rng } from './rng';
import type { AttackResult, Bounds, Model, Preprocessing, ProgressEvent, RunOptions } from './types';

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
  logits: (x: tf.Tensor) => tf.Tensor;
  onProgress?: (e: ProgressEvent) => void;
  stop: () => boolean;
}

/** Checks that the labels (or targets) are integer class indices, one per image. */
function toClassTensor(who: string, arg: string, v: unknown, n: number): tf.Tensor1D {
  if (v instanceof tf.Tensor) {
    const t = v as tf.Tensor;
    if (t.dtype !== 'int32') {
      throw new LipnetInputError({
        code: 'INVALID_DTYPE',
        who,
        option: arg,
        expected: 'be an int32 tensor of class indices',
        got: `a ${t.dtype} tensor`,
        fix: `Cast it: \`${arg}.cast('int32')\`, or pass a plain number[].`,
      });
    }
    if (t.rank !== 1 || t.shape[0] !== n) {
      throw new LipnetInputError({
        code: 'INVALID_SHAPE',
        who,
        option: arg,
        expected: `have shape [${n}] (one class index per image)`,
        got: `shape [${t.shape.join(', ')}]`,
        fix: `Pass exactly one class index per image.`,
      });
    }
    return tf.clone(t) as tf.Tensor1D;
  }
  if (Array.isArray(v) || ArrayBuffer.isView(v)) {
    const arr = Array.from(v as ArrayLike<number>);
    if (arr.length !== n) {
      throw new LipnetInputError({
        code: 'INVALID_SHAPE',
        who,
        option: arg,
        expected: `hold ${n} class indices (one per image)`,
        got: `${arr.length} values`,
        fix: 'Pass exactly one class index per image.',
      });
    }
    const bad = arr.find((c) => typeof c !== 'number' || !Number.isInteger(c) || c < 0);
    if (bad !== undefined)
      throw new LipnetInputError({
        code: 'INVALID_VALUE',
        who,
        option: arg,
        expected: 'hold non-negative integer class indices',
        got: formatValue(bad),
        fix: 'Pass class indices, not one-hot vectors or probabilities.',
      });
    return tf.tensor1d(arr, 'int32');
  }
  throw new LipnetInputError({
    code: 'INVALID_ARGUMENT',
    who,
    option: arg,
    expected: 'be an int32 tensor or an array of class indices',
    got: formatValue(v),
    fix: 'Pass e.g. `[3, 1, 0]` or `tf.tensor1d([3, 1, 0], "int32")`.',
  });
}

/** Wraps a model (LayersModel or function) with mean/std preprocessing. */
function toLogitsFn(who: string, model: Model, pre: Preprocessing | undefined): (x: tf.Tensor) => tf.Tensor {
  let f: (x: tf.Tensor) => tf.Tensor;
  if (typeof model === 'function') f = model;
  else if (model instanceof tfl.LayersModel || (model && typeof (model as tfl.LayersModel).apply === 'function')) {
    f = (x) => model.apply(x, { training: false }) as tf.Tensor;
  } else {
    throw new LipnetInputError({
      code: 'INVALID_ARGUMENT',
      who,
      option: 'model',
      expected: 'be a tfjs LayersModel or a function (x: Tensor) => logits',
      got: formatValue(model),
      fix: "Pass `tf.loadLayersModel(...)`'s result or a logits function.",
    });
  }
  if (!pre || (pre.mean === undefined && pre.std === undefined)) return f;
  const vec = (name: string, v: number | readonly number[] | undefined, dflt: number) => {
    const arr = v === undefined ? [dflt] : typeof v === 'number' ? [v] : Array.from(v);
    if (
      arr.length === 0 ||
      arr.some((a) => typeof a !== 'number' || !Number.isFinite(a) || (name === 'std' && a <= 0))
    ) {
      throw new LipnetOptionError({
        code: 'INVALID_OPTION',
        who,
        option: `preprocessing.${name}`,
        expected: name === 'std' ? 'hold finite numbers > 0' : 'hold finite numbers',
        got: formatValue(v),
        fix: 'Pass a number or one number per channel.',
      });
    }
    return arr;
  };
  const mean = vec('mean', pre.mean, 0);
  const std = vec('std', pre.std, 1);
  return (x) =>
    tf.tidy(() => {
      const c = x.shape[x.rank - 1] ?? 1;
      for (const [name, a] of [
        ['mean', mean],
        ['std', std],
      ] as const) {
        if (a.length !== 1 && a.length !== c) {
          throw new LipnetOptionError({
            code: 'INVALID_OPTION',
            who,
            option: `preprocessing.${name}`,
            expected: `have 1 or ${c} entries (the last axis of the images)`,
            got: `${a.length} entries`,
            fix: 'Pass one value per channel (channels-last).',
          });
        }
      }
      return f(tf.div(tf.sub(x, tf.tensor1d(mean)), tf.tensor1d(std)));
    });
}

/**
 * `attack.run`'s options, declared once. Values with richer rules (ε lists, bounds,
 * preprocessing, criterion) are checked where they are read; unknown keys are refused here.
 */
const RUN_OPTIONS = defineOptions('run', {
  epsilons: opt.any(),
  bounds: opt.any(),
  preprocessing: opt.object({ mean: opt.any(), std: opt.any() }),
  criterion: opt.any(),
  onProgress: opt.func(),
  signal: opt.custom('an object with an `aborted` flag (an AbortSignal)', (v, ctx) =>
    typeof v === 'object' && v !== null && 'aborted' in v ? v : refuseOption(ctx, v, 'an AbortSignal-like object'),
  ),
  shouldStop: opt.func().describedAs('a function returning boolean', 'Pass `() => boolean` or use `signal`.'),
  seed: opt.number().describedAs('a finite number', 'Pass an integer seed or omit it.'),
  batchSize: opt.integer({ min: 1 }),
});

/**
 * Base class of every attack. `run` validates the inputs, splits them into batches, calls the
 * attack, then re-checks the criterion on the clipped output (foolbox `Attack.__call__`).
 *
 * Difference from foolbox: a sample for which the attack found nothing (`success` false) is
 * returned **unchanged** in `raw` and `clipped`; foolbox returns zeros (C&W) or the last iterate.
 */
export abstract class Attack {
  /** Class name used in messages and progress events. */
  abstract readonly name: string;
  /** Norm the attack works in. */
  abstract readonly distance: 'l2' | 'linf';
  /** `'minimization'`: finds the smallest perturbation; `'fixedEpsilon'`: works inside a given ε-ball. */
  abstract readonly kind: 'minimization' | 'fixedEpsilon';
  /** False for attacks that only have an untargeted form (DeepFool). */
  protected readonly supportsTargeted: boolean = true;
  /** False for decision-based attacks, which read only the argmax (and so accept integer logits). */
  protected readonly needsGradients: boolean = true;

  /**
   * Attacks one batch and returns the perturbed batch (same shape). `epsilon` is `null` for
   * minimum-norm attacks. The returned tensor is owned by the caller.
   */
  protected abstract attackBatch(ctx: AttackContext, x: tf.Tensor, epsilon: number | null): Promise<tf.Tensor>;

  /**
   * Attacks `images` (`[N, …]`, inside `bounds`) whose true classes are `labels`.
   * Returns one {@link AttackResult} (minimum-norm attack, `epsilons` null/omitted, or a single
   * number) or one per ε when `epsilons` is a list.
   */
  run(
    model: Model,
    images: tf.Tensor,
    labels: tf.Tensor | readonly number[],
    options: RunOptions & { epsilons: readonly number[] },
  ): Promise<AttackResult[]>;
  run(
    model: Model,
    images: tf.Tensor,
    labels: tf.Tensor | readonly number[],
    options?: RunOptions & { epsilons?: number | null },
  ): Promise<AttackResult>;
  run(
    model: Model,
    images: tf.Tensor,
    labels: tf.Tensor | readonly number[],
    options?: RunOptions,
  ): Promise<AttackResult | AttackResult[]>;
  async run(
    model: Model,
    images: tf.Tensor,
    labels: tf.Tensor | readonly number[],
    options: RunOptions = {},
  ): Promise<AttackResult | AttackResult[]> {
    const who = this.name;
    const listMode = Array.isArray(options.epsilons);
    const opts = this.resolve(model, images, options);
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
          const ctx = this.context(opts, cb, numClasses, ei, runs.length, bi, batches.length, eps);
          try {
            const out = stopped ? tf.clone(xb) : await this.attackBatch(ctx, xb, eps);
            parts.push(out);
          } finally {
            xb.dispose();
            cb.dispose();
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
          eps === null ? clipBounds(raw, lo, hi) : clipPerturbation(images, raw, eps, this.distance, lo, hi);
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
    const o = RUN_OPTIONS.parse(options, who);
    if (!(images instanceof tf.Tensor))
      throw new LipnetInputError({
        code: 'INVALID_ARGUMENT',
        who,
        option: 'images',
        expected: 'be a tf.Tensor of shape [N, …]',
        got: formatValue(images),
        fix: 'Pass a float32 tensor batch.',
      });
    if (images.dtype !== 'float32')
      throw new LipnetInputError({
        code: 'INVALID_DTYPE',
        who,
        option: 'images',
        expected: 'be a float32 tensor',
        got: `a ${images.dtype} tensor`,
        fix: "Cast it: `images.cast('float32')` (and scale to the bounds).",
      });
    if (images.rank < 2 || (images.shape[0] ?? 0) < 1)
      throw new LipnetInputError({
        code: 'INVALID_SHAPE',
        who,
        option: 'images',
        expected: 'have shape [N, …] with N ≥ 1',
        got: `shape [${images.shape.join(', ')}]`,
        fix: 'Add a batch axis: `images.expandDims(0)`.',
      });
    const bounds = options.bounds ?? [0, 1];
    if (
      !Array.isArray(bounds) ||
      bounds.length !== 2 ||
      !bounds.every((b) => typeof b === 'number' && Number.isFinite(b)) ||
      !(bounds[0] < bounds[1])
    ) {
      throw new LipnetOptionError({
        code: 'INVALID_OPTION',
        who,
        option: 'bounds',
        expected: 'be [min, max] with finite min < max',
        got: formatValue(bounds),
        fix: 'Pass e.g. `bounds: [0, 1]`.',
      });
    }
    const [lo, hi] = bounds as Bounds;
    const [mn, mx, nan] = tf
      .tidy(() => [tf.min(images), tf.max(images), tf.any(tf.isNaN(images))])
      .map((t) => {
        const v = t.dataSync()[0] as number;
        t.dispose();
        return v;
      }) as [number, number, number];
    if (nan)
      throw new LipnetInputError({
        code: 'NON_FINITE',
        who,
        option: 'images',
        expected: 'contain no NaN',
        got: 'NaN values',
        fix: 'Fix the data pipeline; attacks need finite inputs.',
      });
    if (mn < lo || mx > hi) {
      throw new LipnetInputError({
        code: 'INVALID_VALUE',
        who,
        option: 'images',
        expected: `lie inside bounds [${lo}, ${hi}]`,
        got: `values in [${mn}, ${mx}]`,
        fix: `Scale the images into [${lo}, ${hi}] or pass the matching \`bounds\`; nothing is clipped silently.`,
      });
    }
    let epsilons: number[] | null = null;
    const eo = options.epsilons;
    if (eo !== undefined && eo !== null) {
      const arr = typeof eo === 'number' ? [eo] : Array.isArray(eo) ? Array.from(eo as readonly number[]) : null;
      if (!arr || arr.length === 0 || arr.some((e) => typeof e !== 'number' || !Number.isFinite(e) || e < 0)) {
        throw new LipnetOptionError({
          code: 'INVALID_OPTION',
          who,
          option: 'epsilons',
          expected: 'be a finite number ≥ 0 or a non-empty list of them',
          got: formatValue(eo),
          fix: 'Pass e.g. `epsilons: [0.1, 0.3]`.',
        });
      }
      epsilons = arr;
    }
    if (this.kind === 'fixedEpsilon') {
      if (epsilons === null)
        throw new LipnetOptionError({
          code: 'INVALID_OPTION',
          who,
          option: 'epsilons',
          expected: 'be given (a fixed-epsilon attack needs ε)',
          got: formatValue(eo ?? null),
          fix: 'Pass e.g. `epsilons: [8 / 255]`.',
        });
      if (epsilons.some((e) => e <= 0))
        throw new LipnetOptionError({
          code: 'INVALID_OPTION',
          who,
          option: 'epsilons',
          expected: 'be > 0 for a fixed-epsilon attack',
          got: formatValue(epsilons),
          fix: 'Drop ε = 0 (it is the clean accuracy).',
        });
    }
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
    return {
      bounds: [lo, hi],
      epsilons,
      targets,
      batchSize,
      rng: new Rng(options.seed),
      logits: toLogitsFn(who, model, options.preprocessing),
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
          message: `expected \`model\` to return float32 logits, got ${dtype} logits: they have no gradient, so this gradient-based attack could not move. Return the float32 pre-softmax outputs (or use HopSkipJump, which reads only the argmax).`,
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
      bounds: opts.bounds,
      classes,
      targeted,
      numClasses,
      rng: opts.rng,
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
