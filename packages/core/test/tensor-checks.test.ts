import * as tf from '@tensorflow/tfjs-core';
import { LipnetInputError, checkFinite, checkTensor, type LipnetError } from '../src';

function errorOf(f: () => unknown): LipnetError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(LipnetInputError);
    return e as LipnetError;
  }
  throw new Error('expected a LipnetInputError, nothing was thrown');
}

describe('checkTensor', () => {
  it('returns a tensor that meets the requirements', () => {
    const x = tf.zeros([2, 3]);
    expect(checkTensor('f', 'x', x, { rank: 2, shape: [null, 3] })).toBe(x);
    expect(checkTensor('f', 'x', x, { rank: [1, 2] })).toBe(x);
    x.dispose();
  });

  it('refuses non-tensors, wrong dtypes, ranks, shapes, disposed tensors', () => {
    let e = errorOf(() => checkTensor('certificates', 'logits', [[1, 2]], { layout: '[n, C]' }));
    expect([e.code, e.option]).toEqual(['INVALID_ARGUMENT', 'logits']);
    expect(e.message).toBe(
      'certificates: expected `logits` to be a tf.Tensor [n, C], got [[1, 2]]. Convert arrays with tf.tensor(...).',
    );
    const i = tf.zeros([2, 3], 'int32');
    e = errorOf(() => checkTensor('f', 'x', i));
    expect(e.code).toBe('INVALID_DTYPE');
    expect(e.message).toBe(
      "f: expected `x` to be a float32 tensor, got an int32 tensor of shape [2, 3]. Cast it first: tf.cast(x, 'float32').",
    );
    expect(checkTensor('f', 'x', i, { dtype: ['float32', 'int32'] })).toBe(i);
    const x = tf.zeros([2, 3, 4]);
    e = errorOf(() => checkTensor('f', 'x', x, { rank: 2, layout: '[batch, classes]' }));
    expect(e.code).toBe('INVALID_SHAPE');
    expect(e.message).toContain(
      'expected `x` to have rank 2 [batch, classes], got a float32 tensor of shape [2, 3, 4]',
    );
    e = errorOf(() => checkTensor('f', 'x', x, { shape: [2, 3, 5] }));
    expect(e.message).toContain('expected `x` to have shape [2, 3, 5]');
    x.dispose();
    e = errorOf(() => checkTensor('f', 'x', x));
    expect(e.message).toContain('be a live tensor');
    i.dispose();
  });

  it('refuses an empty batch (EMPTY_BATCH) and other empty axes (INVALID_SHAPE) unless allowed', () => {
    const empty = tf.zeros([0, 10]);
    const e = errorOf(() => checkTensor('MulticlassHKR', 'yPred', empty));
    expect([e.code, e.option]).toEqual(['EMPTY_BATCH', 'yPred']);
    expect(e.message).toBe(
      'MulticlassHKR: `yPred` is empty (shape [0, 10]): there is nothing to compute on. Pass at least one sample.',
    );
    expect(checkTensor('f', 'x', empty, { allowEmpty: true })).toBe(empty);
    const noClasses = tf.zeros([3, 0]);
    expect(errorOf(() => checkTensor('f', 'x', noClasses)).code).toBe('INVALID_SHAPE');
    tf.dispose([empty, noClasses]);
  });
});

describe('checkFinite', () => {
  it('passes finite tensors and integer tensors, leaking nothing', () => {
    const x = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    const i = tf.tensor1d([1, 2], 'int32');
    const before = tf.memory().numTensors;
    checkFinite('f', 'x', x);
    checkFinite('f', 'i', i);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, i]);
  });

  it('names the first bad value, its position and the count', () => {
    const x = tf.tensor2d([
      [1, 2, 3],
      [4, NaN, Infinity],
    ]);
    const before = tf.memory().numTensors;
    const e = errorOf(() => checkFinite('certificates', 'logits', x, 'Fix the model output first.'));
    expect(tf.memory().numTensors).toBe(before);
    expect([e.code, e.option]).toEqual(['NON_FINITE', 'logits']);
    expect(e.message).toBe(
      'certificates: `logits` contains NaN at [1, 1] (2 non-finite values in all); no meaningful result exists for it. Fix the model output first.',
    );
    const y = tf.tensor1d([-Infinity]);
    expect(errorOf(() => checkFinite('f', 'y', y)).message).toContain('`y` contains -Infinity at [0];');
    tf.dispose([x, y]);
  });
});
