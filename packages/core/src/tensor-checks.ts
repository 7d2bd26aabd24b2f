import * as tf from '@tensorflow/tfjs-core';
import { LipnetInputError } from './errors';
import { formatShape, formatValue } from './format-value';

/** What {@link checkTensor} requires of a tensor argument. Nothing here reads the tensor's data. */
export interface TensorRequirements {
  /** Accepted dtype(s); default `'float32'`. */
  dtype?: tf.DataType | readonly tf.DataType[];
  /** Accepted rank(s); default any. */
  rank?: number | readonly number[];
  /** Required sizes by axis (`null`: any size); implies the rank. */
  shape?: readonly (number | null)[];
  /** The layout in words for messages, e.g. `'[batch, classes]'`. */
  layout?: string;
  /** Accept a tensor with a zero-size axis (default false: an empty batch is refused). */
  allowEmpty?: boolean;
}

/**
 * Checks that `x` is a tensor of the required dtype, rank, shape and non-empty
 * (metadata only: free, no data read). Returns it typed; throws a
 * {@link LipnetInputError} naming `argument` (codes `INVALID_ARGUMENT`,
 * `INVALID_DTYPE`, `INVALID_SHAPE`, `EMPTY_BATCH`).
 *
 * @example
 * const y = checkTensor('certificates', 'logits', logits, { rank: [1, 2], layout: '[n, C]' });
 */
export function checkTensor(who: string, argument: string, value: unknown, req: TensorRequirements = {}): tf.Tensor {
  const refuse = (code: 'INVALID_ARGUMENT' | 'INVALID_DTYPE' | 'INVALID_SHAPE', expected: string, fix: string) => {
    throw new LipnetInputError({ code, who, option: argument, expected, got: formatValue(value), fix });
  };
  const layout = req.layout ? ` ${req.layout}` : '';
  if (!(value instanceof tf.Tensor)) {
    return refuse('INVALID_ARGUMENT', `be a tf.Tensor${layout}`, 'Convert arrays with tf.tensor(...).');
  }
  const x: tf.Tensor = value as tf.Tensor;
  if (x.isDisposed) {
    refuse('INVALID_ARGUMENT', 'be a live tensor', 'It was disposed; pass a tensor that is still alive.');
  }
  const dtypes: readonly tf.DataType[] =
    req.dtype === undefined ? ['float32'] : typeof req.dtype === 'string' ? [req.dtype] : req.dtype;
  if (!dtypes.includes(x.dtype)) {
    const want = dtypes.join(' or ');
    refuse(
      'INVALID_DTYPE',
      `be ${/^[aeiou]/.test(want) ? 'an' : 'a'} ${want} tensor`,
      `Cast it first: tf.cast(${argument}, '${dtypes[0]}').`,
    );
  }
  const ranks = req.shape ? [req.shape.length] : req.rank === undefined ? null : ([] as number[]).concat(req.rank);
  if (ranks && !ranks.includes(x.rank)) {
    refuse(
      'INVALID_SHAPE',
      `have rank ${ranks.join(' or ')}${layout}`,
      `Reshape it to${layout || ` rank ${ranks.join(' or ')}`}.`,
    );
  }
  if (req.shape && req.shape.some((d, i) => d !== null && d !== x.shape[i])) {
    refuse(
      'INVALID_SHAPE',
      `have shape ${formatShape(req.shape)}${layout}`,
      `Pass a tensor of shape ${formatShape(req.shape)}.`,
    );
  }
  if (!req.allowEmpty && x.size === 0) {
    const batch = x.rank > 0 && x.shape[0] === 0;
    throw new LipnetInputError({
      code: batch ? 'EMPTY_BATCH' : 'INVALID_SHAPE',
      who,
      option: argument,
      message: `\`${argument}\` is empty (shape ${formatShape(x.shape)}): there is nothing to compute on. Pass at least one ${batch ? 'sample' : 'element per axis'}.`,
    });
  }
  return x;
}

/** Row-major index of flat position `i` in `shape`, as `[r, c]`. */
function position(i: number, shape: readonly number[]): string {
  const idx: number[] = [];
  let rest = i;
  for (let a = shape.length - 1; a >= 0; a--) {
    const d = shape[a]!;
    idx.unshift(rest % d);
    rest = Math.floor(rest / d);
  }
  return `[${idx.join(', ')}]`;
}

/**
 * Refuses NaN and ±Infinity in `x` with a {@link LipnetInputError} (`NON_FINITE`)
 * naming `argument`, the first bad value and its position. This reads data: one
 * boolean from the device, and the whole tensor only when something is wrong.
 * Call it in public entry points, never per training step. Integer and boolean
 * tensors pass without a read.
 *
 * @example
 * checkFinite('certificates', 'logits', logits, 'Fix the model output (diverging training?) first.');
 */
export function checkFinite(who: string, argument: string, x: tf.Tensor, fix?: string): void {
  if (x.dtype !== 'float32' && x.dtype !== 'complex64') return;
  const flag = tf.tidy(() => tf.all(tf.isFinite(x)));
  const ok = flag.dataSync()[0] === 1;
  flag.dispose();
  if (ok) return;
  const values = x.dataSync();
  let first = -1;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]!)) {
      count++;
      if (first < 0) first = i;
    }
  }
  const more = count > 1 ? ` (${count} non-finite values in all)` : '';
  throw new LipnetInputError({
    code: 'NON_FINITE',
    who,
    option: argument,
    message:
      `\`${argument}\` contains ${formatValue(values[first])} at ${position(first, x.shape)}${more}; ` +
      `no meaningful result exists for it. ${fix ?? `Pass finite values.`}`,
  });
}
