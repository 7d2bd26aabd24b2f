import * as tf from '@tensorflow/tfjs-core';
import {
  LipnetInputError,
  LipnetOptionError,
  checkTensor,
  defineOptions,
  formatShape,
  formatValue,
  opt,
} from '@lipnet/core';
import { Attack } from '../attack';
import { toLogitsFn } from '../run-inputs';
import type { AttackResult, Bounds, Criterion, Model, Preprocessing } from '../types';

/**
 * Serialisable progress of a {@link robustAccuracy} run: plain numbers only, so `JSON.stringify` it
 * after every batch (`onState`) and pass it back as `state` to resume where it stopped.
 */
export interface RobustAccuracyState {
  /** Format version. */
  version: 1;
  /** Attack class name the state belongs to (a resume with another attack is refused). */
  attack: string;
  /** The ε list. */
  epsilons: number[];
  /** Number of samples in the data set. */
  total: number;
  /** Samples finished (always a whole number of batches, from the start). */
  done: number;
  /** Per finished sample: 1 if the clean input is classified correctly. */
  correct: number[];
  /** Per ε, per finished sample: 1 if no adversarial was found within ε (robust). */
  robust: number[][];
}

/** Result of {@link robustAccuracy}. */
export interface RobustAccuracyResult {
  epsilons: number[];
  /** Fraction of finished samples classified correctly. */
  cleanAccuracy: number;
  /** Per ε, fraction of finished samples that are correct and were not fooled within ε (foolbox: `1 − success.mean()`). */
  robustAccuracy: number[];
  /** Samples finished; equals `total` when `complete`. */
  samples: number;
  complete: boolean;
  /** The state to persist or resume from. */
  state: RobustAccuracyState;
}

/** Options of {@link robustAccuracy}. */
export interface RobustAccuracyOptions {
  /** ε values (≥ 0, finite); one robust accuracy per ε. */
  epsilons: readonly number[];
  /** Samples per attack call. Default 100. */
  batchSize?: number;
  bounds?: Bounds;
  preprocessing?: Preprocessing;
  criterion?: Criterion;
  /** Base seed; batch b uses `seed + b`, so a resumed run reproduces an uninterrupted one. */
  seed?: number;
  /** Resume from this state (from `onState` or a previous result). */
  state?: RobustAccuracyState;
  /** Called after every finished batch with the updated state (persist it here). */
  onState?: (state: RobustAccuracyState) => void;
  /** One progress bar over the whole data set: fraction in [0, 1] and samples done. */
  onProgress?: (e: { fraction: number; done: number; total: number }) => void;
  /** Stop after the current batch (and stop the attack early) when aborted. */
  signal?: { readonly aborted: boolean };
}

/** The options of {@link robustAccuracy}, declared once; `bounds`, `preprocessing` and `criterion` are the attack's to check. */
const ROBUST_ACCURACY_OPTIONS = defineOptions('robustAccuracy', {
  epsilons: opt
    .arrayOf(opt.number({ min: 0 }), { minLength: 1 })
    .describedAs('a non-empty list of finite numbers ≥ 0', 'Pass e.g. `epsilons: [0, 0.1, 0.3]`.')
    .required(),
  batchSize: opt.integer({ min: 1 }).default(100),
  bounds: opt.any(),
  preprocessing: opt.any(),
  criterion: opt.any(),
  seed: opt.number(),
  state: opt.any(),
  onState: opt.func<(state: RobustAccuracyState) => void>(),
  onProgress: opt.func<(e: { fraction: number; done: number; total: number }) => void>(),
  signal: opt.custom<{ readonly aborted: boolean }>('an AbortSignal-like object', (v, ctx) => {
    if (typeof v === 'object' && v !== null && 'aborted' in v) return v as { readonly aborted: boolean };
    throw new LipnetOptionError({
      code: 'INVALID_OPTION',
      who: ctx.who,
      option: ctx.path,
      expected: 'be an AbortSignal-like object',
      got: formatValue(v),
      fix: 'Pass `new AbortController().signal`.',
    });
  }),
});

function summarise(s: RobustAccuracyState): RobustAccuracyResult {
  const k = Math.max(s.done, 1);
  return {
    epsilons: s.epsilons.slice(),
    cleanAccuracy: s.correct.reduce((a, b) => a + b, 0) / k,
    robustAccuracy: s.robust.map((r) => r.reduce((a, b) => a + b, 0) / k),
    samples: s.done,
    complete: s.done === s.total,
    state: s,
  };
}

function checkState(who: string, st: RobustAccuracyState, attack: string, eps: number[], total: number): void {
  const isObject = typeof st === 'object' && st !== null;
  const same =
    isObject &&
    st.version === 1 &&
    st.attack === attack &&
    st.total === total &&
    Array.isArray(st.epsilons) &&
    st.epsilons.join() === eps.join() &&
    Number.isInteger(st.done) &&
    Array.isArray(st.correct) &&
    st.correct.length === st.done &&
    Array.isArray(st.robust) &&
    st.robust.length === eps.length &&
    st.robust.every((r) => Array.isArray(r) && r.length === st.done);
  if (!same)
    throw new LipnetOptionError({
      code: 'INVALID_OPTION',
      who,
      option: 'state',
      expected: `belong to this run (${attack}, ${total} samples, ε = [${eps.join(', ')}])`,
      got: isObject ? `a state of ${formatValue(st.attack)} with ${formatValue(st.total)} samples` : formatValue(st),
      fix: 'Pass the state saved from the same attack, data and ε list, or omit it to start over.',
    });
}

/**
 * foolbox's usual evaluation over a whole test set: runs `attack` batch by batch with every ε and
 * returns the clean accuracy and the robust accuracy per ε (a sample counts as robust at ε when it is
 * classified correctly and the attack found no adversarial within ε). Resumable: the state after each
 * batch is plain data (`onState`), and `options.state` continues from it; an abort keeps every finished
 * batch. Progress is reported once for the whole data set.
 *
 * @example
 * const res = await robustAccuracy(new LinfPGD(), model, xTest, yTest, { epsilons: [0, 2 / 255, 8 / 255], seed: 0,
 *   onState: (s) => fs.writeFileSync('state.json', JSON.stringify(s)) });
 * res.robustAccuracy; // one number per ε
 */
export async function robustAccuracy(
  attack: Attack,
  model: Model,
  images: tf.Tensor,
  labels: tf.Tensor | readonly number[],
  options: RobustAccuracyOptions,
): Promise<RobustAccuracyResult> {
  const who = 'robustAccuracy';
  if (!(attack instanceof Attack))
    throw new LipnetInputError({
      code: 'INVALID_ARGUMENT',
      who,
      option: 'attack',
      expected: 'be an attack instance',
      got: formatValue(attack),
      fix: 'Pass e.g. `new LinfPGD()`.',
    });
  const o = ROBUST_ACCURACY_OPTIONS.parse(options);
  const eps = o.epsilons;
  const labelArr = checkData(who, images, labels);
  const total = images.shape[0];
  const saved = o.state as RobustAccuracyState | undefined;
  const state: RobustAccuracyState = saved
    ? (checkState(who, saved, attack.name, eps, total), saved)
    : { version: 1, attack: attack.name, epsilons: eps, total, done: 0, correct: [], robust: eps.map(() => []) };
  const run: EvaluationRun = {
    attack,
    model,
    images,
    labels: labelArr,
    options,
    batchSize: o.batchSize,
    logits: toLogitsFn(who, model, o.preprocessing as Preprocessing | undefined),
    state,
    epsilons: eps,
    // ε = 0 is the clean accuracy; attacks that refuse 0 (fixed-ε ones) run on the positive ε only.
    positive: eps.filter((e) => e > 0),
    report: (inBatch: number) =>
      options.onProgress?.({ fraction: Math.min(1, (state.done + inBatch) / total), done: state.done, total }),
  };
  run.report(0);
  while (state.done < total && !options.signal?.aborted) {
    if (!(await evaluateBatch(run))) break;
    options.onState?.(state);
    run.report(0);
  }
  return summarise(state);
}

/** Checks that `images` is a tensor [N, …] with one label per image; the labels as numbers. */
function checkData(who: string, images: tf.Tensor, labels: tf.Tensor | readonly number[]): number[] {
  checkTensor(who, 'images', images, { layout: '[N, …]' });
  if (images.rank < 2)
    throw new LipnetInputError({
      code: 'INVALID_SHAPE',
      who,
      option: 'images',
      expected: 'be a tensor [N, …]',
      got: `shape ${formatShape(images.shape)}`,
      fix: 'Pass the test set as one tensor.',
    });
  const total = images.shape[0];
  const labelArr = labels instanceof tf.Tensor ? Array.from(labels.dataSync()) : Array.from(labels);
  if (labelArr.length !== total)
    throw new LipnetInputError({
      code: 'INVALID_SHAPE',
      who,
      option: 'labels',
      expected: `hold ${total} class indices`,
      got: `${labelArr.length} values`,
      fix: 'Pass one label per image.',
    });
  return labelArr;
}

/** What every batch of a {@link robustAccuracy} run shares. */
interface EvaluationRun {
  attack: Attack;
  model: Model;
  images: tf.Tensor;
  labels: number[];
  options: RobustAccuracyOptions;
  batchSize: number;
  logits: (x: tf.Tensor) => tf.Tensor;
  /** Updated in place after each finished batch. */
  state: RobustAccuracyState;
  /** The ε list. */
  epsilons: number[];
  /** The ε > 0 the attack runs with. */
  positive: number[];
  /** Progress with `inBatch` samples of the current batch done. */
  report: (inBatch: number) => void;
}

/**
 * Attacks the next batch (from `state.done`) with every positive ε and appends its clean and robust
 * flags to the state; false, with the state unchanged, when the attack stopped early.
 */
async function evaluateBatch(run: EvaluationRun): Promise<boolean> {
  const { options, state, positive, batchSize, epsilons: eps } = run;
  const s = state.done;
  const e = Math.min(state.total, s + batchSize);
  const xb = tf.slice(run.images, s, e - s);
  const yb = run.labels.slice(s, e);
  try {
    // clean accuracy through the same preprocessing as the attack
    const correct = tf.tidy(() =>
      Array.from(tf.argMax(run.logits(xb), 1).dataSync()).map((p, i) => (p === yb[i] ? 1 : 0)),
    );
    let results: AttackResult[] = [];
    if (positive.length > 0) {
      results = await run.attack.run(run.model, xb, yb, {
        epsilons: positive,
        bounds: options.bounds,
        preprocessing: options.preprocessing,
        criterion: options.criterion,
        seed: options.seed === undefined ? undefined : options.seed + s / batchSize,
        signal: options.signal,
        onProgress: (ev) => run.report((e - s) * ev.fraction),
      });
      if (results.some((r) => r.stoppedEarly)) {
        tf.dispose(results.flatMap((r) => [r.raw, r.clipped, r.success]));
        return false;
      }
    }
    const succ = results.map((r) => Array.from(r.success.dataSync()));
    tf.dispose(results.flatMap((r) => [r.raw, r.clipped, r.success]));
    eps.forEach((ep, k) => {
      const fooled = ep > 0 ? (succ[positive.indexOf(ep)] as number[]) : correct.map(() => 0);
      state.robust[k]!.push(...correct.map((c, i) => (c && !fooled[i] ? 1 : 0)));
    });
    state.correct.push(...correct);
    state.done = e;
    return true;
  } finally {
    xb.dispose();
  }
}
