import * as tf from '@tensorflow/tfjs-core';
import { LipnetInputError, checkTensor, formatShape, formatValue, type InputErrorCode } from '@lipnet/core';

/** A {@link LipnetInputError} of `loss` about `arg` (`yTrue` or `yPred`). */
const inputError = (loss: string, arg: string, code: InputErrorCode, message: string) =>
  new LipnetInputError({ code, who: loss, option: arg, message });

/**
 * What a loss expects in `yTrue`:
 * - `binary`: same shape as `yPred` (`[n, 1]` or multilabel `[n, C]`), every value in {−1, 0, 1}
 *   (deel-lip accepts {0, 1} or {−1, 1}; KR takes `y == 1` as positive, the hinge `y > 0`,
 *   which agree on these values and only on these values);
 * - `onehot`: same shape `[n, C]` (C ≥ 2), values in {−1, 0, 1}, exactly one positive per row;
 * - `probabilities`: same shape `[n, C]`, finite and ≥ 0 (categorical cross-entropy targets);
 * - `sparse`: `[n]` or `[n, 1]` integer class indices in [0, C) for `yPred` of shape `[n, C]`.
 */
export type LabelKind = 'binary' | 'onehot' | 'probabilities' | 'sparse';

/**
 * Shape checks (free: no data is read). Throws a `LipnetInputError` naming the loss,
 * both shapes and the fix.
 */
export function checkShapes(loss: string, kind: LabelKind, yTrue: tf.Tensor, yPred: tf.Tensor): void {
  // Free (metadata only): tensors, numeric dtypes, and no empty batch (its mean would be 0 or NaN).
  checkTensor(loss, 'yTrue', yTrue, { dtype: ['float32', 'int32', 'bool'], allowEmpty: true });
  checkTensor(loss, 'yPred', yPred, { dtype: ['float32', 'int32'] });
  if (yPred.rank !== 2) {
    throw inputError(
      loss,
      'yPred',
      'INVALID_SHAPE',
      `expected \`yPred\` of rank 2 ([batch, outputs]), got shape ${formatShape(yPred.shape)}. ` +
        `Reshape it, e.g. a binary output of shape [n] to [n, 1].`,
    );
  }
  if (kind === 'sparse') {
    const n = yPred.shape[0];
    if ((yPred.shape[1] ?? 0) < 2) {
      throw inputError(
        loss,
        'yPred',
        'INVALID_SHAPE',
        `expected at least 2 classes, got \`yPred\` of shape ${formatShape(yPred.shape)}. Pass one logit per class, [batch, classes].`,
      );
    }
    const ok =
      (yTrue.rank === 1 && yTrue.shape[0] === n) || (yTrue.rank === 2 && yTrue.shape[0] === n && yTrue.shape[1] === 1);
    if (!ok) {
      throw inputError(
        loss,
        'yTrue',
        'INVALID_SHAPE',
        `expected \`yTrue\` of shape [${n}] or [${n}, 1] (class indices) for \`yPred\` of shape ${formatShape(yPred.shape)}, ` +
          `got ${formatShape(yTrue.shape)}. Pass one integer class index per sample.`,
      );
    }
    return;
  }
  if (yTrue.rank !== yPred.rank || yTrue.shape.some((d, i) => d !== yPred.shape[i])) {
    throw inputError(
      loss,
      'yTrue',
      'INVALID_SHAPE',
      `\`yTrue\` has shape ${formatShape(yTrue.shape)} but \`yPred\` has shape ${formatShape(yPred.shape)}. ` +
        `Pass labels with the same shape as the predictions${kind === 'onehot' ? ' (one-hot, [batch, classes])' : ''}.`,
    );
  }
  if (kind === 'onehot' && (yPred.shape[1] ?? 0) < 2) {
    throw inputError(
      loss,
      'yPred',
      'INVALID_SHAPE',
      `expected at least 2 classes, got \`yPred\` of shape ${formatShape(yPred.shape)}. ` +
        `For a single output use the binary losses (KR, HingeMargin, HKR).`,
    );
  }
}

/**
 * Value checks: NaN/±Infinity in `yPred` or `yTrue`, labels outside the allowed set,
 * rows that are not one-hot. The test runs on the device and reads back **one** small
 * vector of flags (a single `dataSync` of ≤ 3 numbers); only when a flag is set are the
 * tensors read in full to build the message. On the cpu, wasm and node backends this
 * sync costs microseconds against a training step; on webgl/webgpu it stalls the
 * pipeline once per call, hence the `validate: false` option on every loss.
 */
export function checkValues(loss: string, kind: LabelKind, yTrue: tf.Tensor, yPred: tf.Tensor): void {
  const [predBad, labelBad, rowBad] = valueFlags(kind, yTrue, yPred);
  if (!predBad && !labelBad && !rowBad) return;
  // Failure path only: read the tensors to name the first offending value.
  if (predBad) throwNonFinitePred(loss, yTrue, yPred);
  if (labelBad) throwBadLabel(loss, kind, yTrue, yPred);
  throwIfNotOneHot(loss, yTrue);
}

/** On the device: whether `yPred` has a non-finite value, `yTrue` a value outside `kind`'s set, a one-hot row not one positive. */
function valueFlags(kind: LabelKind, yTrue: tf.Tensor, yPred: tf.Tensor): number[] {
  const flags = tf.tidy(() => {
    const p = tf.cast(yPred, 'float32');
    const t = tf.cast(yTrue, 'float32');
    const predBad = tf.any(tf.logicalNot(tf.isFinite(p)));
    let labelBad: tf.Tensor;
    let rowBad: tf.Tensor = tf.scalar(false, 'bool');
    if (kind === 'probabilities') {
      labelBad = tf.any(tf.logicalOr(tf.logicalNot(tf.isFinite(t)), tf.less(t, 0)));
    } else if (kind === 'sparse') {
      const c = yPred.shape[1] ?? 0;
      labelBad = tf.any(
        tf.logicalOr(
          tf.logicalOr(tf.logicalNot(tf.isFinite(t)), tf.notEqual(t, tf.round(t))),
          tf.logicalOr(tf.less(t, 0), tf.greaterEqual(t, c)),
        ),
      );
    } else {
      const allowed = tf.logicalOr(tf.logicalOr(tf.equal(t, 1), tf.equal(t, 0)), tf.equal(t, -1));
      labelBad = tf.any(tf.logicalNot(allowed));
      if (kind === 'onehot') {
        rowBad = tf.any(tf.notEqual(tf.sum(tf.cast(tf.greater(t, 0), 'float32'), -1), 1));
      }
    }
    return tf.stack([predBad, labelBad, rowBad].map((b) => tf.cast(b, 'float32')));
  });
  const out = Array.from(flags.dataSync());
  flags.dispose();
  return out;
}

/** Where flat index `i` of a tensor with `c` columns is, `[i]` or `[row, column]` (by `yTrue`'s rank). */
const position = (yTrue: tf.Tensor, i: number, c: number) =>
  yTrue.rank === 1 ? `[${i}]` : `[${Math.floor(i / c)}, ${i % c}]`;

/** Throws about `yPred`'s first non-finite value. */
function throwNonFinitePred(loss: string, yTrue: tf.Tensor, yPred: tf.Tensor): never {
  const v = yPred.dataSync();
  const i = v.findIndex((x) => !Number.isFinite(x));
  throw inputError(
    loss,
    'yPred',
    'NON_FINITE',
    `\`yPred\` contains ${formatValue(v[i])} at ${position(yTrue, i, yPred.shape[1] ?? 1)}. ` +
      `The model output is not finite (diverging training, bad inputs); fix it before computing the loss, or pass validate: false to skip this check.`,
  );
}

/** Throws about `yTrue`'s first value outside what `kind` allows. */
function throwBadLabel(loss: string, kind: LabelKind, yTrue: tf.Tensor, yPred: tf.Tensor): never {
  const cols = yPred.shape[1] ?? 1;
  const v = yTrue.dataSync();
  let i: number;
  let want: string;
  if (kind === 'probabilities') {
    i = v.findIndex((x) => !Number.isFinite(x) || x < 0);
    want = 'finite non-negative class probabilities';
  } else if (kind === 'sparse') {
    i = v.findIndex((x) => !Number.isFinite(x) || x !== Math.round(x) || x < 0 || x >= cols);
    want = `integer class indices in [0, ${cols - 1}]`;
  } else {
    i = v.findIndex((x) => x !== 1 && x !== 0 && x !== -1);
    want = kind === 'onehot' ? 'one-hot labels with values in {0, 1} or {−1, 1}' : 'labels in {0, 1} or {−1, 1}';
  }
  throw inputError(
    loss,
    'yTrue',
    'INVALID_VALUE',
    `\`yTrue\` has value ${formatValue(v[i])} at ${position(yTrue, i, labelColumns(yTrue))}; expected ${want}. ` +
      (kind === 'onehot' || kind === 'binary'
        ? 'Label smoothing is not supported by deel-lip losses; pass hard labels.'
        : 'Fix the labels.'),
  );
}

/** Columns of `yTrue`: 1 for class indices of shape [n]. */
const labelColumns = (yTrue: tf.Tensor): number => (yTrue.rank === 1 ? 1 : (yTrue.shape[1] ?? 1));

/** Throws about `yTrue`'s first row without exactly one positive entry, if any. */
function throwIfNotOneHot(loss: string, yTrue: tf.Tensor): void {
  const v = yTrue.dataSync();
  const tc = labelColumns(yTrue);
  const n = yTrue.shape[0] ?? 0;
  for (let r = 0; r < n; r++) {
    let pos = 0;
    for (let c = 0; c < tc; c++) if (v[r * tc + c]! > 0) pos++;
    if (pos !== 1) {
      const row = Array.from(v.slice(r * tc, r * tc + tc));
      throw inputError(
        loss,
        'yTrue',
        'INVALID_VALUE',
        `\`yTrue\` row ${r} is not one-hot: it has ${pos} positive entries (${JSON.stringify(row)}). ` +
          `Pass one-hot labels with exactly one 1 per row, e.g. tf.oneHot(classes, ${tc}).`,
      );
    }
  }
}
