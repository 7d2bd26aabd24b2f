import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { leanSequentialForward } from './lean-forward';
import { LipnetInputError, LipnetOptionError, formatShape, formatValue } from '@lipnet/core';
import type { Bounds, Model, Preprocessing } from './types';

// The inputs of `Attack.run`, checked before anything runs: the images and bounds, the ε list, the
// class indices and the model (wrapped with its preprocessing).

/** Checks that the labels (or targets) are integer class indices, one per image. */
export function toClassTensor(who: string, arg: string, v: unknown, n: number): tf.Tensor1D {
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

/** Whether `pre` changes the input (a mean or a std given): the logits are then not the model's own. */
export function hasPreprocessing(pre: Preprocessing | undefined): boolean {
  return pre?.mean !== undefined || pre?.std !== undefined;
}

/**
 * Wraps a model (LayersModel or function) with mean/std preprocessing: the logits function every
 * attack (and `robustAccuracy`'s clean accuracy) calls.
 */
export function toLogitsFn(who: string, model: Model, pre: Preprocessing | undefined): (x: tf.Tensor) => tf.Tensor {
  let f: (x: tf.Tensor) => tf.Tensor;
  if (typeof model === 'function') f = model;
  else if (model instanceof tfl.LayersModel || (model && typeof (model as tfl.LayersModel).apply === 'function')) {
    // A Sequential model's Conv2D / Dense as plain ops: the attacks' backward passes skip the weights' gradients.
    f = leanSequentialForward(model) ?? ((x) => model.apply(x, { training: false }) as tf.Tensor);
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
  if (!pre || !hasPreprocessing(pre)) return f;
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
 * Checks the images of a run: a float32 tensor `[N, …]` with N ≥ 1, no NaN, inside `bounds`
 * (default `[0, 1]`, finite, min < max; nothing is clipped silently). Returns the bounds.
 */
export function checkImages(who: string, images: unknown, bounds: unknown = [0, 1]): Bounds {
  if (!(images instanceof tf.Tensor))
    throw new LipnetInputError({
      code: 'INVALID_ARGUMENT',
      who,
      option: 'images',
      expected: 'be a tf.Tensor of shape [N, …]',
      got: formatValue(images),
      fix: 'Pass a float32 tensor batch.',
    });
  const x = images as tf.Tensor;
  if (x.dtype !== 'float32')
    throw new LipnetInputError({
      code: 'INVALID_DTYPE',
      who,
      option: 'images',
      expected: 'be a float32 tensor',
      got: `a ${x.dtype} tensor`,
      fix: "Cast it: `images.cast('float32')` (and scale to the bounds).",
    });
  if (x.rank < 2 || (x.shape[0] ?? 0) < 1)
    throw new LipnetInputError({
      code: 'INVALID_SHAPE',
      who,
      option: 'images',
      expected: 'have shape [N, …] with N ≥ 1',
      got: `shape ${formatShape(x.shape)}`,
      fix: 'Add a batch axis: `images.expandDims(0)`.',
    });
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
  const [lo, hi] = bounds as unknown as Bounds;
  const [mn, mx, nan] = tf
    .tidy(() => [tf.min(x), tf.max(x), tf.any(tf.isNaN(x))])
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
  return [lo, hi];
}

/**
 * The run's ε list: `null` (none given) or finite numbers ≥ 0; a fixed-ε attack needs them (> 0), an
 * attack that takes no ε refuses them.
 */
export function parseEpsilons(
  who: string,
  eo: unknown,
  kind: 'minimization' | 'fixedEpsilon',
  acceptsEpsilons: boolean,
): number[] | null {
  let epsilons: number[] | null = null;
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
  if (!acceptsEpsilons && epsilons !== null)
    throw new LipnetOptionError({
      code: 'CONFLICTING_OPTIONS',
      who,
      option: 'epsilons',
      expected: 'be omitted (this attack takes no ε)',
      got: formatValue(eo),
      fix: 'Drop `epsilons`; filter the results by distance instead.',
    });
  if (kind === 'fixedEpsilon') {
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
  return epsilons;
}
